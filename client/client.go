package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// ErrClosed is returned by a Client's methods after Close.
var ErrClosed = errors.New("client: closed")

// ErrUnauthorized is wrapped by the error of a WebSocket handshake the
// server refused with 401 Unauthorized or 403 Forbidden: a missing,
// expired or forged token, or a forbidden Origin. Retrying with the same
// headers cannot succeed, so the client stops: Dial returns the error, or,
// on a reconnection, Wait and Err return it and Done is closed. Dial again
// with a fresh token (passing the same Options.Doc keeps local edits).
var ErrUnauthorized = errors.New("client: unauthorized")

// Options configures Dial. The zero value is valid.
type Options struct {
	// Doc is the document to keep in sync; nil makes a new one.
	Doc *crdt.Doc
	// Header is sent with every WebSocket handshake (Authorization, ...).
	Header http.Header
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts (defaults 100ms and 5s): the n-th consecutive attempt waits
	// a uniformly random time in [0, min(MaxBackoff, MinBackoff·2^n)]
	// (exponential backoff with full jitter).
	MinBackoff, MaxBackoff time.Duration
	// MaxMessageSize is the largest message accepted (default 64 MiB).
	MaxMessageSize int64
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
}

// Client keeps a crdt.Doc in sync with one document on a cocreate (or any
// y-websocket) server, reconnecting and re-syncing after a dropped
// connection. Use Do to read or edit the document: the client applies
// remote updates under the same lock.
type Client struct {
	url  string
	opts Options
	log  *slog.Logger
	// connect opens a connection to the document: a WebSocket of its
	// own (Dial) or a document on a shared Hocuspocus socket (Socket.Open).
	connect func(ctx context.Context) (link, error)

	mu        sync.Mutex // guards everything below and the doc
	cond      *sync.Cond // broadcast on every state change
	doc       *crdt.Doc
	closed    bool
	conn      link     // nil while disconnected
	out       [][]byte // messages waiting for the writer of conn
	wake      chan struct{}
	synced    bool // the server's step 2 arrived on the current connection
	connects  int
	lastClose error
	err       error  // permanent error that stopped the client
	unsub     func() // removes the doc's update handler
	awLocal   json.RawMessage
	awClock   uint64
	awStates  map[uint64]awEntry

	randN  func(n int64) int64 // jitter source of the backoff
	cancel context.CancelFunc
	done   chan struct{}
}

type awEntry struct {
	clock uint64
	state json.RawMessage // nil once removed
}

// Dial connects to the document doc ("session/name") under base, the
// server's sync URL (ws://host:8080/sync), and keeps it in sync until
// Close. It returns an error if the first connection fails.
func Dial(ctx context.Context, base, doc string, opts Options) (*Client, error) {
	c := newClient(strings.TrimSuffix(base, "/")+"/"+doc, doc, opts)
	c.connect = c.dial
	return c.start(ctx)
}

// newClient makes a client with opts' defaults filled in; start runs it.
func newClient(url, doc string, opts Options) *Client {
	opts = opts.withDefaults()
	c := &Client{
		url:      url,
		opts:     opts,
		log:      opts.Logger.With("doc", doc),
		doc:      opts.Doc,
		wake:     make(chan struct{}, 1),
		awStates: map[uint64]awEntry{},
		randN:    rand.Int64N,
		done:     make(chan struct{}),
	}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (opts Options) withDefaults() Options {
	if opts.Doc == nil {
		opts.Doc = crdt.NewDoc(crdt.DocOptions{})
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(5*time.Second, opts.MinBackoff)
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = 64 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts
}

// start makes the first connection and runs the client.
func (c *Client) start(ctx context.Context) (*Client, error) {
	c.unsub = c.doc.OnUpdate(func(u []byte, origin any, _ *crdt.Transaction) {
		if origin != c { // called with c.mu held
			c.sendLocked(yproto.UpdateMessage(u))
		}
	})
	l, err := c.connect(ctx)
	if err != nil {
		c.mu.Lock()
		c.unsub()
		c.mu.Unlock()
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go c.run(rctx, l)
	return c, nil
}

func (c *Client) dial(ctx context.Context) (link, error) {
	ws, err := dialWS(ctx, c.url, c.opts)
	if err != nil {
		return nil, err
	}
	return wsLink{ws}, nil
}

// dialWS opens a WebSocket to url with opts' headers and read limit.
func dialWS(ctx context.Context, url string, opts Options) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: opts.Header})
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return nil, fmt.Errorf("dial %s: %w: %s%s", url, ErrUnauthorized, resp.Status, refusalReason(resp))
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(opts.MaxMessageSize)
	return ws, nil
}

