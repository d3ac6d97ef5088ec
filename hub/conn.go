package hub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/google/uuid"
)

// conn is one client connection. Its reader runs in Serve's goroutine.
// Everything else runs in short-lived goroutines that exist only while
// there is work: a writer while messages are queued, a pinger while a
// ping is in flight, a closer while the close handshake runs. An idle
// connection therefore costs one goroutine, not two (their stacks are
// about half of an idle connection's memory). outQueue counts them so
// Serve can wait for all of them.
type conn struct {
	id       string // a UUID, so logs of several instances never mix connections up
	reg      *Registry
	rm       *room
	t        Transport
	readOnly bool // owned by the room's run loop after join
	subject  string
	remote   string
	// onCommand and allowUpdate are ConnOptions.OnCommand/AllowUpdate,
	// called by the reader.
	onCommand   func(context.Context, []byte) []byte
	allowUpdate func() bool
	onUpdate    func(applied bool) // ConnOptions.OnUpdate, called by the run loop
	logOnce     sync.Once
	logger      *slog.Logger    // made on first use: most connections never log
	ctx         context.Context // cancelled when the connection is killed
	cancel      context.CancelFunc

	out     outQueue
	killed  chan struct{}
	once    sync.Once
	code    StatusCode // set once, before killed is closed
	reason  string
	pinging atomic.Bool // a ping is in flight
	// writeSince is when the current batch of writes started (monotonic
	// ns since epoch, +1), 0 while not writing; the room checks it
	// against WriteTimeout.
	writeSince atomic.Int64

	// owned by the room's run loop
	awareness map[uint64]struct{} // awareness client ids this conn controls
}

func newConn(r *Registry, rm *room, t Transport, opts ConnOptions, ctx context.Context, cancel context.CancelFunc) *conn {
	id := uuid.NewString()
	c := &conn{
		id:          id,
		reg:         r,
		rm:          rm,
		t:           t,
		readOnly:    opts.ReadOnly,
		subject:     opts.Subject,
		remote:      opts.Remote,
		onCommand:   opts.OnCommand,
		allowUpdate: opts.AllowUpdate,
		onUpdate:    opts.OnUpdate,
		ctx:         ctx,
		cancel:      cancel,
		killed:      make(chan struct{}),
	}
	c.out.max = r.cfg.QueueSize
	return c
}

// kill closes the connection with code and reason (code 0: without a
// close frame). now also aborts a write in progress. Only the first call
// counts. It never blocks.
func (c *conn) kill(code StatusCode, reason string, now bool) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.killed)
		if now || code == 0 {
			// Closing the socket makes a blocked read or write return.
			c.t.CloseNow()
			c.cancel()
			return
		}
		// The close handshake may wait for the peer; it runs on its own.
		if c.out.startBackground() {
			go func() {
				defer c.out.doneBackground()
				c.t.Close(code, reason)
				c.cancel()
			}()
		} else {
			c.t.CloseNow()
			c.cancel()
		}
	})
}

// expire closes the connection because its token has expired.
func (c *conn) expire() {
	if c.isKilled() {
		return
	}
	c.reg.metrics.Refused.WithLabelValues("token_expired").Inc()
	c.log().Info("token expired")
	c.kill(StatusPolicyViolation, "token expired", false)
}

func (c *conn) isKilled() bool {
	select {
	case <-c.killed:
		return true
	default:
		return false
	}
}

// refuse closes the connection because of bad input, counts it and logs
// it once.
func (c *conn) refuse(code StatusCode, reason, metric string, err error) {
	if c.isKilled() {
		return
	}
	c.reg.metrics.Refused.WithLabelValues(metric).Inc()
	c.log().Warn("connection refused input", "reason", reason, "err", err)
	c.kill(code, reason, false)
}

// enqueue queues msg without blocking; a full queue closes the connection.
// Called by the room's run loop, and by the reader for command answers
// (the queue has its own lock).
func (c *conn) enqueue(msg []byte) {
	if c.isKilled() {
		return
	}
	ok, start := c.out.push(msg)
	if !ok {
		c.reg.metrics.SlowConsumers.Inc()
		c.log().Warn("slow consumer disconnected", "queue", c.out.max)
		c.kill(StatusTryAgainLater, "slow consumer: outbound queue full", true)
		return
	}
	if start {
		go c.writeRun()
	}
}

