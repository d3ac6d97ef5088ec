package hub

import (
	"context"
	"errors"
	"log/slog"
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
	id      uuid.UUID // so logs of several instances never mix connections up; formatted only to log
	reg     *Registry
	rm      *room
	t       Transport
	subject string
	remote  string
	// onCommand and allowUpdate are ConnOptions.OnCommand/AllowUpdate,
	// called by the reader.
	onCommand   func(context.Context, []byte) []byte
	allowUpdate func() bool
	onUpdate    func(applied bool)          // ConnOptions.OnUpdate, called by the run loop
	logger      atomic.Pointer[slog.Logger] // made on first use: most connections never log
	// expiry closes the connection when its token expires (nil: never);
	// done, if set, is called once the connection has ended (Start).
	expiry *time.Timer
	done   func()

	out outQueue
	// killed is set by the first kill; killedCh, made only for someone
	// who waits for it (killedChan), is closed then. Guarded by out.mu.
	killed   atomic.Bool
	killedCh chan struct{}
	pinging  atomic.Bool // a ping is in flight
	// writeSince is when the current batch of writes started (monotonic
	// ns since epoch, +1), 0 while not writing; the room checks it
	// against WriteTimeout.
	writeSince atomic.Int64

	// limits are the per-connection rate buckets, used by the reader only.
	limits [numLimits]bucket

	readOnly  bool // owned by the room's run loop after join
	savedAcks bool // ConnOptions.SavedAcks

	// owned by the room's run loop
	user User // stamped on this connection's awareness states
	// awID is the one awareness client id this connection controls (the
	// first it used; hasAW says whether it has used one).
	awID  uint64
	hasAW bool
	// synced: the client sent its step 1 and was answered. baseSV is a
	// state vector the client is known to have, or will have once what
	// the writer took is written: a resync is a diff from it.
	synced bool
	baseSV []byte
}

func newConn(r *Registry, rm *room, t Transport, opts ConnOptions) *conn {
	id := uuid.New()
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
		savedAcks:   opts.SavedAcks,
		user:        opts.User,
	}
	c.out.room = &rm.queued
	if pr, ok := t.(ProgressReporter); ok {
		pr.OnWriteProgress(c.progressed)
	}
	return c
}

// kill closes the connection with code and reason (code 0: without a
// close frame). now also aborts a write in progress. Only the first call
// counts. It never blocks.
func (c *conn) kill(code StatusCode, reason string, now bool) {
	c.out.mu.Lock()
	first := !c.killed.Swap(true)
	if first && c.killedCh != nil {
		close(c.killedCh)
	}
	c.out.mu.Unlock()
	if !first {
		return
	}
	if now || code == 0 {
		// Closing the socket makes a blocked read or write return.
		c.t.CloseNow()
		return
	}
	// The close handshake may wait for the peer; it runs on its own.
	if c.out.startBackground() {
		go func() {
			defer c.out.doneBackground()
			c.t.Close(code, reason)
		}()
	} else {
		c.t.CloseNow()
	}
}

