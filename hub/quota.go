package hub

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cocreate/cocreate/notes"
)

// sessionBytesTTL is how long the stored sizes of a session's documents
// are reused before they are read again.
const sessionBytesTTL = 30 * time.Second

// sessionBytes enforces Config.MaxSessionBytes: the bytes a session's
// documents hold in the store (notes.Sizer, read at most every
// sessionBytesTTL), each document loaded here counted at its live size
// as of its last update. Documents loaded on other instances count as
// last stored: the quota is a bound a community never reaches, not an
// exact meter.
type sessionBytes struct {
	mu    sync.Mutex
	cache map[string]sessionSizes // by session; bounded by sweep
}

type sessionSizes struct {
	docs map[string]int64
	at   time.Time
}

// allow reports whether doc (of live size size) may grow by n bytes, or
// an error naming the quota. It runs in doc's room; a store read (once
// per session and sessionBytesTTL) happens outside the mutex.
func (q *sessionBytes) allow(r *Registry, doc string, size int64, n int) error {
	max := r.cfg.MaxSessionBytes
	sizer, ok := r.cfg.Store.(notes.Sizer)
	if max <= 0 || !ok {
		return nil
	}
	session := sessionOf(doc)
	now := time.Now()
	q.mu.Lock()
	cached, fresh := q.cache[session]
	q.mu.Unlock()
	if !fresh || now.Sub(cached.at) > sessionBytesTTL {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		docs, err := sizer.DocSizes(ctx, session+"/")
		cancel()
		if err != nil {
			// The store is failing: durability handles that; the quota
			// does not refuse edits it cannot measure.
			return nil
		}
		cached = sessionSizes{docs: docs, at: now}
		q.mu.Lock()
		if q.cache == nil {
			q.cache = map[string]sessionSizes{}
		}
		q.sweepLocked(now)
		q.cache[session] = cached
		q.mu.Unlock()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	cur := q.cache[session]
	if cur.docs == nil {
		cur = cached
		if q.cache == nil {
			q.cache = map[string]sessionSizes{}
		}
		q.cache[session] = cur
	}
	used := size + int64(n)
	for d, b := range cur.docs {
		if d != doc {
			used += b
		}
	}
	if used > max {
		return fmt.Errorf("session %q would hold %d bytes, over its quota of %d", session, used, max)
	}
	// This document's live size, for the checks of the session's other
	// documents until the store is read again.
	cur.docs[doc] = size + int64(n)
	return nil
}

// sweepLocked drops stale entries, so the cache holds only sessions
// edited within the last sessionBytesTTL.
func (q *sessionBytes) sweepLocked(now time.Time) {
	for s, c := range q.cache {
		if now.Sub(c.at) > sessionBytesTTL {
			delete(q.cache, s)
		}
	}
}