func (c *conn) readLoop() {
	for {
		msg, err := c.t.Read(c.ctx)
		if err != nil {
			if errors.Is(err, ErrUnsupportedFrame) {
				c.refuse(StatusUnsupportedData, "text frames are not supported", "text_frame", err)
				return
			}
			if errors.Is(err, ErrMessageTooBig) {
				c.reg.metrics.Refused.WithLabelValues("message_too_big").Inc()
				c.log().Warn("connection refused input", "reason", "message too big", "err", err)
			}
			c.kill(0, "", false)
			return
		}
		c.reg.metrics.BytesIn.Add(float64(len(msg)))
		m, err := yproto.Decode(msg)
		if err != nil {
			c.refuse(StatusInvalidPayload, "invalid message", "invalid_message", err)
			return
		}
		c.reg.metrics.MessagesIn.WithLabelValues(m.Type.String()).Inc()
		switch {
		case m.Type == yproto.TypeCommand:
			if c.onCommand == nil {
				c.refuse(StatusInvalidPayload, "commands are not accepted here", "invalid_message", nil)
				return
			}
			c.enqueue(yproto.CommandMessage(c.onCommand(c.ctx, m.Payload)))
			continue
		case m.Type == yproto.TypeSync && m.Sync != yproto.SyncStep1 && c.allowUpdate != nil && !c.allowUpdate():
			c.refuse(StatusPolicyViolation, "rate limit exceeded: too many updates", "rate_limited", nil)
			return
		}
		if !c.rm.sendFrom(c, event{kind: evMessage, conn: c, msg: m}) {
			return
		}
	}
}

// updateHandled tells ConnOptions.OnUpdate, if set, that an update of
// the connection was handled. Called by the room's run loop.
func (c *conn) updateHandled(applied bool) {
	if c.onUpdate != nil {
		c.onUpdate(applied)
	}
}

// keepalive is called by the room's run loop every PingInterval: it
// starts a ping, or, if the last one is still unanswered, closes the
// connection.
func (c *conn) keepalive() {
	if c.isKilled() {
		return
	}
	if !c.pinging.CompareAndSwap(false, true) {
		c.reg.metrics.Refused.WithLabelValues("keepalive_timeout").Inc()
		c.log().Info("keepalive timeout")
		c.kill(StatusGoingAway, "keepalive timeout", true)
		return
	}
	if !c.out.startBackground() {
		return
	}
	go func() {
		defer c.out.doneBackground()
		ctx, cancel := context.WithTimeout(c.ctx, c.reg.cfg.PingInterval)
		defer cancel()
		if c.t.Ping(ctx) == nil {
			c.pinging.Store(false)
		}
		// On error pinging stays set: the next tick closes the connection,
		// unless it is closing already.
	}()
}

// writeRun is the writer goroutine: it writes until the queue is empty,
// then ends (push starts another when a message comes).
func (c *conn) writeRun() {
	defer c.out.doneBackground()
	if err := c.writeBatch(); err != nil {
		c.out.abandon()
		c.kill(0, "", true)
	}
}

// maxBatch bounds the messages written under one WriteTimeout, so a
// steady stream to a healthy peer never runs into the timeout.
const maxBatch = 128

