package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configures NewRedisBus.
type RedisOptions struct {
	// URL is the Redis server, redis://[user:password@]host:port[/db]
	// (rediss:// for TLS), or a Redis Cluster,
	// redis+cluster://[user:password@]host:port,host:port,… (see
	// NewRedisClient).
	URL string
	// Prefix goes before every channel name (default "cocreate:"), so
	// several deployments can share one Redis: pub/sub ignores the
	// database number, only names keep them apart. It must pass
	// CheckRedisPrefix.
	Prefix string
	// QueueSize bounds the messages waiting to be published (default
	// 8192); beyond it they are dropped and healing repairs the loss.
	QueueSize int
	// Logger receives connection problems; nil discards them.
	Logger *slog.Logger
}

// RedisBus is the Bus over Redis pub/sub: one Redis channel per document
// channel. One goroutine publishes (pipelining what has queued up, so a
// burst costs one round trip), one applies subscription changes, and one
// receives per subscriber connection; go-redis reconnects and
// resubscribes by itself, and each resubscription is reported to the
// handler, which heals.
//
// On one server all channels share one subscriber connection (PUBLISH,
// SUBSCRIBE). On a cluster it uses sharded pub/sub (SPUBLISH,
// SSUBSCRIBE) with one subscriber connection per bucket of channels
// (bus_redis_cluster.go).
type RedisBus struct {
	opts    RedisOptions
	log     *slog.Logger
	client  redis.UniversalClient
	cluster bool

	pubQ chan redisPub
	subs chan struct{} // wakes the subscriber goroutine

	subMu  sync.Mutex
	subOps []redisSubOp
	chans  map[string]struct{} // subscribed channels, for Reconnect

	lastErr atomic.Pointer[busErr]
	dropped atomic.Int64

	mu      sync.Mutex
	started bool
	closed  bool
	h       BusHandler
	ps      map[int]*redis.PubSub // subscriber connections by bucket, made on first use
	stop    chan struct{}
	wg      sync.WaitGroup
}

type redisPub struct {
	channel string
	data    []byte
}

type redisSubOp struct {
	channel string
	sub     bool
	// reset: make channel's bucket connection afresh (Redis dropped its
	// subscriptions: the slot moved to another shard).
	reset bool
}

// NewRedisBus checks opts and returns a bus; it connects on Start.
func NewRedisBus(opts RedisOptions) (*RedisBus, error) {
	if opts.Prefix == "" {
		opts.Prefix = "cocreate:"
	}
	if err := CheckRedisPrefix(opts.Prefix); err != nil {
		return nil, fmt.Errorf("redis prefix: %w", err)
	}
	client, err := NewRedisClient(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 8192
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	// go-redis logs every failed dial on its own; the bus logs the
	// transitions (unreachable, reachable again), so its lines go to
	// debug. The logger is global to go-redis (read by its goroutines
	// without a lock), so it is set once, by the first bus made.
	setRedisLogger.Do(func() { redis.SetLogger(redisLogger{opts.Logger}) })
	return &RedisBus{
		opts:    opts,
		log:     opts.Logger.With("bus", "redis", "addr", redisAddrs(client)),
		client:  client,
		cluster: IsRedisClusterURL(opts.URL),
		pubQ:    make(chan redisPub, opts.QueueSize),
		subs:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		chans:   map[string]struct{}{},
		ps:      map[int]*redis.PubSub{},
	}, nil
}

// redisAddrs names the server or the cluster's seed nodes, for logs.
func redisAddrs(c redis.UniversalClient) string {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().Addr
	case *redis.ClusterClient:
		return strings.Join(c.Options().Addrs, ",")
	}
	return ""
}

// Prefix returns the prefix of the bus's channel names, the one other
// users of the same Redis (the meeting lock's keys) go behind too.
func (b *RedisBus) Prefix() string { return b.opts.Prefix }

// Start implements Bus.
func (b *RedisBus) Start(h BusHandler) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.closed {
		return errors.New("redis bus: already started or closed")
	}
	b.started, b.h = true, h
	b.wg.Add(2)
	go b.publish()
	go b.subscribe()
	return nil
}

// newPubSub makes bucket's subscriber connection, subscribed to names
// (Redis channel names of that bucket), and its receiver. Subscribing as
// it is made routes the connection, on a cluster, to the shard of their
// slot; if that fails go-redis keeps the names and subscribes them when
// its receiver reconnects.
func (b *RedisBus) newPubSub(bucket int, names []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	var ps *redis.PubSub
	if b.cluster {
		ps = b.client.SSubscribe(ctx, names...)
	} else {
		ps = b.client.Subscribe(ctx, names...)
	}
	cancel()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		ps.Close()
		return
	}
	// Only the subscribe goroutine adds connections, after finding none
	// for the bucket, so old is nil; should that change, one per bucket
	// still holds.
	old := b.ps[bucket]
	b.ps[bucket] = ps
	msgs := ps.ChannelWithSubscriptions(
		redis.WithChannelSize(1024),
		redis.WithChannelHealthCheckInterval(time.Second),
	)
	b.wg.Add(1)
	go b.receive(b.h, msgs)
	b.mu.Unlock()
	if old != nil {
		old.Close() // may wait for its own reconnection attempt
	}
}

