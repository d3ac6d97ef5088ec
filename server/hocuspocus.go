package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/hocus"
)

// Bounds of one /hocuspocus socket.
const (
	// maxHocusDocs bounds the documents one socket tracks: open, waiting
	// for their auth message, or refused.
	maxHocusDocs = 100
	// maxHocusPending and maxHocusPendingBytes bound what a socket may
	// send for documents it has not authenticated yet (a provider sends
	// its auth message first, so a well-behaved one queues nothing).
	maxHocusPending      = 64
	maxHocusPendingBytes = 1 << 20
	// hocusDocQueue is the messages read for one document and not yet
	// taken by its hub reader; a full one holds up the socket's reader
	// (back-pressure on that socket, as on /sync).
	hocusDocQueue = 16
	// hocusOutQueue bounds the socket's outbound frames (all documents)
	// waiting for its writer; the hub's per-connection queue bounds each
	// document's. Nothing is allocated for it while it is empty.
	hocusOutQueue = 1024
	// hocusWriteTimeout bounds one frame's write (the hub's default).
	hocusWriteTimeout = 10 * time.Second
)

// hocusAuthTimeout: a socket that has not opened a document by then is
// closed, however much it sends. A variable for the tests.
var hocusAuthTimeout = 15 * time.Second

// hocuspocus upgrades GET /hocuspocus: one socket carrying many
// documents in the Hocuspocus framing. Each document is authorized on
// its own auth message, by openDoc like /sync, and then served by the
// hub through a virtual connection (hocusDoc), so the document's room
// sees it like any other connection.
func (s *Server) hocuspocus(c echo.Context) error {
	if ok, err := s.admitSocket(c); !ok {
		return err
	}
	hs := &hocusSocket{s: s, remote: c.RealIP(), urlToken: bearerToken(c.Request()), docs: map[string]*hocusDoc{}}
	if s.cfg.AuthSecret == "" {
		// Open dev mode: every document of the socket is this guest's,
		// whatever token the provider sends (as /sync ignores tokens).
		g := s.guest(c)
		hs.guest = &g
	}
	ws, _, _ := s.upgrade(c)
	if ws == nil {
		return nil
	}
	hs.ws = ws
	hs.dead = make(chan struct{})
	// As for /sync: served from a fresh goroutine so the handler's
	// request state is freed; the registry and stopSockets close it.
	s.conns.Go(func() {
		defer s.releaseIP(hs.remote)
		hs.run()
	})
	return nil
}

// hocusSocket is one /hocuspocus WebSocket. Its reader (run) owns the
// pending queues; docs is shared with the documents' goroutines under mu.
// Every outbound frame goes through one queue (push) to one writer,
// which runs only while frames are queued: an idle socket costs its
// reader and one hub reader per open document, nothing more.
type hocusSocket struct {
	s        *Server
	ws       *websocket.Conn
	remote   string
	urlToken string    // ?token= or Authorization of the upgrade, if any
	guest    *Identity // open dev mode

	outMu   sync.Mutex
	out     [][]byte // frames for the writer
	writing bool     // a writer goroutine is running
	writers sync.WaitGroup

	dead     chan struct{} // closed when the socket is closing
	deadOnce sync.Once
	closer   sync.WaitGroup // the close handshake
	authed   atomic.Bool    // a document was opened (sticky)
	lastRead atomic.Int64   // unix nanoseconds of the last frame read

	mu   sync.Mutex
	docs map[string]*hocusDoc // by address

	pending, pendingBytes int // queued before authentication (reader only)
	serves                sync.WaitGroup
}

// closeSocket closes the whole socket with code and reason (once).
func (hs *hocusSocket) closeSocket(code websocket.StatusCode, reason string) {
	hs.deadOnce.Do(func() {
		close(hs.dead)
		// The close handshake waits for the peer: not in the caller.
		hs.closer.Go(func() { hs.ws.Close(code, closeReason(reason)) })
	})
}

// closeReason fits reason into a close frame (123 bytes).
func closeReason(reason string) string {
	if len(reason) > 123 {
		return reason[:120] + "..."
	}
	return reason
}

func (hs *hocusSocket) run() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopShutdown := context.AfterFunc(hs.s.sockets, func() { hs.closeSocket(websocket.StatusGoingAway, "server shutting down") })
	defer stopShutdown()
	authTimer := time.AfterFunc(hocusAuthTimeout, func() {
		if !hs.authed.Load() {
			hs.s.metrics.Refused.WithLabelValues("auth_timeout").Inc()
			hs.closeSocket(websocket.StatusPolicyViolation, fmt.Sprintf("no document authenticated within %v", hocusAuthTimeout))
		}
	})
	defer authTimer.Stop()

	hs.readLoop(ctx)

	hs.closeSocket(websocket.StatusNormalClosure, "")
	hs.mu.Lock()
	for _, d := range hs.docs {
		d.finish()
	}
	hs.mu.Unlock()
	hs.serves.Wait()
	hs.writers.Wait()
	hs.closer.Wait()
	hs.ws.CloseNow()
}