// writeBatch writes everything queued, one frame per message, resetting
// the write timeout every maxBatch messages.
func (c *conn) writeBatch() error {
	// A context with a deadline would cost coder/websocket a timer
	// registration per frame. Instead the writer stamps when it started
	// writing (writeSince) and the room's run loop closes a connection
	// whose write has not finished within WriteTimeout (checkWrite);
	// closing the socket makes the blocked write return.
	ctx := context.Background()
	var buf [16][]byte // most batches are a message or two: no allocation
	batch := buf[:0]
	n, bytes := 0, 0
	defer func() {
		c.reg.metrics.MessagesOut.Add(float64(n))
		c.reg.metrics.BytesOut.Add(float64(bytes))
	}()
	for {
		// When the queue is empty, take stops the timer and marks the writer
		// gone under the queue's lock: from then on the next push may start
		// another writer, so this one must not touch anything afterwards.
		batch = c.out.take(batch[:0], c.writeDone)
		if len(batch) == 0 {
			return nil
		}
		for i, msg := range batch {
			if i%maxBatch == 0 {
				c.writeSince.Store(int64(time.Since(epoch)) + 1)
			}
			if err := c.t.Write(ctx, msg); err != nil {
				c.writeDone()
				return err
			}
			batch[i] = nil
			n++
			bytes += len(msg)
		}
	}
}

// outQueue is a connection's outbound queue: bounded, holding no memory
// while empty. The room's run loop pushes; a writer goroutine, started by
// the push that finds none running, takes until the queue is empty. It
// also counts the connection's background goroutines (writer, pinger,
// closer) so that wait can return only when all have ended.
type outQueue struct {
	mu      sync.Mutex
	idle    sync.Cond // signalled when bg drops to zero
	q       [][]byte
	max     int
	writing bool // a writer goroutine is running
	bg      int  // background goroutines running, the writer included
	closed  bool // no more goroutines may start
}

// push queues msg unless the queue is full. start reports that the
// caller must start a writer goroutine (counted already).
func (o *outQueue) push(msg []byte) (ok, start bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return true, false // the connection is going; drop quietly
	}
	if len(o.q) >= o.max {
		return false, false
	}
	o.q = append(o.q, msg)
	if !o.writing {
		o.writing = true
		o.bg++
		return true, true
	}
	return true, false
}

// take moves the queued messages into buf. When there are none it calls
// onIdle and marks the writer stopped, under the lock: the caller must
// then return (and call doneBackground) without touching writer state.
func (o *outQueue) take(buf [][]byte, onIdle func()) [][]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.q) == 0 {
		onIdle()
		o.writing = false
		if cap(o.q) > 8 {
			o.q = nil // let a burst's backing array go; keep a small one
		}
		return buf
	}
	buf = append(buf, o.q...)
	clear(o.q)
	o.q = o.q[:0]
	return buf
}

// abandon drops what is queued after a failed write; no writer starts
// again.
func (o *outQueue) abandon() {
	o.mu.Lock()
	o.q = nil
	o.writing = false
	o.closed = true
	o.mu.Unlock()
}

// startBackground counts a background goroutine about to start, unless
// the connection is finished.
func (o *outQueue) startBackground() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.bg++
	return true
}

func (o *outQueue) doneBackground() {
	o.mu.Lock()
	o.bg--
	if o.bg == 0 && o.idle.L != nil {
		o.idle.Broadcast()
	}
	o.mu.Unlock()
}

// closeAndWait stops new background goroutines and waits for the running
// ones to end.
func (o *outQueue) closeAndWait() {
	o.mu.Lock()
	o.closed = true
	o.q = nil
	if o.idle.L == nil {
		o.idle.L = &o.mu
	}
	for o.bg > 0 {
		o.idle.Wait()
	}
	o.mu.Unlock()
}

// log returns the connection's logger, made on first use so an idle
// connection does not carry one.
func (c *conn) log() *slog.Logger {
	c.logOnce.Do(func() {
		c.logger = c.reg.log.With("doc", c.rm.name, "conn", c.id, "remote", c.remote)
	})
	return c.logger
}

func (c *conn) writeDone() { c.writeSince.Store(0) }

// checkWrite closes the connection if a write has been blocked for longer
// than WriteTimeout (the peer stopped reading). Called by the run loop.
func (c *conn) checkWrite(now time.Time) {
	if ws := c.writeSince.Load(); ws != 0 && int64(now.Sub(epoch))-ws > int64(c.reg.cfg.WriteTimeout) && !c.isKilled() {
		c.reg.metrics.Refused.WithLabelValues("write_timeout").Inc()
		c.log().Info("write timeout")
		c.kill(0, "", true)
	}
}

// epoch anchors writeSince on the monotonic clock.
var epoch = time.Now()
