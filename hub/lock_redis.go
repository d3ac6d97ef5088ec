package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// Errors of RedisLock.Run: ErrLockBusy when the lock could not be taken
// within RedisLockOptions.Wait, ErrLockLost when it could not be renewed
// while fn ran (Redis unreachable for longer than the TTL), so what fn
// returned is not handed on.
var (
	ErrLockBusy = errors.New("busy: another instance holds the lock; try again")
	ErrLockLost = errors.New("the lock was lost while held")
)

// RedisLockOptions configures NewRedisLock.
type RedisLockOptions struct {
	// URL is the Redis server or cluster, as RedisOptions.URL.
	URL string
	// Prefix starts every key, as RedisOptions.Prefix (default
	// "cocreate:"): the deployment's --redis-prefix.
	Prefix string
	// TTL bounds how long a crashed holder blocks the others (default
	// 10s). A live holder renews its lock every TTL/3, so however long
	// its section runs (a slow store), nobody overtakes it.
	TTL time.Duration
	// Wait is the longest wait for the lock (default 15s).
	Wait time.Duration
	// Logger receives problems; nil discards them.
	Logger *slog.Logger
}

// RedisLock runs sections one at a time across instances: a lock per
// key in Redis (SET NX with a TTL and a random token), renewed while it
// is held, and a value each holder hands to the next (the state after
// its section), written only while the lock is still its own. It is the
// one place besides RedisBus that speaks to Redis.
type RedisLock struct {
	opts   RedisLockOptions
	log    *slog.Logger
	client redis.UniversalClient
	// lockPrefix and valuePrefix start with Prefix.
	lockPrefix, valuePrefix string
}

const valueTTL = 7 * 24 * time.Hour

var (
	// unlockScript deletes the lock only if this holder still owns it.
	unlockScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)
	// renewScript extends the lock only if this holder still owns it.
	renewScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end return 0`)
	// handOnScript stores the value only if this holder still owns the
	// lock (a fence against a holder that lost it).
	handOnScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then redis.call("set", KEYS[2], ARGV[2], "PX", ARGV[3]) return 1 end return 0`)
)

// NewRedisLock returns a RedisLock on the server at opts.URL.
func NewRedisLock(opts RedisLockOptions) (*RedisLock, error) {
	client, err := NewRedisClient(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Prefix == "" {
		opts.Prefix = "cocreate:"
	}
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Second
	}
	if opts.Wait <= 0 {
		opts.Wait = 15 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RedisLock{opts: opts, log: log, client: client,
		lockPrefix: opts.Prefix + "lock:", valuePrefix: opts.Prefix + "lock-value:"}, nil
}

// Close closes the connection to Redis.
func (l *RedisLock) Close() error { return l.client.Close() }

// Run calls fn holding the lock of key. fn gets the value the previous
// holder handed on (nil if none) and returns the value to hand on (nil:
// keep the previous one).
func (l *RedisLock) Run(ctx context.Context, key string, fn func(latest []byte) ([]byte, error)) error {
	// The key in braces is a Redis Cluster hash tag: the lock and its
	// value share a slot, as handOnScript (two keys) needs there.
	tagged := "{" + key + "}"
	lock, token := l.lockPrefix+tagged, uuid.NewString()
	wctx, cancel := context.WithTimeout(ctx, l.opts.Wait)
	defer cancel()
	for {
		ok, err := l.client.SetNX(wctx, lock, token, l.opts.TTL).Result()
		if err != nil {
			if wctx.Err() != nil {
				return ErrLockBusy
			}
			return fmt.Errorf("lock %s: %w", key, err)
		}
		if ok {
			break
		}
		select {
		case <-wctx.Done():
			return ErrLockBusy
		case <-time.After(time.Duration(2+rand.IntN(8)) * time.Millisecond):
		}
	}
	// From here on the caller's context may end; the lock is released
	// (or expires) in any case.
	hctx := context.WithoutCancel(ctx)
	defer unlockScript.Run(hctx, l.client, []string{lock}, token)
	lost := l.renew(hctx, lock, token)
	latest, err := l.client.Get(hctx, l.valuePrefix+tagged).Bytes()
	if err != nil && !errors.Is(err, redis.Nil) {
		lost.stop()
		return fmt.Errorf("lock %s: reading the handed-on value: %w", key, err)
	}
	next, err := fn(latest)
	if lost.stop() {
		l.log.Error("lock lost while held", "key", key)
		return ErrLockLost
	}
	if err != nil || next == nil {
		return err
	}
	held, err := handOnScript.Run(hctx, l.client, []string{lock, l.valuePrefix + tagged}, token, next, valueTTL.Milliseconds()).Int()
	if err != nil || held != 1 {
		// fn's effect stands (and travels over the bus); the next holder
		// may only miss it until the bus heals.
		l.log.Warn("value not handed on", "key", key, "held", held == 1, "err", err)
	}
	return nil
}

// renewal is a running renewal of one held lock.
type renewal struct {
	done chan struct{}
	lost chan bool
}

// renew extends the lock every TTL/3 until stop.
func (l *RedisLock) renew(ctx context.Context, lock, token string) renewal {
	r := renewal{done: make(chan struct{}), lost: make(chan bool, 1)}
	go func() {
		tick := time.NewTicker(l.opts.TTL / 3)
		defer tick.Stop()
		lost := false
		for !lost {
			select {
			case <-r.done:
				r.lost <- false
				return
			case <-tick.C:
				n, err := renewScript.Run(ctx, l.client, []string{lock}, token, l.opts.TTL.Milliseconds()).Int()
				if err != nil {
					l.log.Warn("lock not renewed", "lock", lock, "err", err)
					continue // the TTL may still cover the next try
				}
				lost = n != 1
			}
		}
		<-r.done
		r.lost <- true
	}()
	return r
}

// stop ends the renewal and reports whether the lock was lost.
func (r renewal) stop() bool {
	close(r.done)
	return <-r.lost
}