// killedChan returns a channel closed once the connection is killed,
// made on first use: a channel per connection would cost every idle
// connection ~100 bytes for the rare reader that waits on it.
func (c *conn) killedChan() <-chan struct{} {
	c.out.mu.Lock()
	defer c.out.mu.Unlock()
	if c.killedCh == nil {
		c.killedCh = make(chan struct{})
		if c.killed.Load() {
			close(c.killedCh)
		}
	}
	return c.killedCh
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

func (c *conn) isKilled() bool { return c.killed.Load() }

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

// enqueue queues a message that is sent as it is, without blocking; a
// queue still full after coalescing closes the connection. Called by the
// room's run loop, and by the reader for command answers (the queue has
// its own lock).
func (c *conn) enqueue(msg []byte) { c.push(outItem{msg: msg}) }

// enqueueAwareness queues an awareness message: queued with others, only
// the latest state of each client id is sent.
func (c *conn) enqueueAwareness(msg []byte) { c.push(outItem{msg: msg, kind: kindAwareness}) }

// push queues it. An update that does not fit makes the room replace the
// backlog with one diff (resync); anything else that does not fit
// coalesces the queue, and closes the connection if even that leaves it
// full.
func (c *conn) push(it outItem) (drained bool) {
	if c.isKilled() {
		return false
	}
	cfg := &c.reg.cfg
	res, drained := c.out.push(it, cfg.QueueSize, cfg.QueueBytes)
	if res == pushOverflow {
		if it.kind == kindUpdate {
			c.rm.resync(c)
			return false
		}
		res = c.out.compactPush(it, cfg.QueueSize)
		if res == pushOverflow {
			c.slow()
			return false
		}
	}
	if res == pushedStart {
		go c.writeRun()
	}
	return drained
}

// slow closes a connection whose queue is full of messages that cannot be
// merged or dropped.
func (c *conn) slow() {
	c.reg.metrics.SlowConsumers.Inc()
	c.log().Warn("slow consumer disconnected", "queue", c.reg.cfg.QueueSize)
	c.kill(StatusTryAgainLater, "slow consumer: outbound queue full", true)
}

// readLoop is the reader: most of an idle connection's life is spent in
// it, waiting in Transport.Read. It is kept small, and what it does with
// a message is in handleRead, so the stack of a waiting reader is
// shallow and the runtime can shrink it.
func (c *conn) readLoop() {
	// Not c.ctx: closing the transport ends a Read (the Transport
	// contract), and a cancellable context costs coder/websocket a
	// registration (context.AfterFunc) on every connection while it
	// waits.
	ctx := context.Background()
	for {
		msg, err := c.t.Read(ctx)
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.handleRead(msg) {
			return
		}
	}
}

// readOn is a reader goroutine of a connection whose Transport is a
// Waiter (Registry.Start): it waits for input in a new goroutine, whose
// stack is the smallest, reads while input is ready, and then hands the
// wait to a new goroutine and ends, so that the goroutine waiting is
// never one whose stack grew while handling messages. One goroutine
// reads at a time; each is started by the previous one.
func (c *conn) readOn() {
	c.t.(Waiter).Wait()
	if c.readReady() {
		go c.readOn()
		return
	}
	c.reg.finish(c)
}

// readReady reads and handles messages while the transport has input
// ready: true when it has none left, false when the connection ended.
//
//go:noinline
func (c *conn) readReady() bool {
	w := c.t.(Waiter)
	ctx := context.Background() // as in readLoop
	for {
		msg, err := c.t.Read(ctx)
		if err != nil {
			c.readFailed(err)
			return false
		}
		if !c.handleRead(msg) {
			return false
		}
		if !w.Ready() {
			return true
		}
	}
}

//go:noinline
func (c *conn) readFailed(err error) {
	if errors.Is(err, ErrUnsupportedFrame) {
		c.refuse(StatusUnsupportedData, "text frames are not supported", "text_frame", err)
		return
	}
	if errors.Is(err, ErrMessageTooBig) {
		c.reg.metrics.Refused.WithLabelValues("message_too_big").Inc()
		c.log().Warn("connection refused input", "reason", "message too big", "err", err)
	}
	c.kill(0, "", false)
}

// handleRead decodes, checks and hands on one message; false ends the
// connection.
//
//go:noinline
func (c *conn) handleRead(msg []byte) bool {
	c.reg.metrics.BytesIn.Add(float64(len(msg)))
	m, err := yproto.Decode(msg)
	if err != nil {
		c.refuse(StatusInvalidPayload, "invalid message", "invalid_message", err)
		return false
	}
	c.reg.metrics.MessagesIn.WithLabelValues(m.Type.String()).Inc()
	if !c.allow(m) {
		return false
	}
	if m.Type == yproto.TypeSaved {
		c.refuse(StatusInvalidPayload, "saved messages are sent by the server only", "invalid_message", nil)
		return false
	}
	if m.Type == yproto.TypeCommand {
		if c.onCommand == nil {
			c.refuse(StatusInvalidPayload, "commands are not accepted here", "invalid_message", nil)
			return false
		}
		c.enqueue(yproto.CommandMessage(c.onCommand(connContext{c}, m.Payload)))
		return true
	}
	return c.rm.sendFrom(c, messageEvent(c, m))
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
		// Not tied to the connection: closing it ends a ping anyway.
		ctx, cancel := context.WithTimeout(context.Background(), c.reg.cfg.PingInterval)
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

// writeBatch writes everything queued, resetting the write timeout every
// maxBatch messages. What was queued together is coalesced first (updates
// merged into one, awareness to the latest per client), so a peer that
// reads slowly gets fewer, larger frames instead of falling behind; a
// Transport that can (BatchWriter) writes a batch with one system call.
func (c *conn) writeBatch() error {
	// A context with a deadline would cost coder/websocket a timer
	// registration per frame. Instead the writer stamps when it started
	// writing (writeSince) and the room's run loop closes a connection
	// whose write has not finished within WriteTimeout (checkWrite);
	// closing the socket makes the blocked write return.
	ctx := context.Background()
	var buf [16]outItem // most batches are a message or two: no allocation
	var mbuf [16][]byte
	batch := buf[:0]
	n, bytes := 0, 0
	defer func() {
		c.reg.metrics.MessagesOut.Add(float64(n))
		c.reg.metrics.BytesOut.Add(float64(bytes))
	}()
	bw, _ := c.t.(BatchWriter)
	for {
		// When the queue is empty, take stops the timer and marks the writer
		// gone under the queue's lock: from then on the next push may start
		// another writer, so this one must not touch anything afterwards.
		batch = c.out.take(batch[:0], c.writeDone)
		if len(batch) == 0 {
			return nil
		}
		if len(batch) > 1 {
			before := len(batch)
			batch = coalesce(batch)
			if d := before - len(batch); d > 0 {
				c.reg.metrics.Coalesced.Add(float64(d))
			}
		}
		for i := 0; i < len(batch); i += maxBatch {
			part := batch[i:min(i+maxBatch, len(batch))]
			c.writeSince.Store(int64(time.Since(epoch)) + 1)
			var err error
			if bw != nil && len(part) > 1 {
				msgs := mbuf[:0]
				for _, it := range part {
					msgs = append(msgs, it.msg)
				}
				err = bw.WriteBatch(ctx, msgs)
				clear(msgs)
			} else {
				for _, it := range part {
					if err = c.t.Write(ctx, it.msg); err != nil {
						break
					}
				}
			}
			c.out.written(part)
			if err != nil {
				c.out.written(batch[i+len(part):])
				c.writeDone()
				return err
			}
			for j := range part {
				n++
				bytes += len(part[j].msg)
				part[j] = outItem{}
			}
		}
	}
}

// log returns the connection's logger, made on first use so an idle
// connection does not carry one.
func (c *conn) log() *slog.Logger {
	if l := c.logger.Load(); l != nil {
		return l
	}
	// Two goroutines may both make one; either will do.
	l := c.reg.log.With("doc", c.rm.name, "conn", c.id.String(), "remote", c.remote)
	c.logger.CompareAndSwap(nil, l)
	return c.logger.Load()
}

func (c *conn) writeDone() { c.writeSince.Store(0) }

// progressed restarts the write timeout: part of a write has gone out.
// Called by the Transport within a write, in the writer goroutine.
func (c *conn) progressed() {
	if c.writeSince.Load() != 0 {
		c.writeSince.Store(int64(time.Since(epoch)) + 1)
	}
}

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

// connContext is a connection's context, given to ConnOptions.OnCommand:
// done once the connection is killed. It costs an idle connection
// nothing (a cancellable context would be an allocation per
// connection): its Done is the connection's killedChan.
type connContext struct{ c *conn }

func (connContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (x connContext) Done() <-chan struct{}     { return x.c.killedChan() }
func (connContext) Value(any) any               { return nil }
func (x connContext) Err() error {
	if x.c.isKilled() {
		return context.Canceled
	}
	return nil
}
