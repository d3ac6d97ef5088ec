package notes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var _ SeriesStore = (*PostgresStore)(nil)

// CreateSeries implements SeriesStore.
func (s *PostgresStore) CreateSeries(ctx context.Context, sr Series) error {
	rec, err := seriesRecord(sr)
	if err == nil {
		_, err = s.pool.Exec(ctx, qCreateSeries, sr.ID, sr.SpaceID, rec, sr.CreatedAt.UnixNano())
	}
	if err != nil {
		return fmt.Errorf("create series %s: %w", sr.ID, err)
	}
	return nil
}

// GetSeries implements SeriesStore.
func (s *PostgresStore) GetSeries(ctx context.Context, id string) (Series, error) {
	sr, err := scanSeries(s.pool.QueryRow(ctx, qGetSeries, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Series{}, fmt.Errorf("series %s: %w", id, ErrSeriesNotFound)
	}
	return sr, err
}

// AllSeries implements SeriesStore.
func (s *PostgresStore) AllSeries(ctx context.Context) ([]Series, error) {
	rows, err := s.pool.Query(ctx, qAllSeries)
	if err != nil {
		return nil, fmt.Errorf("all series: %w", err)
	}
	return collectPg(rows, scanSeries)
}

// AddOccurrence implements SeriesStore.
func (s *PostgresStore) AddOccurrence(ctx context.Context, o Occurrence) (bool, error) {
	res, err := s.pool.Exec(ctx, qAddOcc, o.SeriesID, o.Slot.UnixNano(), o.SessionID)
	if err != nil {
		return false, fmt.Errorf("occurrence of %s: %w", o.SeriesID, err)
	}
	return res.RowsAffected() == 1, nil
}

// CancelOccurrence implements SeriesStore.
func (s *PostgresStore) CancelOccurrence(ctx context.Context, seriesID string, slot time.Time) error {
	if _, err := s.pool.Exec(ctx, qCancelOcc, seriesID, slot.UnixNano()); err != nil {
		return fmt.Errorf("cancel occurrence of %s: %w", seriesID, err)
	}
	return nil
}

// Occurrences implements SeriesStore.
func (s *PostgresStore) Occurrences(ctx context.Context, seriesID string) ([]Occurrence, error) {
	rows, err := s.pool.Query(ctx, qOccs, seriesID)
	if err != nil {
		return nil, fmt.Errorf("occurrences of %s: %w", seriesID, err)
	}
	return collectPg(rows, scanOccurrence)
}

// OccurrenceOf implements SeriesStore.
func (s *PostgresStore) OccurrenceOf(ctx context.Context, sessionID string) (Occurrence, error) {
	o, err := scanOccurrence(s.pool.QueryRow(ctx, qOccOfSs, sessionID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Occurrence{}, ErrOccurrenceNotFound
	}
	return o, err
}
