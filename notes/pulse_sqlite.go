package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

var _ Pulse = (*SQLiteStore)(nil)

// CreateFeed implements Pulse.
func (s *SQLiteStore) CreateFeed(ctx context.Context, f Feed, secretHash string) error {
	if _, err := s.db.ExecContext(ctx, sqliteQuery(qCreateFeed), f.ID, secretHash, f.Subject, f.Kind, f.Target, f.CreatedAt.UnixNano()); err != nil {
		return fmt.Errorf("create feed: %w", err)
	}
	return nil
}

// FeedByHash implements Pulse.
func (s *SQLiteStore) FeedByHash(ctx context.Context, secretHash string) (Feed, error) {
	f, err := scanFeed(s.db.QueryRowContext(ctx, sqliteQuery(qFeedByHash), secretHash))
	if errors.Is(err, sql.ErrNoRows) {
		return Feed{}, ErrFeedNotFound
	}
	if err != nil {
		return Feed{}, fmt.Errorf("feed: %w", err)
	}
	return f, nil
}

// Feeds implements Pulse.
func (s *SQLiteStore) Feeds(ctx context.Context, subject string) ([]Feed, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qFeeds), subject)
	if err != nil {
		return nil, fmt.Errorf("feeds of %s: %w", subject, err)
	}
	return collectSQLite(rows, scanFeed)
}

// DeleteFeed implements Pulse.
func (s *SQLiteStore) DeleteFeed(ctx context.Context, subject, id string) error {
	res, err := s.db.ExecContext(ctx, sqliteQuery(qDeleteFeed), subject, id)
	if err != nil {
		return fmt.Errorf("delete feed %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete feed %s: %w", id, ErrFeedNotFound)
	}
	return nil
}

// PutTombstone implements Pulse.
func (s *SQLiteStore) PutTombstone(ctx context.Context, sess Session, at time.Time) error {
	rec, err := tombstoneRecord(sess)
	if err == nil {
		_, err = s.db.ExecContext(ctx, sqliteQuery(qPutTombstone), sess.ID, sess.SpaceID, rec, at.UnixNano())
	}
	if err != nil {
		return fmt.Errorf("tombstone %s: %w", sess.ID, err)
	}
	return nil
}

// Tombstone implements Pulse.
func (s *SQLiteStore) Tombstone(ctx context.Context, id string) (Session, time.Time, error) {
	var rec string
	var deleted int64
	err := s.db.QueryRowContext(ctx, sqliteQuery(qTombstone), id).Scan(&rec, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, time.Time{}, ErrTombstoneNotFound
	}
	if err != nil {
		return Session{}, time.Time{}, fmt.Errorf("tombstone %s: %w", id, err)
	}
	return parseTombstone(rec, deleted)
}

// CreateWebhook implements Pulse.
func (s *SQLiteStore) CreateWebhook(ctx context.Context, h Webhook) error {
	if _, err := s.db.ExecContext(ctx, sqliteQuery(qCreateWebhook), h.ID, h.SpaceID, h.URL, strings.Join(h.Events, ","), h.Secret, h.CreatedBy, h.CreatedAt.UnixNano()); err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

// Webhooks implements Pulse.
func (s *SQLiteStore) Webhooks(ctx context.Context, spaceID string) ([]Webhook, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qWebhooks), spaceID)
	if err != nil {
		return nil, fmt.Errorf("webhooks of %s: %w", spaceID, err)
	}
	return collectSQLite(rows, scanWebhook)
}

// Webhook implements Pulse.
func (s *SQLiteStore) Webhook(ctx context.Context, id string) (Webhook, error) {
	h, err := scanWebhook(s.db.QueryRowContext(ctx, sqliteQuery(qWebhook), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Webhook{}, ErrWebhookNotFound
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("webhook %s: %w", id, err)
	}
	return h, nil
}

// DeleteWebhook implements Pulse.
func (s *SQLiteStore) DeleteWebhook(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqliteQuery(qDeleteWebhook), id)
		if err != nil {
			return fmt.Errorf("delete webhook %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("delete webhook %s: %w", id, ErrWebhookNotFound)
		}
		if _, err := tx.ExecContext(ctx, sqliteQuery(qDeleteHookDel), id); err != nil {
			return fmt.Errorf("delete webhook %s: %w", id, err)
		}
		return nil
	})
}

// EnqueueDeliveries implements Pulse.
func (s *SQLiteStore) EnqueueDeliveries(ctx context.Context, ds []Delivery) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, sqliteQuery(qEnqueue), d.ID, d.HookID, d.Event, string(d.Body), d.NextAt.UnixNano(), d.CreatedAt.UnixNano()); err != nil {
				return fmt.Errorf("enqueue delivery: %w", err)
			}
		}
		return nil
	})
}

// ClaimDeliveries implements Pulse.
func (s *SQLiteStore) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(fmt.Sprintf(qClaim, "")), owner, now.Add(lease).UnixNano(), now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return collectSQLite(rows, scanDelivery)
}

// FinishDelivery implements Pulse.
func (s *SQLiteStore) FinishDelivery(ctx context.Context, id, owner string, r DeliveryResult) (bool, error) {
	res, err := s.db.ExecContext(ctx, sqliteQuery(qFinish), id, owner, r.Status, r.NextAt.UnixNano(), r.LastStatus, r.LastError, doneNs(r))
	if err != nil {
		return false, fmt.Errorf("finish delivery %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Deliveries implements Pulse.
func (s *SQLiteStore) Deliveries(ctx context.Context, hookID string, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qDeliveries), hookID, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", hookID, err)
	}
	return collectSQLite(rows, scanDelivery)
}

// collectSQLite scans every row of rows with scan and closes them.
func collectSQLite[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	return collect(rows, scan)
}
