package notes

import (
	"context"
	"slices"
	"sync"
)

// MemoryStore is a Store that keeps everything in memory, for tests and
// for running without a disk. It is not durable.
type MemoryStore struct {
	mu       sync.Mutex
	closed   bool
	docs     map[string]*State
	sessions map[string]Session
	versions map[string][]memVersion
	entries  map[string]Entry // the search index, by document
	access   memAccess
	pulse    memPulse
}

// lock takes the mutex, or returns ErrClosed (not holding it) once the
// store is closed.
func (s *MemoryStore) lock() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// locked runs fn holding the mutex, or returns ErrClosed once the store
// is closed.
func locked[T any](s *MemoryStore, fn func() (T, error)) (T, error) {
	if err := s.lock(); err != nil {
		var zero T
		return zero, err
	}
	defer s.mu.Unlock()
	return fn()
}

// locked runs fn holding the mutex, or returns ErrClosed once the store
// is closed.
func (s *MemoryStore) locked(fn func() error) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	return fn()
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		docs: map[string]*State{},
		access: memAccess{
			spaces:   map[string]Space{},
			members:  map[string]map[string]string{},
			invites:  map[string]Invite{},
			profiles: map[string]Profile{},
		},
		pulse: memPulse{series: memSeries{series: map[string]Series{}, occs: map[string]map[int64]Occurrence{}}},
	}
}

// Append implements Store.
func (s *MemoryStore) Append(_ context.Context, doc string, updates ...[]byte) error {
	return s.locked(func() error {
		st := s.docs[doc]
		if st == nil {
			st = &State{}
			s.docs[doc] = st
		}
		for _, u := range updates {
			st.Updates = append(st.Updates, slices.Clone(u))
		}
		return nil
	})
}

// Load implements Store.
func (s *MemoryStore) Load(_ context.Context, doc string) (State, error) {
	return locked(s, func() (State, error) {
		st := s.docs[doc]
		if st == nil {
			return State{}, nil
		}
		return State{Snapshot: st.Snapshot, Updates: slices.Clone(st.Updates)}, nil
	})
}

// Compact implements Store.
func (s *MemoryStore) Compact(_ context.Context, doc string) (int, error) {
	return locked(s, func() (int, error) {
		st := s.docs[doc]
		if st == nil || len(st.Updates) == 0 {
			return 0, nil
		}
		merged, err := merge(doc, st.Snapshot, st.Updates)
		if err != nil {
			return 0, err
		}
		n := len(st.Updates)
		st.Snapshot, st.Updates = merged, nil
		return n, nil
	})
}

// Close implements Store.
func (s *MemoryStore) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}
