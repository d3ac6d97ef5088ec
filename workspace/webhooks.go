package workspace

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
)

// Bounds of webhooks.
const (
	maxHooksPerSpace = 20
	maxHookSecret    = 256
	minHookSecret    = 16
	maxDeliveriesLog = 100
)

// WebhookInput subscribes a URL to events of a space. Secret signs the
// deliveries; empty, the server makes one (returned once).
type WebhookInput struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// WebhookView is a webhook as its space's managers see it; Secret only
// when it is created.
type WebhookView struct {
	notes.Webhook
	Secret string `json:"secret,omitempty"`
}

// CreateWebhook subscribes in.URL to in.Events of the space (its owners
// and admins).
func (w *Workspace) CreateWebhook(ctx context.Context, c Caller, spaceID string, in WebhookInput) (WebhookView, error) {
	sp, _, err := w.authorizeSpace(ctx, c, SpaceManage, spaceID)
	if err != nil {
		return WebhookView{}, err
	}
	if err := webhook.CheckURL(in.URL, w.cfg.WebhookAllowPrivate); err != nil {
		return WebhookView{}, fail(ErrInvalid, "bad_url", "%v", err)
	}
	if len(in.Events) == 0 {
		return WebhookView{}, fail(ErrInvalid, "bad_events", "events must name at least one of %v", webhook.Events)
	}
	seen := map[string]bool{}
	for _, e := range in.Events {
		if !slices.Contains(webhook.Events, e) {
			return WebhookView{}, fail(ErrInvalid, "bad_events", "unknown event %q; events are %v", e, webhook.Events)
		}
		if seen[e] {
			return WebhookView{}, fail(ErrInvalid, "bad_events", "event %q is named twice", e)
		}
		seen[e] = true
	}
	secret := in.Secret
	if secret == "" {
		secret = rand.Text()
	}
	if len(secret) < minHookSecret || len(secret) > maxHookSecret || !utf8.ValidString(secret) {
		return WebhookView{}, fail(ErrInvalid, "bad_secret", "secret must be %d to %d bytes of UTF-8 (or empty, and the server makes one)", minHookSecret, maxHookSecret)
	}
	have, err := w.store.Webhooks(ctx, sp.ID)
	if err != nil {
		return WebhookView{}, err
	}
	if len(have) >= maxHooksPerSpace {
		return WebhookView{}, fail(ErrQuota, "too_many_webhooks", "the space has %d webhooks, the most allowed; delete one first", len(have))
	}
	h := notes.Webhook{ID: uuid.NewString(), SpaceID: sp.ID, URL: in.URL, Events: slices.Clone(in.Events), Secret: secret,
		CreatedBy: c.Subject, CreatedAt: w.now().UTC().Truncate(time.Microsecond)}
	if err := w.store.CreateWebhook(ctx, h); err != nil {
		return WebhookView{}, err
	}
	w.log.Info("webhook created", "space", sp.ID, "hook", h.ID, "by", c.Subject)
	return WebhookView{Webhook: h, Secret: secret}, nil
}

// Webhooks lists a space's webhooks (its owners and admins; no secrets).
func (w *Workspace) Webhooks(ctx context.Context, c Caller, spaceID string) ([]WebhookView, error) {
	sp, _, err := w.authorizeSpace(ctx, c, SpaceManage, spaceID)
	if err != nil {
		return nil, err
	}
	hs, err := w.store.Webhooks(ctx, sp.ID)
	if err != nil {
		return nil, err
	}
	out := make([]WebhookView, len(hs))
	for i, h := range hs {
		out[i] = WebhookView{Webhook: h}
	}
	return out, nil
}

// spaceHook loads one of a space's webhooks for its managers.
func (w *Workspace) spaceHook(ctx context.Context, c Caller, spaceID, hookID string) (notes.Webhook, error) {
	sp, _, err := w.authorizeSpace(ctx, c, SpaceManage, spaceID)
	if err != nil {
		return notes.Webhook{}, err
	}
	if err := CheckName("webhook id", hookID); err != nil {
		return notes.Webhook{}, err
	}
	h, err := w.store.Webhook(ctx, hookID)
	if errors.Is(err, notes.ErrWebhookNotFound) || err == nil && h.SpaceID != sp.ID {
		return notes.Webhook{}, notFound("webhook", hookID)
	}
	return h, err
}

// DeleteWebhook removes a webhook and its pending deliveries.
func (w *Workspace) DeleteWebhook(ctx context.Context, c Caller, spaceID, hookID string) error {
	h, err := w.spaceHook(ctx, c, spaceID, hookID)
	if err != nil {
		return err
	}
	if err := w.store.DeleteWebhook(ctx, h.ID); err != nil && !errors.Is(err, notes.ErrWebhookNotFound) {
		return err
	}
	w.log.Info("webhook deleted", "space", h.SpaceID, "hook", h.ID, "by", c.Subject)
	return nil
}

// Deliveries is a webhook's deliveries log, newest first (at most 100):
// status, attempts, the last answer or error, the next attempt.
func (w *Workspace) Deliveries(ctx context.Context, c Caller, spaceID, hookID string) ([]notes.Delivery, error) {
	h, err := w.spaceHook(ctx, c, spaceID, hookID)
	if err != nil {
		return nil, err
	}
	return w.store.Deliveries(ctx, h.ID, maxDeliveriesLog)
}
