package workspace

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limits holds a token bucket per identity for commands and one for
// document updates, shared by all of that person's requests and
// connections on this instance. Buckets unused for idleAfter are dropped
// (a full bucket carries no state worth keeping).
type limits struct {
	commands, updates float64 // per second; 0 = no limit

	mu        sync.Mutex
	buckets   map[string]*buckets
	lastSweep time.Time
}

type buckets struct {
	commands, updates *rate.Limiter
	used              time.Time
}

const idleAfter = 10 * time.Minute

func newLimits(commands, updates float64) *limits {
	return &limits{commands: commands, updates: updates, buckets: map[string]*buckets{}, lastSweep: time.Now()}
}

func (l *limits) get(subject string) *buckets {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > idleAfter {
		for k, b := range l.buckets {
			if now.Sub(b.used) > idleAfter {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b := l.buckets[subject]
	if b == nil {
		b = &buckets{
			commands: rate.NewLimiter(rate.Limit(l.commands), burst(l.commands, 3)),
			updates:  rate.NewLimiter(rate.Limit(l.updates), burst(l.updates, 5)),
		}
		l.buckets[subject] = b
	}
	b.used = now
	return b
}

func burst(perSecond, seconds float64) int {
	if n := int(perSecond * seconds); n > 1 {
		return n
	}
	return 1
}

func (l *limits) allowCommand(subject string) bool {
	if l.commands == 0 {
		return true
	}
	return l.get(subject).commands.Allow()
}

// updateGate returns the AllowUpdate function of a connection of subject,
// or nil when updates are not limited.
func (l *limits) updateGate(subject string) func() bool {
	if l.updates == 0 {
		return nil
	}
	// The connection keeps its bucket: no lock per message. A sweep may
	// drop it from the map while the connection lives; the person's next
	// connection then starts a fresh bucket, which errs on the generous
	// side only after idleAfter.
	b := l.get(subject)
	return b.updates.Allow
}
