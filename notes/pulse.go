package notes

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors of Pulse.
var (
	ErrFeedNotFound      = errors.New("notes: feed token not found")
	ErrTombstoneNotFound = errors.New("notes: no deleted session with this id")
	ErrWebhookNotFound   = errors.New("notes: webhook not found")
)

// Feed is a calendar feed token: it lets a calendar app read one feed
// (Kind "session" or "space", Target its id) as Subject. The secret
// itself is never stored, only its SHA-256.
type Feed struct {
	ID        string    `json:"id"`
	Subject   string    `json:"-"`
	Kind      string    `json:"kind"`
	Target    string    `json:"target"`
	CreatedAt time.Time `json:"created_at"`
}

// Webhook is a space's subscription of a URL to events.
type Webhook struct {
	ID        string    `json:"id"`
	SpaceID   string    `json:"space_id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"-"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // given up after the retry window
)

// Delivery is one event on its way to one webhook, and its log.
type Delivery struct {
	ID         string    `json:"id"`
	HookID     string    `json:"hook_id"`
	Event      string    `json:"event"`
	Body       []byte    `json:"-"`
	Status     string    `json:"status"`
	Attempts   int       `json:"attempts"`
	NextAt     time.Time `json:"next_attempt_at"`
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	DoneAt     time.Time `json:"done_at,omitzero"`
}

// DeliveryResult is what one attempt came to: Status pending (NextAt is
// the retry), delivered or failed.
type DeliveryResult struct {
	Status     string
	NextAt     time.Time
	LastStatus int
	LastError  string
	At         time.Time
}

// Pulse keeps what calendars and webhooks need: feed tokens, the last
// record of deleted sessions, webhooks and their deliveries. MemoryStore,
// SQLiteStore and PostgresStore implement it.
type Pulse interface {
	// CreateFeed stores a feed token under the SHA-256 of its secret.
	CreateFeed(ctx context.Context, f Feed, secretHash string) error
	// FeedByHash returns the feed whose secret hashes to secretHash, or
	// ErrFeedNotFound.
	FeedByHash(ctx context.Context, secretHash string) (Feed, error)
	// Feeds lists subject's feed tokens, oldest first.
	Feeds(ctx context.Context, subject string) ([]Feed, error)
	// DeleteFeed revokes one of subject's feed tokens, or returns
	// ErrFeedNotFound.
	DeleteFeed(ctx context.Context, subject, id string) error

	// PutTombstone keeps the last record of a deleted session.
	PutTombstone(ctx context.Context, s Session, deletedAt time.Time) error
	// Tombstone returns a deleted session's last record and when it was
	// deleted, or ErrTombstoneNotFound.
	Tombstone(ctx context.Context, id string) (Session, time.Time, error)
	// Tombstones lists the last records of a space's sessions deleted
	// at or after since, the latest first, at most limit.
	Tombstones(ctx context.Context, space string, since time.Time, limit int) ([]Session, error)
	// PruneTombstones forgets the sessions deleted before before, and
	// the session feed tokens of theirs, and returns how many.
	PruneTombstones(ctx context.Context, before time.Time) (int, error)

	// CreateWebhook stores a webhook.
	CreateWebhook(ctx context.Context, h Webhook) error
	// Webhooks lists a space's webhooks, oldest first.
	Webhooks(ctx context.Context, spaceID string) ([]Webhook, error)
	// Webhook returns one webhook, or ErrWebhookNotFound.
	Webhook(ctx context.Context, id string) (Webhook, error)
	// DeleteWebhook removes a webhook and its deliveries, or returns
	// ErrWebhookNotFound.
	DeleteWebhook(ctx context.Context, id string) error
	// EnqueueDeliveries stores pending deliveries, all or none.
	EnqueueDeliveries(ctx context.Context, ds []Delivery) error
	// ClaimDeliveries leases up to limit pending deliveries due at now
	// (NextAt ≤ now) that no live lease holds, to owner until now+lease,
	// and returns them. Across instances sharing one database each due
	// delivery goes to one claimant while its lease lasts.
	ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// FinishDelivery records an attempt of a delivery owner holds: one
	// more attempt, the result, the lease released. It reports false
	// (and changes nothing) when owner no longer holds the lease.
	FinishDelivery(ctx context.Context, id, owner string, r DeliveryResult) (bool, error)
	// Deliveries lists a webhook's deliveries, newest first, at most
	// limit.
	Deliveries(ctx context.Context, hookID string, limit int) ([]Delivery, error)
}
