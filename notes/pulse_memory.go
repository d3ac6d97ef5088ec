package notes

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

var _ Pulse = (*MemoryStore)(nil)

// memPulse is what a MemoryStore keeps of Pulse, under its mutex.
type memPulse struct {
	feeds      map[string]Feed   // by id
	feedHashes map[string]string // secret hash → id
	tombstones map[string]memTombstone
	hooks      map[string]Webhook
	deliveries map[string]*memDelivery
	series     memSeries
	rsvps      map[string]map[string]RSVP // session → subject → answer
	tasks      memTasks
}

type memTombstone struct {
	s  Session
	at time.Time
}

type memDelivery struct {
	d          Delivery
	owner      string
	leaseUntil time.Time
}

// pulseLocked returns the Pulse maps (made on first use); the caller
// holds the mutex.
func (s *MemoryStore) pulseLocked() *memPulse {
	p := &s.pulse
	if p.feeds == nil {
		p.feeds, p.feedHashes, p.tombstones = map[string]Feed{}, map[string]string{}, map[string]memTombstone{}
		p.hooks, p.deliveries = map[string]Webhook{}, map[string]*memDelivery{}
	}
	return p
}

// CreateFeed implements Pulse.
func (s *MemoryStore) CreateFeed(_ context.Context, f Feed, secretHash string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	if _, ok := p.feeds[f.ID]; ok {
		return fmt.Errorf("create feed %s: already exists", f.ID)
	}
	if _, ok := p.feedHashes[secretHash]; ok {
		return fmt.Errorf("create feed %s: secret already used", f.ID)
	}
	p.feeds[f.ID], p.feedHashes[secretHash] = f, f.ID
	return nil
}