// Reconnect replaces the subscriber connections with new ones subscribed
// to the same channels. go-redis notices a connection that fails, but
// not one that silently stops delivering (a network partition without a
// reset); the Registry calls Reconnect when its probes stop coming back.
// It returns once the old connections are closed.
func (b *RedisBus) Reconnect() {
	b.mu.Lock()
	if !b.started || b.closed {
		b.mu.Unlock()
		return
	}
	old := b.ps
	b.ps = map[int]*redis.PubSub{}
	b.mu.Unlock()
	for _, ps := range old {
		// This may wait for the old connection's own reconnection attempt
		// (up to go-redis's 10s); afterwards it delivers nothing more.
		ps.Close()
	}
	b.subMu.Lock()
	for ch := range b.chans {
		b.subOps = append(b.subOps, redisSubOp{channel: ch, sub: true})
	}
	b.subMu.Unlock()
	b.wake()
}

func (b *RedisBus) receive(h BusHandler, msgs <-chan any) {
	defer b.wg.Done()
	for m := range msgs {
		switch m := m.(type) {
		case *redis.Message:
			if ch, ok := b.busChannel(m.Channel); ok {
				h.Message(ch, []byte(m.Payload))
			}
		case *redis.Subscription:
			ch, ok := b.busChannel(m.Channel)
			switch {
			case !ok:
			case m.Kind == "subscribe" || m.Kind == "ssubscribe":
				h.Subscribed(ch)
			case m.Kind == "sunsubscribe" && b.wanted(ch):
				// Not ours: the cluster moved the channel's slot to another
				// shard and dropped its subscribers. Its bucket's
				// connection, still on the old shard, is made again.
				b.subMu.Lock()
				b.subOps = append(b.subOps, redisSubOp{channel: ch, reset: true})
				b.subMu.Unlock()
				b.wake()
			}
		}
	}
}

