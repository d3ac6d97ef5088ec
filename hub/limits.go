package hub

import (
	"time"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/defaults"
)

// Rates are per-connection message rates (messages per second; a burst
// of Burst seconds' worth is allowed). A connection that goes beyond one
// is closed with 1008 "rate limit exceeded" and the refusal is counted
// (cocreate_refused_total{reason="rate_<type>"}). Zero picks the default
// noted beside each field; a negative rate means no limit.
type Rates struct {
	// SyncStep1 limits sync step 1 messages (default 2/s): each asks the
	// server for a diff of the document.
	SyncStep1 float64
	// QueryAwareness limits query-awareness messages (default 2/s).
	QueryAwareness float64
	// Awareness limits awareness updates (default 30/s: a cursor that
	// moves with every keystroke stays well below).
	Awareness float64
	// Updates limits document updates, sync step 2 included (default
	// 500/s, beside ConnOptions.AllowUpdate's per-person limit).
	Updates float64
	// Commands limits command messages (default 20/s).
	Commands float64
	// Burst is how many seconds' worth of each rate may come at once
	// (default 5).
	Burst float64
}

func (r *Rates) setDefaults() {
	defaults.Zero(&r.SyncStep1, 2)
	defaults.Zero(&r.QueryAwareness, 2)
	defaults.Zero(&r.Awareness, 30)
	defaults.Zero(&r.Updates, 500)
	defaults.Zero(&r.Commands, 20)
	defaults.Zero(&r.Burst, 5)
}

const (
	limStep1 = iota
	limQueryAwareness
	limAwareness
	limUpdates
	limCommands
	numLimits
)

var limitNames = [numLimits]string{"sync step 1", "query-awareness", "awareness", "updates", "commands"}
var limitMetrics = [numLimits]string{"rate_sync_step1", "rate_query_awareness", "rate_awareness", "rate_updates", "rate_commands"}

func (r *Rates) rate(i int) float64 {
	switch i {
	case limStep1:
		return r.SyncStep1
	case limQueryAwareness:
		return r.QueryAwareness
	case limAwareness:
		return r.Awareness
	case limUpdates:
		return r.Updates
	default:
		return r.Commands
	}
}

// bucket is a token bucket for one reader goroutine (no lock): 16 bytes
// per limit per connection, where an x/time/rate Limiter would cost five
// times that on every idle connection.
type bucket struct {
	used float32 // tokens taken, as of last
	last int64   // ns since epoch; 0 before first use
}

// take takes a token unless the bucket (rate per second, burst tokens)
// is empty.
func (b *bucket) take(now int64, rate, burst float64) bool {
	if b.last != 0 {
		b.used -= float32(float64(now-b.last) / float64(time.Second) * rate)
		if b.used < 0 {
			b.used = 0
		}
	}
	b.last = now
	if float64(b.used)+1 > burst {
		return false
	}
	b.used++
	return true
}

// limitOf says which limit a message counts against.
func limitOf(m yproto.Message) int {
	switch m.Type {
	case yproto.TypeSync:
		if m.Sync == yproto.SyncStep1 {
			return limStep1
		}
		return limUpdates
	case yproto.TypeAwareness:
		return limAwareness
	case yproto.TypeQueryAwareness:
		return limQueryAwareness
	case yproto.TypeCommand:
		return limCommands
	}
	return -1
}

// allow applies the connection's limits to m, in its reader: the rates,
// the size of awareness states, and ConnOptions.AllowUpdate. A refusal
// closes the connection (1008) and reports false.
func (c *conn) allow(m yproto.Message) bool {
	cfg := &c.reg.cfg
	if m.Type == yproto.TypeAwareness {
		for _, e := range m.Awareness {
			if len(e.State) > cfg.MaxAwarenessState {
				c.refuse(StatusPolicyViolation, "awareness state too large", "awareness_too_large", nil)
				return false
			}
		}
	}
	i := limitOf(m)
	if i < 0 {
		return true
	}
	if rate := cfg.Rates.rate(i); rate > 0 {
		if !c.limits[i].take(int64(time.Since(epoch)), rate, max(1, rate*cfg.Rates.Burst)) {
			c.refuse(StatusPolicyViolation, "rate limit exceeded: too many "+limitNames[i]+" messages", limitMetrics[i], nil)
			return false
		}
	}
	if i == limUpdates && c.allowUpdate != nil && !c.allowUpdate() {
		c.refuse(StatusPolicyViolation, "rate limit exceeded: too many updates", "rate_limited", nil)
		return false
	}
	return true
}
