package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

var _ SeriesStore = (*SQLiteStore)(nil)

// CreateSeries implements SeriesStore.
func (s *SQLiteStore) CreateSeries(ctx context.Context, sr Series) error {
	rec, err := seriesRecord(sr)
	if err == nil {
		_, err = s.db.ExecContext(ctx, sqliteQuery(qCreateSeries), sr.ID, sr.SpaceID, rec, sr.CreatedAt.UnixNano())
	}
	if err != nil {
		return fmt.Errorf("create series %s: %w", sr.ID, err)
	}
	return nil
}

// GetSeries implements SeriesStore.
func (s *SQLiteStore) GetSeries(ctx context.Context, id string) (Series, error) {
	sr, err := scanSeries(s.db.QueryRowContext(ctx, sqliteQuery(qGetSeries), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Series{}, fmt.Errorf("series %s: %w", id, ErrSeriesNotFound)
	}
	return sr, err
}

// AllSeries implements SeriesStore.
func (s *SQLiteStore) AllSeries(ctx context.Context) ([]Series, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qAllSeries))
	if err != nil {
		return nil, fmt.Errorf("all series: %w", err)
	}
	return collectSQLite(rows, scanSeries)
}

// AddOccurrence implements SeriesStore.
func (s *SQLiteStore) AddOccurrence(ctx context.Context, o Occurrence) (bool, error) {
	res, err := s.db.ExecContext(ctx, sqliteQuery(qAddOcc), o.SeriesID, o.Slot.UnixNano(), o.SessionID)
	if err != nil {
		return false, fmt.Errorf("occurrence of %s: %w", o.SeriesID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CancelOccurrence implements SeriesStore.
func (s *SQLiteStore) CancelOccurrence(ctx context.Context, seriesID string, slot time.Time) error {
	if _, err := s.db.ExecContext(ctx, sqliteQuery(qCancelOcc), seriesID, slot.UnixNano()); err != nil {
		return fmt.Errorf("cancel occurrence of %s: %w", seriesID, err)
	}
	return nil
}

// Occurrences implements SeriesStore.
func (s *SQLiteStore) Occurrences(ctx context.Context, seriesID string) ([]Occurrence, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qOccs), seriesID)
	if err != nil {
		return nil, fmt.Errorf("occurrences of %s: %w", seriesID, err)
	}
	return collectSQLite(rows, scanOccurrence)
}

// OccurrenceOf implements SeriesStore.
func (s *SQLiteStore) OccurrenceOf(ctx context.Context, sessionID string) (Occurrence, error) {
	o, err := scanOccurrence(s.db.QueryRowContext(ctx, sqliteQuery(qOccOfSs), sessionID))
	if errors.Is(err, sql.ErrNoRows) {
		return Occurrence{}, ErrOccurrenceNotFound
	}
	return o, err
}
