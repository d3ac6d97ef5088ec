package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/internal/defaults"
	"github.com/cocreate/cocreate/notes"
)

// The events a webhook may subscribe to.
const (
	SessionCreated       = "session.created"
	SessionUpdated       = "session.updated"
	SessionStarted       = "session.started"
	SessionEnded         = "session.ended"
	SessionDeleted       = "session.deleted"
	NotesVersionCreated  = "notes.version_created"
	TaskCreated          = "task.created"
	TaskCompleted        = "task.completed"
	maxErrorLen          = 500
	maxResponseReadBytes = 64 << 10
)

// Events lists every event type, for validating subscriptions.
var Events = []string{SessionCreated, SessionUpdated, SessionStarted, SessionEnded, SessionDeleted,
	NotesVersionCreated, TaskCreated, TaskCompleted}

// Store is what the dispatcher keeps in the database (notes.Pulse).
type Store interface {
	Webhooks(ctx context.Context, spaceID string) ([]notes.Webhook, error)
	Webhook(ctx context.Context, id string) (notes.Webhook, error)
	EnqueueDeliveries(ctx context.Context, ds []notes.Delivery) error
	ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]notes.Delivery, error)
	FinishDelivery(ctx context.Context, id, owner string, r notes.DeliveryResult) (bool, error)
}

// Config configures New; zero fields take the defaults given.
type Config struct {
	Store Store
	// Instance names this dispatcher's leases (default a fresh uuid).
	Instance string
	// AllowPrivate lets deliveries reach private and loopback addresses
	// (--webhook-allow-private; for tests and closed networks).
	AllowPrivate bool
	// Timeout bounds one attempt (default 10s).
	Timeout time.Duration
	// Poll is how often due deliveries are looked for when nothing woke
	// the dispatcher (default 5s); Emit on this instance wakes it at once.
	Poll time.Duration
	// Lease is how long a claimed delivery is this instance's (default
	// 2×Timeout+10s); longer than an attempt, so nobody else takes it
	// while it runs.
	Lease time.Duration
	// FirstRetry and MaxRetry shape the backoff: FirstRetry after the
	// first failure, doubling, at most MaxRetry (defaults 30s and 1h).
	FirstRetry, MaxRetry time.Duration
	// RetryFor is how long after its event a delivery is retried before
	// it is given up (default 25h).
	RetryFor time.Duration
	// Concurrency bounds the attempts in flight (default 8).
	Concurrency int
	Logger      *slog.Logger
	Now         func() time.Time
}

// Dispatcher emits events into the store and delivers them.
type Dispatcher struct {
	cfg    Config
	client *http.Client
	wake   chan struct{}
}

// New returns a Dispatcher; call Run to deliver.
func New(cfg Config) *Dispatcher {
	if cfg.Instance == "" {
		cfg.Instance = uuid.NewString()
	}
	defaults.Positive(&cfg.Timeout, 10*time.Second)
	defaults.Positive(&cfg.Poll, 5*time.Second)
	defaults.Positive(&cfg.Lease, 2*cfg.Timeout+10*time.Second)
	defaults.Positive(&cfg.FirstRetry, 30*time.Second)
	defaults.Positive(&cfg.MaxRetry, time.Hour)
	defaults.Positive(&cfg.RetryFor, 25*time.Hour)
	defaults.Positive(&cfg.Concurrency, 8)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dispatcher{cfg: cfg, client: newClient(cfg.AllowPrivate, cfg.Timeout), wake: make(chan struct{}, 1)}
}

// Event is something that happened in a space.
type Event struct {
	Type    string
	SpaceID string
	// Data is the event's ids and links, marshalled as the payload's
	// "data".
	Data any
}

