package notes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var _ Pulse = (*PostgresStore)(nil)

// CreateFeed implements Pulse.
func (s *PostgresStore) CreateFeed(ctx context.Context, f Feed, secretHash string) error {
	if _, err := s.pool.Exec(ctx, qCreateFeed, f.ID, secretHash, f.Subject, f.Kind, f.Target, f.CreatedAt.UnixNano()); err != nil {
		return fmt.Errorf("create feed: %w", err)
	}
	return nil
}

// FeedByHash implements Pulse.
func (s *PostgresStore) FeedByHash(ctx context.Context, secretHash string) (Feed, error) {
	f, err := scanFeed(s.pool.QueryRow(ctx, qFeedByHash, secretHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return Feed{}, ErrFeedNotFound
	}
	if err != nil {
		return Feed{}, fmt.Errorf("feed: %w", err)
	}
	return f, nil
}

// Feeds implements Pulse.
func (s *PostgresStore) Feeds(ctx context.Context, subject string) ([]Feed, error) {
	rows, err := s.pool.Query(ctx, qFeeds, subject)
	if err != nil {
		return nil, fmt.Errorf("feeds of %s: %w", subject, err)
	}
	return collectPg(rows, scanFeed)
}

// DeleteFeed implements Pulse.
func (s *PostgresStore) DeleteFeed(ctx context.Context, subject, id string) error {
	tag, err := s.pool.Exec(ctx, qDeleteFeed, subject, id)
	if err != nil {
		return fmt.Errorf("delete feed %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete feed %s: %w", id, ErrFeedNotFound)
	}
	return nil
}

// PutTombstone implements Pulse.
func (s *PostgresStore) PutTombstone(ctx context.Context, sess Session, at time.Time) error {
	rec, err := tombstoneRecord(sess)
	if err == nil {
		_, err = s.pool.Exec(ctx, qPutTombstone, sess.ID, sess.SpaceID, rec, at.UnixNano())
	}
	if err != nil {
		return fmt.Errorf("tombstone %s: %w", sess.ID, err)
	}
	return nil
}

// Tombstone implements Pulse.
func (s *PostgresStore) Tombstone(ctx context.Context, id string) (Session, time.Time, error) {
	var rec string
	var deleted int64
	err := s.pool.QueryRow(ctx, qTombstone, id).Scan(&rec, &deleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, time.Time{}, ErrTombstoneNotFound
	}
	if err != nil {
		return Session{}, time.Time{}, fmt.Errorf("tombstone %s: %w", id, err)
	}
	return parseTombstone(rec, deleted)
}

// CreateWebhook implements Pulse.
func (s *PostgresStore) CreateWebhook(ctx context.Context, h Webhook) error {
	if _, err := s.pool.Exec(ctx, qCreateWebhook, h.ID, h.SpaceID, h.URL, strings.Join(h.Events, ","), h.Secret, h.CreatedBy, h.CreatedAt.UnixNano()); err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

// Webhooks implements Pulse.
func (s *PostgresStore) Webhooks(ctx context.Context, spaceID string) ([]Webhook, error) {
	rows, err := s.pool.Query(ctx, qWebhooks, spaceID)
	if err != nil {
		return nil, fmt.Errorf("webhooks of %s: %w", spaceID, err)
	}
	return collectPg(rows, scanWebhook)
}

// Webhook implements Pulse.
func (s *PostgresStore) Webhook(ctx context.Context, id string) (Webhook, error) {
	h, err := scanWebhook(s.pool.QueryRow(ctx, qWebhook, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Webhook{}, ErrWebhookNotFound
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("webhook %s: %w", id, err)
	}
	return h, nil
}

// DeleteWebhook implements Pulse.
func (s *PostgresStore) DeleteWebhook(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, qDeleteWebhook, id)
		if err != nil {
			return fmt.Errorf("delete webhook %s: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("delete webhook %s: %w", id, ErrWebhookNotFound)
		}
		if _, err := tx.Exec(ctx, qDeleteHookDel, id); err != nil {
			return fmt.Errorf("delete webhook %s: %w", id, err)
		}
		return nil
	})
}

// EnqueueDeliveries implements Pulse.
func (s *PostgresStore) EnqueueDeliveries(ctx context.Context, ds []Delivery) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, d := range ds {
			if _, err := tx.Exec(ctx, qEnqueue, d.ID, d.HookID, d.Event, string(d.Body), d.NextAt.UnixNano(), d.CreatedAt.UnixNano()); err != nil {
				return fmt.Errorf("enqueue delivery: %w", err)
			}
		}
		return nil
	})
}

// ClaimDeliveries implements Pulse: SKIP LOCKED lets instances claim
// side by side without waiting for, or taking, each other's rows.
func (s *PostgresStore) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	rows, err := s.pool.Query(ctx, fmt.Sprintf(qClaim, "FOR UPDATE SKIP LOCKED"), owner, now.Add(lease).UnixNano(), now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return collectPg(rows, scanDelivery)
}

// FinishDelivery implements Pulse.
func (s *PostgresStore) FinishDelivery(ctx context.Context, id, owner string, r DeliveryResult) (bool, error) {
	tag, err := s.pool.Exec(ctx, qFinish, id, owner, r.Status, r.NextAt.UnixNano(), r.LastStatus, r.LastError, doneNs(r))
	if err != nil {
		return false, fmt.Errorf("finish delivery %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Deliveries implements Pulse.
func (s *PostgresStore) Deliveries(ctx context.Context, hookID string, limit int) ([]Delivery, error) {
	rows, err := s.pool.Query(ctx, qDeliveries, hookID, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", hookID, err)
	}
	return collectPg(rows, scanDelivery)
}

// collectPg scans every row of rows with scan and closes them.
func collectPg[T any](rows pgx.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	return collect(rows, scan)
}