// FeedByHash implements Pulse.
func (s *MemoryStore) FeedByHash(_ context.Context, secretHash string) (Feed, error) {
	if err := s.lock(); err != nil {
		return Feed{}, err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	id, ok := p.feedHashes[secretHash]
	if !ok {
		return Feed{}, ErrFeedNotFound
	}
	return p.feeds[id], nil
}

// Feeds implements Pulse.
func (s *MemoryStore) Feeds(_ context.Context, subject string) ([]Feed, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := []Feed{}
	for _, f := range s.pulseLocked().feeds {
		if f.Subject == subject {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b Feed) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// DeleteFeed implements Pulse.
func (s *MemoryStore) DeleteFeed(_ context.Context, subject, id string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	f, ok := p.feeds[id]
	if !ok || f.Subject != subject {
		return fmt.Errorf("delete feed %s: %w", id, ErrFeedNotFound)
	}
	delete(p.feeds, id)
	for h, fid := range p.feedHashes {
		if fid == id {
			delete(p.feedHashes, h)
		}
	}
	return nil
}

// PutTombstone implements Pulse.
func (s *MemoryStore) PutTombstone(_ context.Context, sess Session, at time.Time) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.pulseLocked().tombstones[sess.ID] = memTombstone{s: sess, at: at.UTC()}
	return nil
}

// Tombstone implements Pulse.
func (s *MemoryStore) Tombstone(_ context.Context, id string) (Session, time.Time, error) {
	if err := s.lock(); err != nil {
		return Session{}, time.Time{}, err
	}
	defer s.mu.Unlock()
	t, ok := s.pulseLocked().tombstones[id]
	if !ok {
		return Session{}, time.Time{}, ErrTombstoneNotFound
	}
	return t.s, t.at, nil
}

// Tombstones implements Pulse.
func (s *MemoryStore) Tombstones(_ context.Context, space string, since time.Time, limit int) ([]Session, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var ts []memTombstone
	for _, t := range s.pulseLocked().tombstones {
		if t.s.SpaceID == space && !t.at.Before(since) {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b memTombstone) int { return b.at.Compare(a.at) })
	out := []Session{}
	for _, t := range ts[:min(len(ts), limit)] {
		out = append(out, t.s)
	}
	return out, nil
}

// PruneTombstones implements Pulse.
func (s *MemoryStore) PruneTombstones(_ context.Context, before time.Time) (int, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	n := 0
	for id, t := range p.tombstones {
		if t.at.Before(before) {
			delete(p.tombstones, id)
			for fid, f := range p.feeds {
				if f.Kind == "session" && f.Target == id {
					delete(p.feeds, fid)
					for h, hid := range p.feedHashes {
						if hid == fid {
							delete(p.feedHashes, h)
						}
					}
				}
			}
			n++
		}
	}
	return n, nil
}

// CreateWebhook implements Pulse.
func (s *MemoryStore) CreateWebhook(_ context.Context, h Webhook) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	if _, ok := p.hooks[h.ID]; ok {
		return fmt.Errorf("create webhook %s: already exists", h.ID)
	}
	h.Events = slices.Clone(h.Events)
	p.hooks[h.ID] = h
	return nil
}

// Webhooks implements Pulse.
func (s *MemoryStore) Webhooks(_ context.Context, spaceID string) ([]Webhook, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := []Webhook{}
	for _, h := range s.pulseLocked().hooks {
		if h.SpaceID == spaceID {
			h.Events = slices.Clone(h.Events)
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b Webhook) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// Webhook implements Pulse.
func (s *MemoryStore) Webhook(_ context.Context, id string) (Webhook, error) {
	if err := s.lock(); err != nil {
		return Webhook{}, err
	}
	defer s.mu.Unlock()
	h, ok := s.pulseLocked().hooks[id]
	if !ok {
		return Webhook{}, ErrWebhookNotFound
	}
	h.Events = slices.Clone(h.Events)
	return h, nil
}

// DeleteWebhook implements Pulse.
func (s *MemoryStore) DeleteWebhook(_ context.Context, id string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	if _, ok := p.hooks[id]; !ok {
		return fmt.Errorf("delete webhook %s: %w", id, ErrWebhookNotFound)
	}
	delete(p.hooks, id)
	for k, d := range p.deliveries {
		if d.d.HookID == id {
			delete(p.deliveries, k)
		}
	}
	return nil
}

// EnqueueDeliveries implements Pulse.
func (s *MemoryStore) EnqueueDeliveries(_ context.Context, ds []Delivery) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	for _, d := range ds {
		if _, ok := p.deliveries[d.ID]; ok {
			return fmt.Errorf("enqueue delivery %s: already exists", d.ID)
		}
	}
	for _, d := range ds {
		d.Status, d.Attempts, d.Body = DeliveryPending, 0, slices.Clone(d.Body)
		p.deliveries[d.ID] = &memDelivery{d: d}
	}
	return nil
}

// ClaimDeliveries implements Pulse.
func (s *MemoryStore) ClaimDeliveries(_ context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var due []*memDelivery
	for _, d := range s.pulseLocked().deliveries {
		if d.d.Status == DeliveryPending && !d.d.NextAt.After(now) && !d.leaseUntil.After(now) {
			due = append(due, d)
		}
	}
	slices.SortFunc(due, func(a, b *memDelivery) int {
		return cmp.Or(a.d.NextAt.Compare(b.d.NextAt), cmp.Compare(a.d.ID, b.d.ID))
	})
	out := []Delivery{}
	for _, d := range due[:min(limit, len(due))] {
		d.owner, d.leaseUntil = owner, now.Add(lease)
		c := d.d
		c.Body = slices.Clone(c.Body)
		out = append(out, c)
	}
	return out, nil
}

// FinishDelivery implements Pulse.
func (s *MemoryStore) FinishDelivery(_ context.Context, id, owner string, r DeliveryResult) (bool, error) {
	if err := s.lock(); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	d, ok := s.pulseLocked().deliveries[id]
	if !ok || d.owner != owner || d.d.Status != DeliveryPending {
		return false, nil
	}
	d.d.Attempts++
	d.d.Status, d.d.NextAt, d.d.LastStatus, d.d.LastError = r.Status, r.NextAt.UTC(), r.LastStatus, r.LastError
	if r.Status != DeliveryPending {
		d.d.DoneAt = r.At.UTC()
	}
	d.owner, d.leaseUntil = "", time.Time{}
	return true, nil
}

// Deliveries implements Pulse.
func (s *MemoryStore) Deliveries(_ context.Context, hookID string, limit int) ([]Delivery, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := []Delivery{}
	for _, d := range s.pulseLocked().deliveries {
		if d.d.HookID == hookID {
			c := d.d
			c.Body = slices.Clone(c.Body)
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Delivery) int { return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID)) })
	return out[:min(limit, len(out))], nil
}
