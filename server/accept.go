package server

import (
	"math"
	"sync"
	"time"
)

// acceptBucket is a token bucket on WebSocket upgrades: when an instance
// dies, its clients all reconnect to the others at once, and a bucket
// turns that storm into a steady stream (refused clients get 503 with
// Retry-After and come back after their jittered backoff).
type acceptBucket struct {
	rate  float64 // tokens per second; 0 = no limit
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newAcceptBucket(rate float64, burst int) *acceptBucket {
	b := &acceptBucket{rate: rate, burst: float64(max(burst, 1))}
	b.tokens = b.burst
	return b
}

// take takes one token at now; when there is none it returns how long
// until there is.
func (b *acceptBucket) take(now time.Time) (bool, time.Duration) {
	if b.rate <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}