// push queues a frame for the socket's writer without waiting (the
// room's run loop calls it for sync status); false once the socket is
// closing. A full queue closes the socket as too slow, as the hub does
// with a connection.
func (hs *hocusSocket) push(f []byte) bool {
	select {
	case <-hs.dead:
		return false
	default:
	}
	hs.outMu.Lock()
	if len(hs.out) >= hocusOutQueue {
		hs.outMu.Unlock()
		hs.s.metrics.SlowConsumers.Inc()
		hs.closeSocket(websocket.StatusTryAgainLater, "slow consumer: outbound queue full")
		return false
	}
	hs.out = append(hs.out, f)
	start := !hs.writing
	if start {
		hs.writing = true
		hs.writers.Add(1)
	}
	hs.outMu.Unlock()
	if start {
		go hs.writeRun()
	}
	return true
}

// writeRun is the writer: it writes until the queue is empty, then ends
// (the next push starts another).
func (hs *hocusSocket) writeRun() {
	defer hs.writers.Done()
	for {
		hs.outMu.Lock()
		batch := hs.out
		hs.out = nil
		if len(batch) == 0 {
			hs.writing = false
			hs.outMu.Unlock()
			return
		}
		hs.outMu.Unlock()
		for _, f := range batch {
			select {
			case <-hs.dead:
				hs.outMu.Lock()
				hs.out, hs.writing = nil, false
				hs.outMu.Unlock()
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), hocusWriteTimeout)
			err := hs.ws.Write(ctx, websocket.MessageBinary, f)
			cancel()
			if err != nil {
				hs.closeSocket(websocket.StatusInternalError, "write failed")
			}
		}
	}
}

// refuse closes the socket for bad input, counted by metric.
func (hs *hocusSocket) refuse(code websocket.StatusCode, metric, reason string) {
	hs.s.metrics.Refused.WithLabelValues(metric).Inc()
	hs.s.log.Warn("hocuspocus connection refused input", "remote", hs.remote, "reason", reason)
	hs.closeSocket(code, reason)
}

func (hs *hocusSocket) readLoop(ctx context.Context) {
	for {
		typ, frame, err := hs.ws.Read(ctx)
		if err != nil {
			if strings.Contains(err.Error(), "read limited at") {
				hs.s.metrics.Refused.WithLabelValues("message_too_big").Inc()
			}
			return
		}
		hs.lastRead.Store(time.Now().UnixNano())
		hs.s.metrics.BytesIn.Add(float64(len(frame)))
		if typ != websocket.MessageBinary {
			hs.refuse(websocket.StatusUnsupportedData, "text_frame", "text frames are not supported: Hocuspocus messages are binary")
			return
		}
		f, err := hocus.Decode(frame)
		if err != nil {
			hs.refuse(websocket.StatusInvalidFramePayloadData, "invalid_message", err.Error())
			return
		}
		switch f.Type {
		case hocus.TypePing:
			hs.push(hocus.PongMessage())
			continue
		case hocus.TypePong:
			continue
		case hocus.TypeSyncStatus, hocus.TypeBroadcastStateless:
			hs.refuse(websocket.StatusInvalidFramePayloadData, "invalid_message", fmt.Sprintf("message type %v is not accepted from a client", f.Type))
			return
		}
		if !hs.handle(ctx, frame, f) {
			return
		}
	}
}

