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

// conn is one client connection. Its reader runs in Serve's goroutine, its
// writer and pinger in their own; the fields below the line are owned by
// the hub's run loop.
type conn struct {
	id       string // a UUID, so logs of several instances never mix connections up
	reg      *Registry
	rm       *room
	t        Transport
	readOnly bool
	remote   string
	logOnce  sync.Once
	logger   *slog.Logger    // made on first use: most connections never log
	ctx      context.Context // cancelled to abort a blocked write at once
	cancel   context.CancelFunc

	out     outQueue
	killed  chan struct{}
	once    sync.Once
	code    StatusCode // set once, before killed is closed
	reason  string
	pinging atomic.Bool // a ping is in flight
	wtimer  *time.Timer // write timeout; owned by the writer goroutine
	batch   [][]byte    // messages being written; owned by the writer

	// owned by the room's run loop
	awareness map[uint64]struct{} // awareness client ids this conn controls
}

func newConn(r *Registry, rm *room, t Transport, opts ConnOptions, ctx context.Context, cancel context.CancelFunc) *conn {
	id := uuid.NewString()
	return &conn{
		id:       id,
		reg:      r,
		rm:       rm,
		t:        t,
		readOnly: opts.ReadOnly,
		remote:   opts.Remote,
		ctx:      ctx,
		cancel:   cancel,
		out:      outQueue{max: r.cfg.QueueSize, ready: make(chan struct{}, 1)},
		killed:   make(chan struct{}),
	}
}

// kill closes the connection with code and reason (code 0: without a
// close frame). now also aborts a write in progress. Only the first call
// counts. It never blocks.
func (c *conn) kill(code StatusCode, reason string, now bool) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.killed)
	})
	if now {
		c.cancel()
		// Writes run without a context deadline (see writeBatch); closing
		// the socket is what makes a blocked write return.
		c.t.CloseNow()
	}
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
// Called by the room's run loop only.
func (c *conn) enqueue(msg []byte) {
	if c.isKilled() {
		return
	}
	if !c.out.push(msg) {
		c.reg.metrics.SlowConsumers.Inc()
		c.log().Warn("slow consumer disconnected", "queue", c.out.max)
		c.kill(StatusTryAgainLater, "slow consumer: outbound queue full", true)
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
		if !c.rm.sendFrom(c, event{kind: evMessage, conn: c, msg: m}) {
			return
		}
	}
}

// writeLoop drains the outbound queue onto the socket and keeps the peer
// alive: every PingInterval it starts a ping (in a short-lived goroutine,
// so a connection costs two goroutines, not three); a ping still
// unanswered at the next tick closes the connection.
func (c *conn) writeLoop() {
	tick := time.NewTicker(c.reg.cfg.PingInterval)
	defer tick.Stop()
	var pings sync.WaitGroup
	defer pings.Wait()
	for {
		select {
		case <-c.out.ready:
			if err := c.writeBatch(); err != nil {
				c.kill(0, "", true)
				c.t.CloseNow()
				return
			}
		case <-tick.C:
			if c.pinging.CompareAndSwap(false, true) {
				pings.Go(c.ping)
				continue
			}
			c.reg.metrics.Refused.WithLabelValues("keepalive_timeout").Inc()
			c.log().Info("keepalive timeout")
			c.kill(StatusGoingAway, "keepalive timeout", true)
		case <-c.killed:
			if c.code == 0 || c.ctx.Err() != nil {
				c.t.CloseNow()
			} else {
				c.t.Close(c.code, c.reason)
			}
			c.cancel()
			return
		}
	}
}

func (c *conn) ping() {
	ctx, cancel := context.WithTimeout(c.ctx, c.reg.cfg.PingInterval)
	defer cancel()
	err := c.t.Ping(ctx)
	if err == nil {
		c.pinging.Store(false)
	}
	// On error pinging stays set: the next tick closes the connection,
	// unless it is closing already.
}

// maxBatch bounds the messages written under one WriteTimeout, so a
// steady stream to a healthy peer never runs into the timeout.
const maxBatch = 128

// writeBatch writes everything queued, one frame per message, resetting
// the write timeout every maxBatch messages.
func (c *conn) writeBatch() error {
	// A context with a deadline would cost coder/websocket a timer
	// registration per frame; one reusable timer does the same job: if a
	// batch takes longer than WriteTimeout the socket is closed, which
	// makes the blocked write return.
	if c.wtimer == nil {
		c.wtimer = time.AfterFunc(time.Hour, func() {
			c.log().Info("write timeout")
			c.kill(0, "", true)
		})
	}
	defer c.wtimer.Stop()
	ctx := context.Background()
	n, bytes := 0, 0
	defer func() {
		c.reg.metrics.MessagesOut.Add(float64(n))
		c.reg.metrics.BytesOut.Add(float64(bytes))
	}()
	for {
		c.batch = c.out.drain(c.batch[:0])
		if len(c.batch) == 0 {
			if cap(c.batch) > 64 {
				c.batch = nil
			}
			return nil
		}
		for i, msg := range c.batch {
			if i%maxBatch == 0 {
				c.wtimer.Reset(c.reg.cfg.WriteTimeout)
			}
			if err := c.t.Write(ctx, msg); err != nil {
				return err
			}
			c.batch[i] = nil
			n++
			bytes += len(msg)
		}
	}
}

// outQueue is a connection's outbound queue: bounded, but holding no
// memory while empty (an idle connection costs nothing here). The room's
// run loop pushes; the writer goroutine drains.
type outQueue struct {
	mu    sync.Mutex
	q     [][]byte
	max   int
	ready chan struct{} // capacity 1: "something was pushed"
}

// push queues msg unless the queue is full.
func (o *outQueue) push(msg []byte) bool {
	o.mu.Lock()
	if len(o.q) >= o.max {
		o.mu.Unlock()
		return false
	}
	o.q = append(o.q, msg)
	o.mu.Unlock()
	select {
	case o.ready <- struct{}{}:
	default:
	}
	return true
}

// drain moves the queued messages into buf and returns it.
func (o *outQueue) drain(buf [][]byte) [][]byte {
	o.mu.Lock()
	buf = append(buf, o.q...)
	clear(o.q)
	if cap(o.q) > 64 {
		o.q = nil // let a burst's backing array go
	} else {
		o.q = o.q[:0]
	}
	o.mu.Unlock()
	return buf
}

// log returns the connection's logger, made on first use so an idle
// connection does not carry one.
func (c *conn) log() *slog.Logger {
	c.logOnce.Do(func() {
		c.logger = c.reg.log.With("doc", c.rm.name, "conn", c.id, "remote", c.remote)
	})
	return c.logger
}
