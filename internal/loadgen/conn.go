package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// maxMessage bounds what a client reads in one frame (a late joiner's
// step 2 holds the whole document).
const maxMessage = 64 << 20

// dialer opens WebSocket connections to a loopback server from a rotating
// set of 127.0.0.x source addresses: each source address has its own
// ephemeral port range, so tens of thousands of connections to one
// server port do not run out of ports.
type dialer struct {
	base    string // ws://host:port/path, no trailing slash
	proto   Protocol
	sources []net.IP
	next    atomic.Uint64
	client  *http.Client
}

// loopbackSources returns n source addresses 127.0.0.1 … counting up
// (127.0.1.0 follows 127.0.0.255), skipping .0 and .255 of each /24.
func loopbackSources(n int) []net.IP {
	ips := make([]net.IP, 0, n)
	for i := 1; len(ips) < n && i < 1<<16; i++ {
		lo := byte(i)
		if lo == 0 || lo == 255 {
			continue
		}
		ips = append(ips, net.IPv4(127, 0, byte(i>>8), lo).To4())
	}
	return ips
}

// checkLoopback refuses URLs whose host is not a loopback address: the
// load generator exists to hammer a server on this machine only.
func checkLoopback(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "ws" {
		return "", fmt.Errorf("url %q: want a ws:// URL", raw)
	}
	host := u.Hostname()
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
			return "", fmt.Errorf("url %q: host must be an IPv4 loopback address (127.x.x.x)", raw)
		}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("url %q: no query or fragment, please (rooms are appended to the path)", raw)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

func newDialer(base string, proto Protocol, sources int) (*dialer, error) {
	base, err := checkLoopback(base)
	if err != nil {
		return nil, err
	}
	d := &dialer{base: base, proto: proto, sources: loopbackSources(max(sources, 1))}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			src := d.sources[d.next.Add(1)%uint64(len(d.sources))]
			nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 20 * time.Second}
			return nd.DialContext(ctx, "tcp4", addr)
		},
		// Upgraded connections never return to the pool; this only
		// bounds what a refused (non-101) handshake leaves behind.
		MaxIdleConnsPerHost: 4,
		ForceAttemptHTTP2:   false,
	}
	d.client = &http.Client{Transport: tr}
	return d, nil
}

func (d *dialer) close() { d.client.CloseIdleConnections() }

// client is one synced connection to one room, or (dialDocs) one
// Hocuspocus socket carrying several.
type client struct {
	c   *websocket.Conn
	f   framer
	buf []byte
	// docs, when set, are the documents of a multi-document socket by
	// name; read routes each frame to its document's framer.
	docs map[string]*framer

	// step2 answers the server's step 1; nil for receivers, whose
	// document is empty.
	step2 func(sv []byte) []byte
}

// dial connects to room and runs the sync handshake: Hocuspocus's auth
// first, then both step 1s, until the server's step 2 has arrived. It
// answers the server's step 1 with step2 (nil: an empty document).
func (d *dialer) dial(ctx context.Context, room string, step2 func(sv []byte) []byte) (*client, error) {
	c, err := d.open(ctx, room)
	if err != nil {
		return nil, err
	}
	cl := &client{c: c, f: newFramer(d.proto, d.docName(room)), step2: step2}
	if err := cl.handshake(ctx); err != nil {
		c.CloseNow()
		return nil, err
	}
	return cl, nil
}

// hocusSession is the session part of the documents a Hocuspocus client
// opens ({session}/{doc}, as cocreate names them).
const hocusSession = "bench"

// docName is the document a room is: the room (y-websocket, named by the
// URL path), or bench/ROOM in the Hocuspocus frame prefix.
func (d *dialer) docName(room string) string {
	if d.proto == ProtocolHocuspocus {
		return hocusSession + "/" + room
	}
	return room
}

