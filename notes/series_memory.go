package notes

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

var _ SeriesStore = (*MemoryStore)(nil)

// memSeries is what a MemoryStore keeps of SeriesStore, under its mutex
// (inside memPulse).
type memSeries struct {
	series map[string]Series
	occs   map[string]map[int64]Occurrence // series → slot → occurrence
}

// seriesLocked returns the SeriesStore maps; the caller holds the mutex.
func (s *MemoryStore) seriesLocked() *memSeries { return &s.pulse.series }

func cloneSeries(sr Series) Series {
	sr.Agenda = slices.Clone(sr.Agenda)
	return sr
}

// CreateSeries implements SeriesStore.
func (s *MemoryStore) CreateSeries(_ context.Context, sr Series) error {
	return s.locked(func() error {
		m := s.seriesLocked()
		if _, ok := m.series[sr.ID]; ok {
			return fmt.Errorf("create series %s: already exists", sr.ID)
		}
		m.series[sr.ID] = cloneSeries(sr)
		return nil
	})
}

// GetSeries implements SeriesStore.
func (s *MemoryStore) GetSeries(_ context.Context, id string) (Series, error) {
	return locked(s, func() (Series, error) {
		sr, ok := s.seriesLocked().series[id]
		if !ok {
			return Series{}, fmt.Errorf("series %s: %w", id, ErrSeriesNotFound)
		}
		return cloneSeries(sr), nil
	})
}

// AllSeries implements SeriesStore.
func (s *MemoryStore) AllSeries(_ context.Context) ([]Series, error) {
	return locked(s, func() ([]Series, error) {
		out := []Series{}
		for _, sr := range s.seriesLocked().series {
			out = append(out, cloneSeries(sr))
		}
		slices.SortFunc(out, func(a, b Series) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID)) })
		return out, nil
	})
}

// AddOccurrence implements SeriesStore.
func (s *MemoryStore) AddOccurrence(_ context.Context, o Occurrence) (bool, error) {
	return locked(s, func() (bool, error) {
		m := s.seriesLocked()
		if m.occs[o.SeriesID] == nil {
			m.occs[o.SeriesID] = map[int64]Occurrence{}
		}
		if _, ok := m.occs[o.SeriesID][o.Slot.UnixNano()]; ok {
			return false, nil
		}
		o.Slot, o.Cancelled = o.Slot.UTC(), false
		m.occs[o.SeriesID][o.Slot.UnixNano()] = o
		return true, nil
	})
}

// CancelOccurrence implements SeriesStore.
func (s *MemoryStore) CancelOccurrence(_ context.Context, seriesID string, slot time.Time) error {
	return s.locked(func() error {
		m := s.seriesLocked()
		if m.occs[seriesID] == nil {
			m.occs[seriesID] = map[int64]Occurrence{}
		}
		o, ok := m.occs[seriesID][slot.UnixNano()]
		if !ok {
			o = Occurrence{SeriesID: seriesID, Slot: slot.UTC()}
		}
		o.Cancelled = true
		m.occs[seriesID][slot.UnixNano()] = o
		return nil
	})
}

// Occurrences implements SeriesStore.
func (s *MemoryStore) Occurrences(_ context.Context, seriesID string) ([]Occurrence, error) {
	return locked(s, func() ([]Occurrence, error) {
		out := []Occurrence{}
		for _, o := range s.seriesLocked().occs[seriesID] {
			out = append(out, o)
		}
		slices.SortFunc(out, func(a, b Occurrence) int { return a.Slot.Compare(b.Slot) })
		return out, nil
	})
}

// OccurrenceOf implements SeriesStore.
func (s *MemoryStore) OccurrenceOf(_ context.Context, sessionID string) (Occurrence, error) {
	return locked(s, func() (Occurrence, error) {
		for _, occs := range s.seriesLocked().occs {
			for _, o := range occs {
				if sessionID != "" && o.SessionID == sessionID {
					return o, nil
				}
			}
		}
		return Occurrence{}, ErrOccurrenceNotFound
	})
}
