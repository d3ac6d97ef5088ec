package notes

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cloneSession deep-copies a session through its JSON form.
func cloneSession(s Session) Session {
	b, _ := json.Marshal(s)
	var c Session
	_ = json.Unmarshal(b, &c)
	c.Revision = s.Revision
	return c
}

// CreateSession implements Sessions.
func (s *MemoryStore) CreateSession(_ context.Context, ss Session) error {
	return s.locked(func() error {
		if s.sessions == nil {
			s.sessions = map[string]Session{}
		}
		if _, ok := s.sessions[ss.ID]; ok {
			return fmt.Errorf("create session %s: %w", ss.ID, ErrSessionExists)
		}
		s.sessions[ss.ID] = cloneSession(ss)
		return nil
	})
}

// CountSpaceSessions implements Sessions.
func (s *MemoryStore) CountSpaceSessions(_ context.Context, space string, since time.Time) (int, error) {
	return locked(s, func() (int, error) {
		n := 0
		for _, ss := range s.sessions {
			if ss.SpaceID == space && !ss.CreatedAt.Before(since) {
				n++
			}
		}
		return n, nil
	})
}

// GetSession implements Sessions.
func (s *MemoryStore) GetSession(_ context.Context, id string) (Session, error) {
	return locked(s, func() (Session, error) {
		ss, ok := s.sessions[id]
		if !ok {
			return Session{}, fmt.Errorf("session %s: %w", id, ErrSessionNotFound)
		}
		return cloneSession(ss), nil
	})
}

// ListSessions implements Sessions.
func (s *MemoryStore) ListSessions(_ context.Context, opts ListOptions) (SessionPage, error) {
	off, err := parseToken(opts.PageToken)
	if err != nil {
		return SessionPage{}, err
	}
	limit := normLimit(opts.Limit)
	s.mu.Lock()
	var all []Session
	for _, ss := range s.sessions {
		if opts.State == "" || ss.State == opts.State {
			all = append(all, cloneSession(ss))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b Session) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	page := SessionPage{Sessions: []Session{}}
	if off < len(all) {
		all = all[off:]
		if len(all) > limit {
			page.NextPageToken = strconv.Itoa(off + limit)
			all = all[:limit]
		}
		page.Sessions = all
	}
	return page, nil
}

// UpdateSession implements Sessions. change runs outside the mutex, as
// it runs outside a transaction in the databases.
func (s *MemoryStore) UpdateSession(ctx context.Context, id string, change func(*Session) error) (Session, error) {
	return casSession(id, change,
		func() (Session, error) { return s.GetSession(ctx, id) },
		func(ss Session, _ []byte) (bool, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.closed {
				return false, ErrClosed
			}
			cur, ok := s.sessions[id]
			if !ok {
				return false, fmt.Errorf("session %s: %w", id, ErrSessionNotFound)
			}
			if cur.Revision != ss.Revision {
				return false, nil
			}
			ss = cloneSession(ss)
			ss.Revision = cur.Revision + 1
			s.sessions[id] = ss
			return true, nil
		})
}

// DeleteSession implements Sessions.
func (s *MemoryStore) DeleteSession(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[id]; !ok {
		return fmt.Errorf("delete session %s: %w", id, ErrSessionNotFound)
	}
	delete(s.sessions, id)
	delete(s.pulse.rsvps, id)
	delete(s.pulse.tasks, id)
	s.deletePrefixLocked(id + "/")
	return nil
}

// DeletePrefix implements Store.
func (s *MemoryStore) DeletePrefix(_ context.Context, prefix string) error {
	return s.locked(func() error {
		s.deletePrefixLocked(prefix)
		return nil
	})
}

func (s *MemoryStore) deletePrefixLocked(prefix string) {
	for doc := range s.docs {
		if strings.HasPrefix(doc, prefix) {
			delete(s.docs, doc)
		}
	}
	for doc := range s.versions {
		if strings.HasPrefix(doc, prefix) {
			delete(s.versions, doc)
		}
	}
	for doc := range s.entries {
		if strings.HasPrefix(doc, prefix) {
			delete(s.entries, doc)
		}
	}
}