// open dials a WebSocket for room: URL/ROOM in the y-websocket framing;
// the URL itself (the socket, e.g. /hocuspocus) in the Hocuspocus one.
func (d *dialer) open(ctx context.Context, room string) (*websocket.Conn, error) {
	target := d.base + "/" + room
	if d.proto == ProtocolHocuspocus {
		target = d.base
	}
	c, _, err := websocket.Dial(ctx, target, &websocket.DialOptions{
		HTTPClient:      d.client,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(maxMessage)
	return c, nil
}

// dialDocs opens one Hocuspocus socket carrying rooms, as a
// HocuspocusProviderWebsocket with several providers does: for every
// room an auth message and a step 1 at once, then it waits until each
// is authenticated and has its step 2.
func (d *dialer) dialDocs(ctx context.Context, rooms []string) (*client, error) {
	if d.proto != ProtocolHocuspocus {
		return nil, errors.New("several documents on one socket need the hocuspocus protocol")
	}
	c, err := d.open(ctx, "")
	if err != nil {
		return nil, err
	}
	cl := &client{c: c, docs: make(map[string]*framer, len(rooms))}
	for _, r := range rooms {
		f := newFramer(d.proto, d.docName(r))
		cl.docs[f.room] = &f
		if err := cl.send(ctx, f.auth("")); err != nil {
			c.CloseNow()
			return nil, err
		}
		if err := cl.send(ctx, f.sync(syncStep1, []byte{0})); err != nil {
			c.CloseNow()
			return nil, err
		}
	}
	for synced := 0; synced < len(rooms); {
		m, err := cl.read(ctx)
		if err != nil {
			c.CloseNow()
			return nil, fmt.Errorf("waiting for %d documents to sync: %w", len(rooms)-synced, err)
		}
		ok, err := cl.handle(ctx, m, nil)
		if err != nil {
			c.CloseNow()
			return nil, err
		}
		if ok {
			synced++
		}
	}
	return cl, nil
}

var errDenied = errors.New("permission denied")

func (cl *client) send(ctx context.Context, msg []byte) error {
	return cl.c.Write(ctx, websocket.MessageBinary, msg)
}

// sendStep1 sends an empty state vector: receivers hold no document and
// the writer's is still empty when it connects.
func (cl *client) sendStep1(ctx context.Context) error {
	return cl.send(ctx, cl.f.sync(syncStep1, []byte{0}))
}

func (cl *client) handshake(ctx context.Context) error {
	if cl.f.proto == ProtocolHocuspocus {
		if err := cl.send(ctx, cl.f.auth("")); err != nil {
			return err
		}
		for authed := false; !authed; {
			m, err := cl.read(ctx)
			if err != nil {
				return fmt.Errorf("waiting for auth: %w", err)
			}
			if m.typ == msgAuth {
				if cl.f.authDenied(m) {
					return fmt.Errorf("%w: %s", errDenied, m.payload)
				}
				authed = m.sub == hpAuthAuthenticated
			}
		}
	}
	if err := cl.sendStep1(ctx); err != nil {
		return err
	}
	for {
		m, err := cl.read(ctx)
		if err != nil {
			return fmt.Errorf("waiting for sync step 2: %w", err)
		}
		synced, err := cl.handle(ctx, m, nil)
		if err != nil {
			return err
		}
		if synced {
			return nil
		}
	}
}

// read reads the next frame into the client's buffer and decodes it; the
// message aliases the buffer until the next read.
func (cl *client) read(ctx context.Context) (message, error) {
	typ, r, err := cl.c.Reader(ctx)
	if err != nil {
		return message{}, err
	}
	cl.buf = cl.buf[:0]
	for {
		if len(cl.buf) == cap(cl.buf) {
			cl.buf = append(cl.buf, 0)[:len(cl.buf)]
		}
		n, err := r.Read(cl.buf[len(cl.buf):cap(cl.buf)])
		cl.buf = cl.buf[:len(cl.buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return message{}, err
		}
	}
	if typ != websocket.MessageBinary {
		return message{}, fmt.Errorf("unexpected %v frame", typ)
	}
	if cl.docs == nil {
		m, err := cl.f.decode(cl.buf)
		m.f = &cl.f
		return m, err
	}
	name, _, err := readVarBytes(cl.buf)
	if err != nil {
		return message{}, fmt.Errorf("document name: %w", err)
	}
	f := cl.docs[string(name)]
	if f == nil {
		return message{}, fmt.Errorf("message for document %q, not open on this socket", name)
	}
	m, err := f.decode(cl.buf)
	m.f = f
	return m, err
}

// serve reads and handles what the server sends until an error, giving
// the updates to onUpdate (nil: ignored).
func (cl *client) serve(ctx context.Context, onUpdate func([]byte)) error {
	for {
		m, err := cl.read(ctx)
		if err != nil {
			return err
		}
		if _, err := cl.handle(ctx, m, onUpdate); err != nil {
			return err
		}
	}
}

// handle acts on one message: it answers a step 1, reports whether it was
// a step 2, passes update payloads (step 2 and update) to onUpdate, and
// turns a refusal into an error. Everything else (awareness, Hocuspocus's
// sync status) is ignored.
func (cl *client) handle(ctx context.Context, m message, onUpdate func([]byte)) (synced bool, err error) {
	switch m.typ {
	case msgSync, msgSyncReply:
		switch m.sub {
		case syncStep1:
			up := emptyUpdate
			if cl.step2 != nil {
				up = cl.step2(m.payload)
			}
			return false, cl.send(ctx, m.f.sync(syncStep2, up))
		case syncStep2:
			if onUpdate != nil {
				onUpdate(m.payload)
			}
			return true, nil
		case syncUpdate:
			if onUpdate != nil {
				onUpdate(m.payload)
			}
		}
	case msgAuth:
		if cl.f.authDenied(m) {
			return false, fmt.Errorf("%w: %s", errDenied, m.payload)
		}
	}
	return false, nil
}

// closeReason describes why a connection ended, for the report.
func closeReason(err error) string {
	if st := websocket.CloseStatus(err); st != -1 {
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Reason != "" {
			return fmt.Sprintf("close %d %s", int(st), ce.Reason)
		}
		return fmt.Sprintf("close %d", int(st))
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "EOF"
	case errors.Is(err, net.ErrClosed):
		return "closed"
	}
	// Dial errors nest "failed to …: failed to …: cause"; the cause is last.
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 100 {
		s = s[i+2:]
	}
	return s
}