// publish sends queued messages, each batch in one pipeline.
func (b *RedisBus) publish() {
	defer b.wg.Done()
	const maxBatch = 512
	batch := make([]redisPub, 0, maxBatch)
	for {
		select {
		case <-b.stop:
			return
		case p := <-b.pubQ:
			batch = append(batch[:0], p)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case p := <-b.pubQ:
				batch = append(batch, p)
			default:
				break more
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		pipe := b.client.Pipeline()
		for _, p := range batch {
			if b.cluster {
				pipe.SPublish(ctx, b.redisName(p.channel), p.data)
			} else {
				pipe.Publish(ctx, b.redisName(p.channel), p.data)
			}
		}
		cmds, err := pipe.Exec(ctx)
		cancel()
		b.notePublish(batch, cmds, err)
		clear(batch)
	}
}

// subscribe applies subscription changes in order.
func (b *RedisBus) subscribe() {
	defer b.wg.Done()
	for {
		select {
		case <-b.stop:
			return
		case <-b.subs:
		}
		b.subMu.Lock()
		ops := b.subOps
		b.subOps = nil
		b.subMu.Unlock()
		for len(ops) > 0 {
			if ops[0].reset {
				b.resetBucket(b.bucket(ops[0].channel))
				ops = ops[1:]
				continue
			}
			// Runs of the same operation on one bucket go in one command;
			// a channel's operations stay in order, its bucket being
			// always the same.
			bucket := b.bucket(ops[0].channel)
			n := 1
			for n < len(ops) && !ops[n].reset && ops[n].sub == ops[0].sub && b.bucket(ops[n].channel) == bucket {
				n++
			}
			names := make([]string, n)
			for i, op := range ops[:n] {
				names[i] = b.redisName(op.channel)
			}
			b.applySub(bucket, ops[0].sub, names)
			ops = ops[n:]
		}
	}
}

// wanted reports whether channel is subscribed (or about to be).
func (b *RedisBus) wanted(channel string) bool {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	_, ok := b.chans[channel]
	return ok
}

// resetBucket replaces bucket's subscriber connection with a new one,
// routed to the shard that owns the bucket's slot now, subscribed to the
// bucket's channels.
func (b *RedisBus) resetBucket(bucket int) {
	b.mu.Lock()
	ps := b.ps[bucket]
	delete(b.ps, bucket)
	b.mu.Unlock()
	if ps != nil {
		ps.Close()
	}
	var names []string
	b.subMu.Lock()
	for ch := range b.chans {
		if b.bucket(ch) == bucket {
			names = append(names, b.redisName(ch))
		}
	}
	b.subMu.Unlock()
	if len(names) > 0 {
		b.awaitSlotView(names[0])
		b.newPubSub(bucket, names)
	}
}

// applySub subscribes or unsubscribes names, all of bucket.
func (b *RedisBus) applySub(bucket int, sub bool, names []string) {
	b.mu.Lock()
	ps := b.ps[bucket]
	b.mu.Unlock()
	if ps == nil {
		if sub {
			b.newPubSub(bucket, names)
		}
		return // nothing subscribed there: nothing to unsubscribe
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	switch {
	case sub && b.cluster:
		err = ps.SSubscribe(ctx, names...)
	case sub:
		err = ps.Subscribe(ctx, names...)
	case b.cluster:
		err = ps.SUnsubscribe(ctx, names...)
	default:
		err = ps.Unsubscribe(ctx, names...)
	}
	// On error go-redis has still recorded the change and applies it
	// when it reconnects, which reports the subscriptions.
	if err != nil {
		b.log.Debug("subscription change deferred until reconnect", "channels", len(names), "err", err)
	}
}

// busErr is a failed publish and the bucket it was for (on a cluster,
// the bucket's shard is unreachable).
type busErr struct {
	err    error
	bucket int
	at     time.Time
}

// busErrTTL is how long a publish failure counts without a new one: a
// bucket nobody publishes to any more has nothing left to carry.
const busErrTTL = 10 * time.Second

// notePublish records the outcome of one pipelined batch. On a cluster
// some shards may work while one is down: the error stays until a
// publish to the failing bucket works, not merely one to another shard.
func (b *RedisBus) notePublish(batch []redisPub, cmds []redis.Cmder, err error) {
	if err == nil {
		p := b.lastErr.Load()
		if p == nil {
			return
		}
		if !b.cluster {
			b.clearErr(-1)
			return
		}
		for _, q := range batch {
			if b.bucket(q.channel) == p.bucket {
				b.clearErr(p.bucket)
				return
			}
		}
		return
	}
	if len(cmds) != len(batch) {
		b.dropped.Add(int64(len(batch)))
		b.setErr(err, b.bucket(batch[0].channel))
		return
	}
	failed, worked := -1, map[int]bool{}
	for i, c := range cmds {
		bk := b.bucket(batch[i].channel)
		if c.Err() == nil {
			worked[bk] = true
			continue
		}
		b.dropped.Add(1)
		if failed < 0 {
			failed, err = bk, c.Err()
		}
	}
	if p := b.lastErr.Load(); p != nil && worked[p.bucket] {
		b.clearErr(p.bucket)
	}
	if failed >= 0 {
		b.setErr(err, failed)
	}
}

// clearErr forgets the error of bucket (any bucket if -1).
func (b *RedisBus) clearErr(bucket int) {
	p := b.lastErr.Load()
	if p == nil || (bucket >= 0 && p.bucket != bucket) {
		return
	}
	if b.lastErr.CompareAndSwap(p, nil) {
		b.log.Info("redis reachable again")
	}
}

func (b *RedisBus) setErr(err error, bucket int) {
	e := &busErr{err: fmt.Errorf("redis publish: %w", err), bucket: bucket, at: time.Now()}
	if old := b.lastErr.Swap(e); old == nil || time.Since(old.at) > busErrTTL {
		b.log.Warn("redis unreachable; local clients keep working, other instances catch up when it returns", "err", e.err)
	}
}

func (b *RedisBus) queueSub(channel string, sub bool) {
	b.subMu.Lock()
	b.subOps = append(b.subOps, redisSubOp{channel: channel, sub: sub})
	if sub {
		b.chans[channel] = struct{}{}
	} else {
		delete(b.chans, channel)
	}
	b.subMu.Unlock()
	b.wake()
}

func (b *RedisBus) wake() {
	select {
	case b.subs <- struct{}{}:
	default:
	}
}

// Subscribe implements Bus.
func (b *RedisBus) Subscribe(channel string) { b.queueSub(channel, true) }

// Unsubscribe implements Bus.
func (b *RedisBus) Unsubscribe(channel string) { b.queueSub(channel, false) }

// Publish implements Bus.
func (b *RedisBus) Publish(channel string, data []byte) {
	select {
	case b.pubQ <- redisPub{channel: channel, data: data}:
	default:
		b.dropped.Add(1)
	}
}

// Dropped returns how many messages could not be published.
func (b *RedisBus) Dropped() int64 { return b.dropped.Load() }

// Err implements Bus: the error of the last failed publish, nil once a
// publish to the same bucket works (or none failed for busErrTTL).
func (b *RedisBus) Err() error {
	if p := b.lastErr.Load(); p != nil && time.Since(p.at) <= busErrTTL {
		return p.err
	}
	return nil
}

// Close implements Bus.
func (b *RedisBus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.stop)
	pss := b.ps
	b.ps = nil
	b.mu.Unlock()
	var errs []error
	for _, ps := range pss {
		// Closing a PubSub ends its receiver's channel.
		if err := ps.Close(); err != nil {
			errs = append(errs, fmt.Errorf("redis bus: close subscription: %w", err))
		}
	}
	b.wg.Wait()
	if err := b.client.Close(); err != nil {
		errs = append(errs, fmt.Errorf("redis bus: close client: %w", err))
	}
	return errors.Join(errs...)
}

var setRedisLogger sync.Once

// redisLogger hands go-redis's internal messages to slog at debug level.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
