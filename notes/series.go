package notes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cocreate/cocreate/internal/ical"
)

// Series is a recurring session: a rule from a first start in a zone,
// and the template each occurrence's session is made from.
type Series struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Agenda      []AgendaItem `json:"agenda"`
	// NotesSkeleton is text every occurrence's notes start with, one
	// paragraph a line.
	NotesSkeleton string    `json:"notes_skeleton"`
	TimeZone      string    `json:"time_zone"`
	Start         time.Time `json:"start"`
	Rule          ical.Rule `json:"rule"`
	Host          string    `json:"host"`
	SpaceID       string    `json:"space_id"`
	Visibility    string    `json:"visibility"`
	CreatedAt     time.Time `json:"created_at"`
}

// Occurrence is one slot of a series (its original start) as far as it
// has come: materialised as SessionID, or cancelled.
type Occurrence struct {
	SeriesID  string    `json:"series_id"`
	Slot      time.Time `json:"slot"`
	SessionID string    `json:"session_id,omitempty"`
	Cancelled bool      `json:"cancelled"`
}

// SeriesStore keeps series and their occurrences. MemoryStore,
// SQLiteStore and PostgresStore implement it.
type SeriesStore interface {
	// CreateSeries stores a new series.
	CreateSeries(ctx context.Context, s Series) error
	// GetSeries returns a series or ErrSeriesNotFound.
	GetSeries(ctx context.Context, id string) (Series, error)
	// AllSeries lists every series, oldest first (the materialiser's
	// round).
	AllSeries(ctx context.Context) ([]Series, error)
	// AddOccurrence records a materialised slot unless the slot has a
	// row already (then it reports false and changes nothing).
	AddOccurrence(ctx context.Context, o Occurrence) (bool, error)
	// CancelOccurrence marks a slot cancelled, materialised or not.
	CancelOccurrence(ctx context.Context, seriesID string, slot time.Time) error
	// Occurrences lists a series' slots that have a row, by slot.
	Occurrences(ctx context.Context, seriesID string) ([]Occurrence, error)
	// OccurrenceOf returns the slot a session materialises, or
	// ErrOccurrenceNotFound.
	OccurrenceOf(ctx context.Context, sessionID string) (Occurrence, error)
}

func seriesRecord(s Series) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func parseSeries(rec string) (Series, error) {
	var s Series
	if err := json.Unmarshal([]byte(rec), &s); err != nil {
		return Series{}, fmt.Errorf("series record: %w", err)
	}
	return s, nil
}

// The queries of SeriesStore ($N placeholders; sqliteQuery for SQLite).
const (
	qCreateSeries = `INSERT INTO series (id, space_id, record, created_ns) VALUES ($1, $2, $3, $4)`
	qGetSeries    = `SELECT record FROM series WHERE id = $1`
	qAllSeries    = `SELECT record FROM series ORDER BY created_ns, id`
	qAddOcc       = `INSERT INTO series_occurrences (series_id, slot_ns, session_id, cancelled) VALUES ($1, $2, $3, 0)
		ON CONFLICT (series_id, slot_ns) DO NOTHING`
	qCancelOcc = `INSERT INTO series_occurrences (series_id, slot_ns, session_id, cancelled) VALUES ($1, $2, '', 1)
		ON CONFLICT (series_id, slot_ns) DO UPDATE SET cancelled = 1`
	occCols  = `series_id, slot_ns, session_id, cancelled`
	qOccs    = `SELECT ` + occCols + ` FROM series_occurrences WHERE series_id = $1 ORDER BY slot_ns`
	qOccOfSs = `SELECT ` + occCols + ` FROM series_occurrences WHERE session_id = $1 AND session_id <> ''`
)

func scanOccurrence(r scanner) (Occurrence, error) {
	var o Occurrence
	var slot int64
	var cancelled int
	err := r.Scan(&o.SeriesID, &slot, &o.SessionID, &cancelled)
	o.Slot, o.Cancelled = time.Unix(0, slot).UTC(), cancelled != 0
	return o, err
}

func scanSeries(r scanner) (Series, error) {
	var rec string
	if err := r.Scan(&rec); err != nil {
		return Series{}, err
	}
	return parseSeries(rec)
}

var (
	_ SeriesStore = (*SQLiteStore)(nil)
	_ SeriesStore = (*PostgresStore)(nil)
)

// CreateSeries implements SeriesStore.
func (s *sqlStore) CreateSeries(ctx context.Context, sr Series) error {
	rec, err := seriesRecord(sr)
	if err == nil {
		_, err = s.conn.exec(ctx, qCreateSeries, sr.ID, sr.SpaceID, rec, sr.CreatedAt.UnixNano())
	}
	if err != nil {
		return fmt.Errorf("create series %s: %w", sr.ID, err)
	}
	return nil
}

// GetSeries implements SeriesStore.
func (s *sqlStore) GetSeries(ctx context.Context, id string) (Series, error) {
	sr, err := scanSeries(s.conn.queryRow(ctx, qGetSeries, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Series{}, fmt.Errorf("series %s: %w", id, ErrSeriesNotFound)
	}
	return sr, err
}

// AllSeries implements SeriesStore.
func (s *sqlStore) AllSeries(ctx context.Context) ([]Series, error) {
	return queryAll(ctx, s.conn, "all series", scanSeries, qAllSeries)
}

// AddOccurrence implements SeriesStore.
func (s *sqlStore) AddOccurrence(ctx context.Context, o Occurrence) (bool, error) {
	n, err := s.execAs(ctx, "occurrence of "+o.SeriesID, qAddOcc, o.SeriesID, o.Slot.UnixNano(), o.SessionID)
	return n == 1, err
}

// CancelOccurrence implements SeriesStore.
func (s *sqlStore) CancelOccurrence(ctx context.Context, seriesID string, slot time.Time) error {
	_, err := s.execAs(ctx, "cancel occurrence of "+seriesID, qCancelOcc, seriesID, slot.UnixNano())
	return err
}

// Occurrences implements SeriesStore.
func (s *sqlStore) Occurrences(ctx context.Context, seriesID string) ([]Occurrence, error) {
	return queryAll(ctx, s.conn, "occurrences of "+seriesID, scanOccurrence, qOccs, seriesID)
}

// OccurrenceOf implements SeriesStore.
func (s *sqlStore) OccurrenceOf(ctx context.Context, sessionID string) (Occurrence, error) {
	o, err := scanOccurrence(s.conn.queryRow(ctx, qOccOfSs, sessionID))
	if errors.Is(err, sql.ErrNoRows) {
		return Occurrence{}, ErrOccurrenceNotFound
	}
	return o, err
}