// refusalReason returns ": message" of the JSON error {code, message}
// of a refused handshake (coder/websocket keeps its first KiB), or "".
func refusalReason(resp *http.Response) string {
	if resp.Body == nil {
		return ""
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	var e struct{ Message string }
	if json.Unmarshal(raw, &e) != nil || e.Message == "" {
		return ""
	}
	return ": " + e.Message
}

// run serves connections until Close or a permanent error, reconnecting
// with backoff.
func (c *Client) run(ctx context.Context, l link) {
	defer close(c.done)
	redial(ctx, c.opts, c.log, c.randN, l, c.serve, c.connect, func(err error) {
		c.log.Warn("reconnect refused, giving up", "err", err)
		c.stop(err)
	})
}

// stop records the permanent error that ended the client and wakes
// every Wait.
func (c *Client) stop(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
	c.unsub()
	c.cond.Broadcast()
}

// serve runs one connection: handshake, then reader and writer.
func (c *Client) serve(ctx context.Context, l link) error {
	c.mu.Lock()
	c.conn, c.out, c.synced = l, nil, false
	c.connects++
	c.sendLocked(yproto.SyncStep1Message(c.doc.EncodeStateVector()))
	if c.awLocal != nil {
		// A higher clock: the server may have removed the old one when the
		// previous connection dropped.
		c.awClock++
		c.sendLocked(c.localAwarenessLocked())
	}
	c.cond.Broadcast()
	c.mu.Unlock()

	wctx, stop := context.WithCancel(ctx)
	werr := make(chan error, 1)
	go func() { werr <- c.writeLoop(wctx, l) }()
	err := c.readLoop(ctx, l)
	stop()
	l.closeNow()
	<-werr

	c.mu.Lock()
	c.conn, c.out, c.synced = nil, nil, false
	c.lastClose = err
	// Others' awareness is unknown while disconnected.
	clear(c.awStates)
	c.cond.Broadcast()
	c.mu.Unlock()
	return err
}

func (c *Client) readLoop(ctx context.Context, l link) error {
	for {
		raw, err := l.read(ctx)
		if err != nil {
			return err
		}
		if raw == nil {
			continue
		}
		m, err := yproto.Decode(raw)
		if err != nil {
			l.close(websocket.StatusInvalidFramePayloadData, "invalid message")
			return err
		}
		if err := c.handle(m); err != nil {
			l.close(websocket.StatusInvalidFramePayloadData, "invalid update")
			return err
		}
	}
}

func (c *Client) handle(m yproto.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.cond.Broadcast()
	switch m.Type {
	case yproto.TypeSync:
		switch m.Sync {
		case yproto.SyncStep1:
			u, err := c.doc.EncodeStateAsUpdate(m.Payload)
			if err != nil {
				return err
			}
			c.sendLocked(yproto.SyncStep2Message(u))
		case yproto.SyncStep2, yproto.SyncUpdate:
			if err := c.doc.ApplyUpdate(m.Payload, c); err != nil {
				return err
			}
			if m.Sync == yproto.SyncStep2 {
				c.synced = true
			}
		}
	case yproto.TypeAwareness:
		for _, e := range m.Awareness {
			if e.ClientID == c.doc.ClientID() {
				continue
			}
			cur, ok := c.awStates[e.ClientID]
			removed := e.Removed()
			if ok && !(cur.clock < e.Clock || (cur.clock == e.Clock && removed && cur.state != nil)) {
				continue
			}
			var st json.RawMessage
			if !removed {
				st = append(json.RawMessage(nil), e.State...)
			}
			c.awStates[e.ClientID] = awEntry{clock: e.Clock, state: st}
		}
	case yproto.TypeQueryAwareness:
		if c.awLocal != nil {
			c.sendLocked(c.localAwarenessLocked())
		}
	case yproto.TypeAuth:
		c.log.Warn("permission denied", "reason", m.Reason)
	}
	return nil
}

// awarenessRenew is how often the local awareness state is re-sent, so
// peers (whose timeout is 30s in y-protocols) keep it.
const awarenessRenew = 15 * time.Second

func (c *Client) writeLoop(ctx context.Context, l link) error {
	renew := time.NewTicker(awarenessRenew)
	defer renew.Stop()
	for {
		c.mu.Lock()
		batch := c.out
		c.out = nil
		c.mu.Unlock()
		for _, msg := range batch {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := l.write(wctx, msg)
			cancel()
			if err != nil {
				l.closeNow()
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-c.wake:
		case <-renew.C:
			c.mu.Lock()
			if c.awLocal != nil {
				// Peers only accept a higher clock, as y-protocols renews.
				c.awClock++
				c.out = append(c.out, c.localAwarenessLocked())
			}
			c.mu.Unlock()
		}
	}
}

// sendLocked queues msg for the current connection; while disconnected
// it is dropped, since the handshake of the next connection re-syncs.
func (c *Client) sendLocked(msg []byte) {
	if c.conn == nil {
		return
	}
	c.out = append(c.out, msg)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Client) localAwarenessLocked() []byte {
	return yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: c.doc.ClientID(), Clock: c.awClock, State: c.awLocal}})
}