// handle routes one frame to its document; false ends the socket.
func (hs *hocusSocket) handle(ctx context.Context, frame []byte, f hocus.Frame) bool {
	hs.mu.Lock()
	d := hs.docs[f.Address]
	if d == nil {
		if len(hs.docs) >= maxHocusDocs {
			hs.mu.Unlock()
			hs.refuse(websocket.StatusPolicyViolation, "too_many_documents", fmt.Sprintf("too many documents on one connection (limit %d)", maxHocusDocs))
			return false
		}
		d = newHocusDoc(hs, f.Address)
		hs.docs[f.Address] = d
	}
	hs.mu.Unlock()

	switch d.state {
	case docOpen:
		switch f.Type {
		case hocus.TypeAuth:
			return true // already open: a second token changes nothing
		case hocus.TypeClose:
			// Out of the table at once: a provider that attaches again
			// right away starts afresh while this one's hub reader ends.
			d.clientClosed.Store(true)
			d.finish()
			hs.forget(d)
			return true
		}
		msg, _ := hocus.Unwrap(frame, f)
		return d.deliver(ctx, msg)
	case docDenied, docPending:
		switch f.Type {
		case hocus.TypeAuth:
			return hs.authorize(ctx, d, f)
		case hocus.TypeClose:
			hs.forget(d)
			return true
		}
		if d.state == docDenied {
			return true // what a refused provider sends before it hears so
		}
		hs.pending++
		hs.pendingBytes += len(frame)
		if hs.pending > maxHocusPending || hs.pendingBytes > maxHocusPendingBytes {
			hs.refuse(websocket.StatusPolicyViolation, "unauthenticated_flood", fmt.Sprintf("too many messages before authentication (limit %d messages, %d bytes)", maxHocusPending, maxHocusPendingBytes))
			return false
		}
		msg, _ := hocus.Unwrap(frame, f)
		d.queued = append(d.queued, msg)
	}
	return true
}

// forget drops a document that is not open from the socket's table.
func (hs *hocusSocket) forget(d *hocusDoc) {
	hs.unqueue(d)
	hs.mu.Lock()
	if hs.docs[d.address] == d {
		delete(hs.docs, d.address)
	}
	hs.mu.Unlock()
}

func (hs *hocusSocket) unqueue(d *hocusDoc) {
	for _, m := range d.queued {
		hs.pending--
		hs.pendingBytes -= len(m) + len(d.prefix) // the frame it came in
	}
	d.queued = nil
}

// deny answers a document's auth with PermissionDenied; the provider
// stops trying that document, and the socket stays up for the others.
func (hs *hocusSocket) deny(d *hocusDoc, metric, reason string) bool {
	if metric != "" {
		hs.s.metrics.Refused.WithLabelValues(metric).Inc()
	}
	hs.unqueue(d)
	d.state = docDenied
	return hs.push(hocus.PermissionDeniedMessage(d.address, reason))
}

// identity returns who the auth message of a document speaks for.
func (hs *hocusSocket) identity(token string) (Identity, string, error) {
	if hs.guest != nil {
		return *hs.guest, "", nil
	}
	if token == "" {
		token = hs.urlToken
	}
	if token == "" {
		return Identity{}, "no_token", errors.New("a token is required: pass it as the provider's token")
	}
	id, err := hs.s.verifyToken(token)
	if err != nil {
		return Identity{}, "bad_token", err
	}
	return id, "", nil
}

// authorize decides a document on its auth message and, when allowed,
// starts serving it.
func (hs *hocusSocket) authorize(ctx context.Context, d *hocusDoc, f hocus.Frame) bool {
	if f.Auth != hocus.AuthToken {
		hs.refuse(websocket.StatusInvalidFramePayloadData, "invalid_message", "a client's auth message must carry a token")
		return false
	}
	id, metric, err := hs.identity(f.Text)
	if err != nil {
		return hs.deny(d, metric, err.Error())
	}
	session, doc, ok := strings.Cut(f.Name, "/")
	if !ok || strings.Contains(doc, "/") {
		return hs.deny(d, "bad_name", fmt.Sprintf("document name %q is not {session}/{doc}", f.Name))
	}
	access, err := hs.s.openDoc(ctx, id, hs.remote, session, doc)
	if err != nil {
		return hs.deny(d, "", err.Error())
	}
	opts := access.opts
	opts.OnUpdate = d.ack
	if !access.commands {
		// Stateless messages on a document outside any session have no
		// command to run; they get the same answer shape as a refused one.
		opts.OnCommand = func(context.Context, []byte) []byte {
			return []byte(`{"ok":false,"status":404,"code":"not_found","message":"meeting commands need a document of a known session"}`)
		}
	}
	if !hs.push(hocus.AuthenticatedMessage(d.address, opts.ReadOnly)) {
		return false
	}
	hs.authed.Store(true)
	d.state = docOpen
	queued := d.queued
	hs.unqueue(d)
	name := session + "/" + doc
	hs.serves.Go(func() {
		access.opened()
		defer access.closed()
		err := hs.s.hubs.Serve(context.Background(), name, d, opts)
		if err != nil && !errors.Is(err, hub.ErrClosed) && !errors.Is(err, hub.ErrGone) {
			hs.s.log.Warn("connection ended with an error", "doc", name, "err", err)
		}
		hs.mu.Lock()
		if hs.docs[d.address] == d {
			delete(hs.docs, d.address)
		}
		hs.mu.Unlock()
	})
	for _, m := range queued {
		if !d.deliver(ctx, m) {
			return false
		}
	}
	return true
}
