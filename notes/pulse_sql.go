package notes

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The queries of Pulse, written once with PostgreSQL's $N placeholders;
// SQLite reads them with ?N (sqliteQuery).
const (
	qCreateFeed = `INSERT INTO feed_tokens (id, secret_hash, subject, kind, target, created_ns) VALUES ($1, $2, $3, $4, $5, $6)`
	feedCols    = `id, subject, kind, target, created_ns`
	qFeedByHash = `SELECT ` + feedCols + ` FROM feed_tokens WHERE secret_hash = $1`
	qFeeds      = `SELECT ` + feedCols + ` FROM feed_tokens WHERE subject = $1 ORDER BY created_ns, id`
	qDeleteFeed = `DELETE FROM feed_tokens WHERE subject = $1 AND id = $2`

	qPutTombstone = `INSERT INTO session_tombstones (id, space_id, record, deleted_ns) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET space_id = excluded.space_id, record = excluded.record, deleted_ns = excluded.deleted_ns`
	qTombstone = `SELECT record, deleted_ns FROM session_tombstones WHERE id = $1`

	qCreateWebhook = `INSERT INTO webhooks (id, space_id, url, events, secret, created_by, created_ns) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	hookCols       = `id, space_id, url, events, secret, created_by, created_ns`
	qWebhooks      = `SELECT ` + hookCols + ` FROM webhooks WHERE space_id = $1 ORDER BY created_ns, id`
	qWebhook       = `SELECT ` + hookCols + ` FROM webhooks WHERE id = $1`
	qDeleteWebhook = `DELETE FROM webhooks WHERE id = $1`
	qDeleteHookDel = `DELETE FROM webhook_deliveries WHERE hook_id = $1`

	qEnqueue = `INSERT INTO webhook_deliveries (id, hook_id, event, body, status, next_ns, created_ns)
		VALUES ($1, $2, $3, $4, 'pending', $5, $6)`
	deliveryCols = `id, hook_id, event, body, status, attempts, next_ns, last_status, last_error, created_ns, done_ns`
	// qClaim leases due rows; %s is PostgreSQL's row locking clause
	// (empty for SQLite, whose writers are serialised anyway).
	qClaim = `UPDATE webhook_deliveries SET lease_owner = $1, lease_until_ns = $2
		WHERE id IN (SELECT id FROM webhook_deliveries
			WHERE status = 'pending' AND next_ns <= $3 AND lease_until_ns <= $3
			ORDER BY next_ns, id LIMIT $4 %s)
		RETURNING ` + deliveryCols
	qFinish = `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $3, next_ns = $4,
		last_status = $5, last_error = $6, done_ns = $7, lease_owner = '', lease_until_ns = 0
		WHERE id = $1 AND lease_owner = $2 AND status = 'pending'`
	qDeliveries = `SELECT ` + deliveryCols + ` FROM webhook_deliveries WHERE hook_id = $1 ORDER BY created_ns DESC, id DESC LIMIT $2`
)

func scanFeed(r scanner) (Feed, error) {
	var f Feed
	var created int64
	err := r.Scan(&f.ID, &f.Subject, &f.Kind, &f.Target, &created)
	f.CreatedAt = time.Unix(0, created).UTC()
	return f, err
}

func scanWebhook(r scanner) (Webhook, error) {
	var h Webhook
	var events string
	var created int64
	err := r.Scan(&h.ID, &h.SpaceID, &h.URL, &events, &h.Secret, &h.CreatedBy, &created)
	h.Events = splitEvents(events)
	h.CreatedAt = time.Unix(0, created).UTC()
	return h, err
}

func splitEvents(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func scanDelivery(r scanner) (Delivery, error) {
	var d Delivery
	var body string
	var next, created, done int64
	err := r.Scan(&d.ID, &d.HookID, &d.Event, &body, &d.Status, &d.Attempts, &next, &d.LastStatus, &d.LastError, &created, &done)
	d.Body = []byte(body)
	d.NextAt, d.CreatedAt = time.Unix(0, next).UTC(), time.Unix(0, created).UTC()
	if done != 0 {
		d.DoneAt = time.Unix(0, done).UTC()
	}
	return d, err
}

// doneNs is when a result ends a delivery (0 while it is pending).
func doneNs(r DeliveryResult) int64 {
	if r.Status == DeliveryPending {
		return 0
	}
	return r.At.UnixNano()
}

// tombstone is a deleted session's stored record: the session's JSON
// and its revision (which the JSON leaves out), so a feed can cancel
// the event with a SEQUENCE above the last one it served.
type tombstone struct {
	Session
	Rev int64 `json:"revision"`
}

func tombstoneRecord(s Session) (string, error) {
	b, err := json.Marshal(tombstone{Session: s, Rev: s.Revision})
	return string(b), err
}

func parseTombstone(record string, deleted int64) (Session, time.Time, error) {
	var t tombstone
	if err := json.Unmarshal([]byte(record), &t); err != nil {
		return Session{}, time.Time{}, fmt.Errorf("tombstone record: %w", err)
	}
	t.Session.Revision = t.Rev
	return t.Session, time.Unix(0, deleted).UTC(), nil
}