// Do runs fn with the document locked; edits made in fn are sent to the
// server. fn must not keep the document after it returns.
func (c *Client) Do(fn func(doc *crdt.Doc)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.doc)
	c.cond.Broadcast()
}

// Wait blocks until cond, called with the document locked after every
// change of the client's state, returns true, or ctx is done, or the
// client stops (ErrClosed, or the permanent error Err returns).
func (c *Client) Wait(ctx context.Context, cond func(doc *crdt.Doc) bool) error {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond(c.doc) {
		if c.closed {
			return ErrClosed
		}
		if c.err != nil {
			return c.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c.cond.Wait()
	}
	return nil
}

// WaitSynced blocks until the current connection has completed the sync
// handshake (the server's step 2 arrived).
func (c *Client) WaitSynced(ctx context.Context) error {
	return c.Wait(ctx, func(*crdt.Doc) bool { return c.synced })
}

// Synced reports whether the current connection has completed the sync
// handshake.
func (c *Client) Synced() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.synced
}

// Err returns the permanent error that stopped the client (it wraps
// ErrUnauthorized), or nil while it runs or reconnects.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Done returns a channel closed once the client has stopped for good:
// after Close, or after a permanent error (see Err).
func (c *Client) Done() <-chan struct{} { return c.done }

// Connects returns how many connections the client has made so far.
func (c *Client) Connects() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connects
}

// SetAwareness publishes this client's awareness state (any JSON value;
// nil removes it).
func (c *Client) SetAwareness(state any) error {
	raw, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("awareness state: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.err != nil {
		return c.err
	}
	c.awClock++
	c.awLocal = raw
	c.sendLocked(c.localAwarenessLocked())
	if state == nil {
		c.awLocal = nil
	}
	return nil
}

// Awareness returns the awareness states of the other clients, by
// client id.
func (c *Client) Awareness() map[uint64]json.RawMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.awarenessLocked()
}

func (c *Client) awarenessLocked() map[uint64]json.RawMessage {
	out := map[uint64]json.RawMessage{}
	for id, e := range c.awStates {
		if e.state != nil {
			out[id] = e.state
		}
	}
	return out
}

// WaitAwareness blocks until cond holds for the other clients' awareness
// states.
func (c *Client) WaitAwareness(ctx context.Context, cond func(map[uint64]json.RawMessage) bool) error {
	return c.Wait(ctx, func(*crdt.Doc) bool { return cond(c.awarenessLocked()) })
}

// Close announces that this client's awareness is gone, closes the
// connection and stops reconnecting.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.closed = true
	c.unsub()
	l := c.conn
	var bye []byte
	if l != nil && c.awLocal != nil {
		c.awClock++
		bye = yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: c.doc.ClientID(), Clock: c.awClock, State: []byte("null")}})
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	if l != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if bye != nil {
			l.write(ctx, bye)
		}
		l.close(websocket.StatusNormalClosure, "")
		cancel()
	}
	c.cancel()
	<-c.done
	return nil
}
