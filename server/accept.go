package server

import (
	"time"

	"golang.org/x/time/rate"
)

// acceptBucket is a token bucket on WebSocket upgrades: when an instance
// dies, its clients all reconnect to the others at once, and a bucket
// turns that storm into a steady stream (refused clients get 503 with
// Retry-After and come back after their jittered backoff).
type acceptBucket struct {
	lim *rate.Limiter // nil: no limit
}

func newAcceptBucket(perSecond float64, burst int) *acceptBucket {
	if perSecond <= 0 {
		return &acceptBucket{}
	}
	return &acceptBucket{lim: rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))}
}

// take takes one token at now; when there is none it returns how long
// until there is.
func (b *acceptBucket) take(now time.Time) (bool, time.Duration) {
	if b.lim == nil {
		return true, 0
	}
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
