package client

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// backoff spaces reconnection attempts: exponential growth from min,
// capped at max, with full jitter (each wait is uniform in [0, ceiling]),
// so that many clients dropped by one server restart do not come back in
// lockstep.
type backoff struct {
	min, max time.Duration
	// randN returns a uniform int64 in [0, n); math/rand/v2's Int64N
	// outside tests.
	randN   func(n int64) int64
	attempt int
}

// ceiling returns the largest wait of the next attempt: min·2^attempt,
// at most max.
func (b *backoff) ceiling() time.Duration {
	d := b.min
	for range b.attempt {
		if d >= b.max/2 {
			return b.max
		}
		d *= 2
	}
	return min(d, b.max)
}

// next returns the wait before the next attempt and counts it.
func (b *backoff) next() time.Duration {
	ceil := b.ceiling()
	b.attempt++
	return time.Duration(b.randN(int64(ceil) + 1))
}

// reset starts the sequence again from min, after a connection that
// lasted.
func (b *backoff) reset() { b.attempt = 0 }

// redial serves connection first and then, after a backoff wait, each
// next one connect makes, until ctx is done; a connect refused for good
// (ErrUnauthorized) is handed to giveUp and ends it.
func redial[C any](ctx context.Context, opts Options, log *slog.Logger, randN func(int64) int64, first C,
	serve func(context.Context, C) error, connect func(context.Context) (C, error), giveUp func(error)) {
	bo := backoff{min: opts.MinBackoff, max: opts.MaxBackoff, randN: randN}
	conn := first
	for {
		start := time.Now()
		err := serve(ctx, conn)
		if ctx.Err() != nil {
			return
		}
		log.Info("disconnected", "err", err)
		if time.Since(start) > opts.MaxBackoff {
			bo.reset()
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(bo.next()):
			}
			conn, err = connect(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, ErrUnauthorized) {
				giveUp(err)
				return
			}
			log.Info("reconnect failed", "err", err)
		}
	}
}
