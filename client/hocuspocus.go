package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/internal/hocus"
)

// Socket is one WebSocket to a server's /hocuspocus endpoint, carrying
// many documents in the Hocuspocus framing (as a HocuspocusProviderWebsocket
// does). Open a document on it with Open; each document is authorized
// on its own, with its own token. The socket reconnects with backoff
// after a drop, and its documents authenticate and re-sync again.
type Socket struct {
	url  string
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	ws       *websocket.Conn     // nil while disconnected
	docs     map[string]*docLink // the current connection's documents
	connects int
	closed   bool
	err      error // permanent: the socket stopped

	cancel context.CancelFunc
	done   chan struct{}
}

// DialHocuspocus connects to url (ws://host:8080/hocuspocus). Options'
// Header, backoff, MaxMessageSize and Logger apply to the socket; Doc is
// not used. It returns an error if the first connection fails.
func DialHocuspocus(ctx context.Context, url string, opts Options) (*Socket, error) {
	opts = opts.withDefaults()
	s := &Socket{url: url, opts: opts, log: opts.Logger.With("socket", url), docs: map[string]*docLink{}, done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	ws, err := dialWS(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(rctx, ws)
	return s, nil
}

// Open keeps doc ("session/name") in sync over the socket, authorized by
// token ("" in open dev mode), and returns its Client (Do, Wait,
// SetAwareness... as for Dial; Close detaches the document and leaves the
// socket open). A document the server refuses fails with an error
// wrapping ErrUnauthorized, with the server's reason. opts' Doc and
// Logger apply; the connection options are the socket's.
func (s *Socket) Open(ctx context.Context, doc, token string, opts Options) (*Client, error) {
	o := s.opts
	o.Doc, o.Logger = opts.Doc, opts.Logger
	c := newClient(s.url, doc, o)
	c.connect = func(ctx context.Context) (link, error) { return s.attach(ctx, doc, token) }
	return c.start(ctx)
}

// Connects returns how many connections the socket has made so far.
func (s *Socket) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// Close closes the socket and stops reconnecting; its documents' clients
// keep waiting for a socket that will not come back, so close them first.
func (s *Socket) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	ws := s.ws
	s.cond.Broadcast()
	s.mu.Unlock()
	if ws != nil {
		ws.Close(websocket.StatusNormalClosure, "")
	}
	s.cancel()
	<-s.done
	return nil
}

// run serves connections until Close or a permanent error, reconnecting
// with backoff.
func (s *Socket) run(ctx context.Context, ws *websocket.Conn) {
	defer close(s.done)
	dial := func(ctx context.Context) (*websocket.Conn, error) { return dialWS(ctx, s.url, s.opts) }
	redial(ctx, s.opts, s.log, rand.Int64N, ws, s.serve, dial, func(err error) {
		s.mu.Lock()
		s.err = err
		s.cond.Broadcast()
		s.mu.Unlock()
	})
}

// serve reads one connection, routing each frame to its document.
func (s *Socket) serve(ctx context.Context, ws *websocket.Conn) error {
	s.mu.Lock()
	s.ws = ws
	s.connects++
	s.cond.Broadcast()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.ws = nil
		for a, d := range s.docs {
			d.end(errors.New("socket disconnected"))
			delete(s.docs, a)
		}
		s.mu.Unlock()
		ws.CloseNow()
	}()
	for {
		typ, raw, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageBinary {
			continue
		}
		f, err := hocus.Decode(raw)
		if err != nil {
			ws.Close(websocket.StatusInvalidFramePayloadData, "invalid message")
			return err
		}
		if f.Type == hocus.TypePing {
			ws.Write(ctx, websocket.MessageBinary, hocus.PongMessage())
			continue
		}
		s.mu.Lock()
		d := s.docs[f.Address]
		s.mu.Unlock()
		if d == nil {
			continue // a document closed meanwhile
		}
		switch f.Type {
		case hocus.TypeAuth:
			select {
			case d.auth <- f:
			default:
			}
		case hocus.TypeClose:
			s.detach(d, fmt.Errorf("the server closed the document: %s", f.Text))
		case hocus.TypeSyncStatus:
			// Acknowledgements: the client re-syncs on reconnect anyway.
		default:
			msg, ok := hocus.Unwrap(raw, f)
			if !ok {
				continue
			}
			select {
			case d.in <- msg:
			case <-d.ended:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// attach opens doc on the current connection (waiting for one) and
// authenticates it.
func (s *Socket) attach(ctx context.Context, doc, token string) (link, error) {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	for s.ws == nil && !s.closed && s.err == nil && ctx.Err() == nil {
		s.cond.Wait()
	}
	switch {
	case s.closed:
		s.mu.Unlock()
		return nil, ErrClosed
	case s.err != nil:
		s.mu.Unlock()
		return nil, s.err
	case ctx.Err() != nil:
		s.mu.Unlock()
		return nil, ctx.Err()
	case s.docs[doc] != nil:
		s.mu.Unlock()
		return nil, fmt.Errorf("document %s is already open on this socket", doc)
	}
	d := &docLink{s: s, ws: s.ws, address: doc, prefix: hocus.AppendAddress(nil, doc),
		in: make(chan []byte, 64), auth: make(chan hocus.Frame, 1), ended: make(chan struct{})}
	s.docs[doc] = d
	s.mu.Unlock()

	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.ws.Write(actx, websocket.MessageBinary, hocus.TokenMessage(doc, token, "")); err != nil {
		s.detach(d, err)
		return nil, fmt.Errorf("authenticate %s: %w", doc, err)
	}
	select {
	case f := <-d.auth:
		if f.Auth == hocus.AuthAuthenticated {
			d.readOnly = f.Text == hocus.ScopeReadOnly
			return d, nil
		}
		s.detach(d, nil)
		return nil, fmt.Errorf("open %s: %w: %s", doc, ErrUnauthorized, f.Text)
	case <-d.ended:
		return nil, fmt.Errorf("open %s: %w", doc, d.err)
	case <-actx.Done():
		s.detach(d, actx.Err())
		return nil, fmt.Errorf("open %s: no answer to the token: %w", doc, actx.Err())
	}
}

// detach removes d from the socket and ends it.
func (s *Socket) detach(d *docLink, err error) {
	s.mu.Lock()
	if s.docs[d.address] == d {
		delete(s.docs, d.address)
	}
	s.mu.Unlock()
	d.end(err)
}

// docLink is one document of a Socket's connection.
type docLink struct {
	s        *Socket
	ws       *websocket.Conn // the connection it was opened on
	address  string
	prefix   []byte
	readOnly bool
	in       chan []byte
	auth     chan hocus.Frame
	ended    chan struct{}
	endOnce  sync.Once
	err      error // why it ended; set before ended is closed
}

func (d *docLink) end(err error) {
	d.endOnce.Do(func() {
		if err == nil {
			err = errors.New("document closed")
		}
		d.err = err
		close(d.ended)
	})
}

func (d *docLink) read(ctx context.Context) ([]byte, error) {
	select {
	case m := <-d.in:
		return m, nil
	case <-d.ended:
		return nil, d.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (d *docLink) write(ctx context.Context, msg []byte) error {
	f, ok := hocus.Wrap(d.prefix, msg)
	if !ok {
		return nil
	}
	select {
	case <-d.ended:
		return d.err
	default:
	}
	return d.ws.Write(ctx, websocket.MessageBinary, f)
}

// close detaches the document, telling the server (a close message);
// the socket stays open.
func (d *docLink) close(websocket.StatusCode, string) {
	select {
	case <-d.ended:
	default:
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		d.ws.Write(ctx, websocket.MessageBinary, hocus.CloseMessage(d.address, "", false))
		cancel()
	}
	d.s.detach(d, nil)
}

func (d *docLink) closeNow() { d.close(websocket.StatusNormalClosure, "") }