// Payload is the JSON body of every delivery.
type Payload struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	SpaceID   string          `json:"space_id"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Emit stores one pending delivery of ev for each of its space's
// webhooks that subscribed to ev.Type, all or none, and wakes the
// dispatcher. It returns the event's id ("" when nobody subscribed).
func (d *Dispatcher) Emit(ctx context.Context, ev Event) (string, error) {
	if !slices.Contains(Events, ev.Type) {
		return "", fmt.Errorf("webhook: unknown event %q", ev.Type)
	}
	hooks, err := d.cfg.Store.Webhooks(ctx, ev.SpaceID)
	if err != nil {
		return "", fmt.Errorf("emit %s: %w", ev.Type, err)
	}
	now := d.cfg.Now().UTC()
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return "", fmt.Errorf("emit %s: %w", ev.Type, err)
	}
	p := Payload{ID: uuid.NewString(), Type: ev.Type, SpaceID: ev.SpaceID, CreatedAt: now, Data: data}
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("emit %s: %w", ev.Type, err)
	}
	var ds []notes.Delivery
	for _, h := range hooks {
		if slices.Contains(h.Events, ev.Type) {
			ds = append(ds, notes.Delivery{ID: uuid.NewString(), HookID: h.ID, Event: ev.Type, Body: body, NextAt: now, CreatedAt: now})
		}
	}
	if len(ds) == 0 {
		return "", nil
	}
	if err := d.cfg.Store.EnqueueDeliveries(ctx, ds); err != nil {
		return "", fmt.Errorf("emit %s: %w", ev.Type, err)
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return p.ID, nil
}

// Run delivers due deliveries until ctx is done, then waits for the
// attempts in flight (each bounded by Timeout) to be recorded.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, d.cfg.Concurrency)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-d.wake:
		}
		for ctx.Err() == nil {
			due, err := d.cfg.Store.ClaimDeliveries(ctx, d.cfg.Instance, d.cfg.Now(), d.cfg.Lease, d.cfg.Concurrency)
			if err != nil {
				if ctx.Err() == nil {
					d.cfg.Logger.Warn("webhook deliveries: claim failed", "instance", d.cfg.Instance, "err", err)
				}
				break
			}
			for _, del := range due {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					d.attempt(del)
				})
			}
			if len(due) < d.cfg.Concurrency {
				break
			}
		}
		timer.Reset(d.cfg.Poll)
	}
}

// attempt POSTs one delivery and records the result. It runs to the end
// even while Run is stopping, so no claimed attempt goes unrecorded.
func (d *Dispatcher) attempt(del notes.Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Timeout+5*time.Second)
	defer cancel()
	status, err := d.post(ctx, del)
	now := d.cfg.Now()
	r := notes.DeliveryResult{Status: notes.DeliveryDelivered, LastStatus: status, At: now}
	if err != nil {
		r.LastError = err.Error()
		if len(r.LastError) > maxErrorLen {
			r.LastError = r.LastError[:maxErrorLen]
		}
		r.Status, r.NextAt = notes.DeliveryPending, now.Add(d.backoff(del.Attempts+1))
		if errors.Is(err, notes.ErrWebhookNotFound) || r.NextAt.After(del.CreatedAt.Add(d.cfg.RetryFor)) {
			r.Status, r.NextAt = notes.DeliveryFailed, now
		}
	}
	ok, ferr := d.cfg.Store.FinishDelivery(ctx, del.ID, d.cfg.Instance, r)
	switch {
	case ferr != nil:
		d.cfg.Logger.Warn("webhook delivery: recording the attempt failed; it will be tried again", "delivery", del.ID, "err", ferr)
	case !ok:
		d.cfg.Logger.Warn("webhook delivery: lease lost before the attempt was recorded", "delivery", del.ID, "instance", d.cfg.Instance)
	case r.Status == notes.DeliveryFailed:
		d.cfg.Logger.Warn("webhook delivery given up", "delivery", del.ID, "hook", del.HookID, "attempts", del.Attempts+1, "err", r.LastError)
	}
}

// backoff is the wait before attempt n+1 after n failures.
func (d *Dispatcher) backoff(n int) time.Duration {
	w := d.cfg.FirstRetry
	for i := 1; i < n && w < d.cfg.MaxRetry; i++ {
		w *= 2
	}
	return min(w, d.cfg.MaxRetry)
}

// post sends one attempt; a 2xx answer is success.
func (d *Dispatcher) post(ctx context.Context, del notes.Delivery) (int, error) {
	hook, err := d.cfg.Store.Webhook(ctx, del.HookID)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(del.Body))
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cocreate-webhook/1")
	req.Header.Set("X-Cocreate-Event", del.Event)
	req.Header.Set("X-Cocreate-Delivery", del.ID)
	req.Header.Set(SignatureHeader, Sign(hook.Secret, d.cfg.Now(), del.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseReadBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
