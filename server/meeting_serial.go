package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/cocreate/cocreate/hub"
)

// serializer runs the meeting commands of a session one at a time. On
// one instance the hub does that already (one goroutine per document).
// With several instances each has its own replica of the meeting
// document, and commands whose outcome depends on the state — the order
// of the hand queue, one ballot per person, poll counts, seeding — must
// see every earlier command, wherever it ran. redisSerial gives that: a
// lock per session in Redis, and the document's state after the last
// command stored beside it, which the next holder merges before it runs.
type serializer interface {
	// run calls fn holding the session's lock. fn gets the meeting
	// state the previous holder left (nil if none or on one instance)
	// and returns the state after its command, to hand on.
	run(ctx context.Context, session string, fn func(latest []byte) ([]byte, error)) error
	close() error
}

// localSerial is the one-instance serializer: the hub serialises.
type localSerial struct{}

func (localSerial) run(_ context.Context, _ string, fn func([]byte) ([]byte, error)) error {
	_, err := fn(nil)
	return err
}

func (localSerial) close() error { return nil }

// errMeetingBusy: the session's lock could not be taken in time.
var errMeetingBusy = errors.New("the meeting is busy; try again")

const (
	lockTTL  = 10 * time.Second // a crashed holder blocks for at most this long
	lockWait = 15 * time.Second // longest wait for the lock
	stateTTL = 7 * 24 * time.Hour
)

// unlockScript deletes the lock only if this holder still owns it.
var unlockScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)

type redisSerial struct {
	rdb redis.UniversalClient
	// lockPrefix and statePrefix start with the deployment's
	// --redis-prefix. Each command touches one key, so on a cluster any
	// shard may hold them.
	lockPrefix, statePrefix string
	log                     *slog.Logger
}

// newRedisSerial makes the serializer over the Redis (or Redis Cluster)
// that url names, its keys behind prefix.
func newRedisSerial(url, prefix string, log *slog.Logger) (*redisSerial, error) {
	rdb, err := hub.NewRedisClient(url)
	if err != nil {
		return nil, err
	}
	return &redisSerial{rdb: rdb, lockPrefix: prefix + "meeting-lock:", statePrefix: prefix + "meeting-state:", log: log}, nil
}

func (r *redisSerial) close() error { return r.rdb.Close() }

func (r *redisSerial) run(ctx context.Context, session string, fn func([]byte) ([]byte, error)) error {
	lock, token := r.lockPrefix+session, uuid.NewString()
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	for {
		ok, err := r.rdb.SetNX(ctx, lock, token, lockTTL).Result()
		if err != nil {
			if ctx.Err() != nil {
				return errMeetingBusy
			}
			return fmt.Errorf("meeting lock of %s: %w", session, err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return errMeetingBusy
		case <-time.After(time.Duration(2+rand.IntN(8)) * time.Millisecond):
		}
	}
	// Release with a fresh context: the caller's may be done.
	defer unlockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{lock}, token)
	latest, err := r.rdb.Get(ctx, r.statePrefix+session).Bytes()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("meeting state of %s: %w", session, err)
	}
	next, err := fn(latest)
	if err != nil {
		return err
	}
	if next != nil {
		// The command is applied (and reaches the other instances over
		// the bus); a lost hand-over only means the next holder may not
		// see it until the bus has healed.
		if err := r.rdb.Set(ctx, r.statePrefix+session, next, stateTTL).Err(); err != nil {
			r.log.Warn("meeting state not handed over", "session", session, "err", err)
		}
	}
	return nil
}
