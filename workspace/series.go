package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/internal/ical"
	"github.com/cocreate/cocreate/notes"
)

// DefaultSeriesLookahead is how far ahead a series' occurrences exist
// as sessions (Config.SeriesLookahead); the next one always does.
const DefaultSeriesLookahead = 7 * 24 * time.Hour

// maxSkeleton bounds a series' notes skeleton, in bytes.
const maxSkeleton = 10000

// occurrenceSpace names occurrence session ids: a slot's session id is
// derived from the series and the slot, so every instance computes the
// same one and links can name an occurrence before it exists.
var occurrenceSpace = uuid.MustParse("5e0c8a1e-6d2f-4c0b-9a57-3f1b2c4d5e6f")

func occurrenceID(seriesID string, slot time.Time) string {
	return uuid.NewSHA1(occurrenceSpace, fmt.Appendf(nil, "%s/%d", seriesID, slot.UTC().UnixNano())).String()
}

// SeriesInput is what a caller gives to create a series: the template
// of every occurrence, the first start (an instant; its wall clock in
// TimeZone is kept by every occurrence) and the rule.
type SeriesInput struct {
	Title         string             `json:"title"`
	Description   string             `json:"description"`
	Agenda        []notes.AgendaItem `json:"agenda"`
	NotesSkeleton string             `json:"notes_skeleton"`
	TimeZone      string             `json:"time_zone"`
	Start         time.Time          `json:"start"`
	Rule          ical.Rule          `json:"rule"`
	// SpaceID is the space the series and its occurrences go into (the
	// caller must be able to create sessions there); without it, a new
	// space of the caller's, as for a session.
	SpaceID *string `json:"space_id"`
}

// SeriesView is a series and its occurrences so far.
type SeriesView struct {
	notes.Series
	RRule       string             `json:"rrule"`
	Occurrences []notes.Occurrence `json:"occurrences"`
}

// seriesAsSession is the record authorize decides a series by: its
// host, space and visibility, as for its sessions.
func seriesAsSession(sr notes.Series) notes.Session {
	return notes.Session{ID: sr.ID, Host: sr.Host, SpaceID: sr.SpaceID, Visibility: sr.Visibility,
		Roles: map[string]Role{sr.Host: RoleHost}}
}

// occurrenceSession is the session the occurrence of sr at slot starts
// as: the series' template at that time.
func occurrenceSession(sr notes.Series, slot, now time.Time) notes.Session {
	return notes.Session{
		ID: occurrenceID(sr.ID, slot), Title: sr.Title, Description: sr.Description,
		ScheduledAt: slot.UTC(), TimeZone: sr.TimeZone, Agenda: slices.Clone(sr.Agenda),
		Host: sr.Host, State: notes.StateScheduled, CreatedAt: now.UTC(),
		Roles: map[string]Role{sr.Host: RoleHost}, SpaceID: sr.SpaceID, Visibility: sr.Visibility,
	}
}

// CreateSeries creates a series hosted by c and materialises its first
// occurrences.
func (w *Workspace) CreateSeries(ctx context.Context, c Caller, in SeriesInput) (SeriesView, error) {
	loc, err := time.LoadLocation(in.TimeZone)
	if err != nil || in.TimeZone == "" || in.TimeZone == "Local" {
		return SeriesView{}, fail(ErrInvalid, "invalid_series", "time_zone must be an IANA zone name such as Europe/Berlin, not %q", in.TimeZone)
	}
	if in.Start.IsZero() {
		return SeriesView{}, fail(ErrInvalid, "invalid_series", "start (the first occurrence, RFC 3339) is required")
	}
	if err := in.Rule.Validate(in.Start.In(loc)); err != nil {
		return SeriesView{}, fail(ErrInvalid, "invalid_rule", "%v", err)
	}
	if len(in.NotesSkeleton) > maxSkeleton || !utf8.ValidString(in.NotesSkeleton) || strings.ContainsRune(in.NotesSkeleton, 0) {
		return SeriesView{}, fail(ErrInvalid, "invalid_series", "notes_skeleton must be UTF-8 without NUL, at most %d bytes", maxSkeleton)
	}
	now := w.now().UTC()
	sr := notes.Series{
		ID: uuid.NewString(), Title: in.Title, Description: in.Description, Agenda: in.Agenda,
		NotesSkeleton: in.NotesSkeleton, TimeZone: in.TimeZone, Start: in.Start.UTC(), Rule: in.Rule,
		Host: c.Subject, CreatedAt: now, Visibility: notes.VisibilitySpace,
	}
	if sr.Agenda == nil {
		sr.Agenda = []notes.AgendaItem{}
	}
	if !sr.Rule.Until.IsZero() {
		sr.Rule.Until = sr.Rule.Until.UTC()
	}
	// The template must make a valid session (title, agenda, lengths).
	probe := occurrenceSession(sr, sr.Start, now)
	if err := probe.Validate(); err != nil {
		return SeriesView{}, classify(err)
	}
	if sr.SpaceID, err = w.spaceFor(ctx, c, in.SpaceID, sr.Title); err != nil {
		return SeriesView{}, err
	}
	if err := w.store.CreateSeries(ctx, sr); err != nil {
		return SeriesView{}, err
	}
	w.log.Info("series created", "series", sr.ID, "host", sr.Host, "rrule", sr.Rule.RRULE(sr.Start.In(loc)))
	if err := w.materialise(ctx, sr, now); err != nil {
		return SeriesView{}, err
	}
	return w.seriesView(ctx, sr)
}

// spaceFor is the space something new of c's goes into: the one named
// (c must be able to create sessions there), or a new space of c's
// named name.
func (w *Workspace) spaceFor(ctx context.Context, c Caller, id *string, name string) (string, error) {
	if id != nil {
		sp, _, err := w.authorizeSpace(ctx, c, SpaceWrite, *id)
		return sp.ID, err
	}
	sp, err := w.createSpace(ctx, c, name)
	return sp.ID, err
}

// GetSeries returns a series and its occurrences so far (materialising
// what is due first).
func (w *Workspace) GetSeries(ctx context.Context, c Caller, id string) (SeriesView, error) {
	sr, err := w.series(ctx, c, Read, id)
	if err != nil {
		return SeriesView{}, err
	}
	if err := w.materialise(ctx, sr, w.now()); err != nil {
		return SeriesView{}, err
	}
	return w.seriesView(ctx, sr)
}

// CancelOccurrence cancels one occurrence of a series alone, by its
// original start (slot), whether or not it exists as a session yet:
// it is never materialised, and feeds show it CANCELLED.
func (w *Workspace) CancelOccurrence(ctx context.Context, c Caller, id string, slot time.Time) (SeriesView, error) {
	sr, err := w.series(ctx, c, Run, id)
	if err != nil {
		return SeriesView{}, err
	}
	loc := zoneOf(sr.TimeZone)
	start := sr.Start.In(loc)
	if o := sr.Rule.Between(start, slot, slot.Add(time.Second)); len(o) != 1 || !o[0].Equal(slot) {
		return SeriesView{}, fail(ErrInvalid, "bad_slot", "%s is not an occurrence of this series (%s from %s)",
			slot.UTC().Format(time.RFC3339), sr.Rule.RRULE(start), start.Format(time.RFC3339))
	}
	if err := w.store.CancelOccurrence(ctx, sr.ID, slot); err != nil {
		return SeriesView{}, err
	}
	w.log.Info("occurrence cancelled", "series", sr.ID, "slot", slot.UTC())
	return w.seriesView(ctx, sr)
}

// series loads a series and authorizes a on it.
func (w *Workspace) series(ctx context.Context, c Caller, a Action, id string) (notes.Series, error) {
	if err := CheckName("series id", id); err != nil {
		return notes.Series{}, err
	}
	sr, err := w.store.GetSeries(ctx, id)
	if errors.Is(err, notes.ErrSeriesNotFound) {
		return sr, notFound("series", id)
	}
	if err != nil {
		return sr, err
	}
	if _, err := w.authorize(ctx, c, a, seriesAsSession(sr)); err != nil {
		return sr, err
	}
	return sr, nil
}

func (w *Workspace) seriesView(ctx context.Context, sr notes.Series) (SeriesView, error) {
	occs, err := w.store.Occurrences(ctx, sr.ID)
	if err != nil {
		return SeriesView{}, err
	}
	return SeriesView{Series: sr, RRule: sr.Rule.RRULE(sr.Start.In(zoneOf(sr.TimeZone))), Occurrences: occs}, nil
}

func zoneOf(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// MaterialiseSeries makes the due occurrences of every series (the
// background round of RunSeries).
func (w *Workspace) MaterialiseSeries(ctx context.Context) error {
	all, err := w.store.AllSeries(ctx)
	if err != nil {
		return err
	}
	now := w.now()
	var errs []error
	for _, sr := range all {
		if err := w.materialise(ctx, sr, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RunSeries materialises due occurrences (and prunes old tombstones,
// PruneTombstones) every interval until ctx is done.
func (w *Workspace) RunSeries(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := w.MaterialiseSeries(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("series occurrences not materialised", "err", err)
		}
		if err := w.PruneTombstones(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("tombstones not pruned", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// materialise makes the sessions of sr's occurrences that are due at
// now: those starting within the lookahead (or still running), and the
// next one after now in any case. A slot is claimed in the store first
// (AddOccurrence), so each is made once however many instances run
// this; cancelled slots are skipped.
func (w *Workspace) materialise(ctx context.Context, sr notes.Series, now time.Time) error {
	loc := zoneOf(sr.TimeZone)
	start := sr.Start.In(loc)
	lookahead := w.cfg.SeriesLookahead
	if lookahead <= 0 {
		lookahead = DefaultSeriesLookahead
	}
	dur := plannedDuration(sr.Agenda)
	slots := sr.Rule.Between(start, now.Add(-dur), now.Add(lookahead))
	if next, ok := sr.Rule.Next(start, now); ok && !slices.ContainsFunc(slots, next.Equal) {
		slots = append(slots, next)
	}
	if len(slots) == 0 {
		return nil
	}
	occs, err := w.store.Occurrences(ctx, sr.ID)
	if err != nil {
		return err
	}
	cancelled := map[int64]bool{}
	have := map[int64]bool{}
	for _, o := range occs {
		have[o.Slot.UnixNano()] = true
		cancelled[o.Slot.UnixNano()] = o.Cancelled
	}
	for _, slot := range slots {
		if have[slot.UnixNano()] {
			continue
		}
		sess := occurrenceSession(sr, slot, now)
		won, err := w.store.AddOccurrence(ctx, notes.Occurrence{SeriesID: sr.ID, Slot: slot, SessionID: sess.ID})
		if err != nil {
			return err
		}
		if !won {
			continue // another instance made it, or it was just cancelled
		}
		prev, next := w.neighbours(sr, start, slot, cancelled)
		tasks := w.claimFromPrevious(ctx, prev, sess.ID)
		seed, err := occurrenceNotes(sess, prev, next, sr.NotesSkeleton, tasks)
		if err != nil {
			return err
		}
		if err := w.store.Append(ctx, sess.ID+"/notes", seed); err != nil {
			return fmt.Errorf("series %s: seeding occurrence %s: %w", sr.ID, slot, err)
		}
		if err := w.recordCarried(ctx, sess.ID, tasks); err != nil {
			w.log.Warn("carried tasks not recorded", "session", sess.ID, "err", err)
		}
		if err := w.store.CreateSession(ctx, sess); err != nil {
			return fmt.Errorf("series %s: occurrence %s: %w", sr.ID, slot, err)
		}
		have[slot.UnixNano()] = true
		w.log.Info("occurrence materialised", "series", sr.ID, "session", sess.ID, "slot", slot.UTC())
		w.emit(ctx, evSessionCreated, sess, 0)
	}
	return nil
}

// neighbours are the room paths of the occurrences before and after
// slot that are not cancelled ("" for none). Their ids are derived, so
// the next one is linked before it exists.
func (w *Workspace) neighbours(sr notes.Series, start, slot time.Time, cancelled map[int64]bool) (prev, next string) {
	before := sr.Rule.Between(start, start, slot)
	for i := len(before) - 1; i >= 0; i-- {
		if !cancelled[before[i].UnixNano()] && !before[i].Before(sr.CreatedAt.Add(-plannedDuration(sr.Agenda))) {
			prev = "/s/" + occurrenceID(sr.ID, before[i])
			break
		}
	}
	for t := slot; ; {
		n, ok := sr.Rule.Next(start, t)
		if !ok {
			break
		}
		if !cancelled[n.UnixNano()] {
			next = "/s/" + occurrenceID(sr.ID, n)
			break
		}
		t = n
	}
	return prev, next
}

// claimFromPrevious claims the open tasks of the occurrence at prev (a
// room path, "" for none) for a new occurrence, to (claimCarry); none
// if prev was never made or is gone. A failure is logged: the
// occurrence is made without them, and they follow when prev ends.
func (w *Workspace) claimFromPrevious(ctx context.Context, prev, to string) []carried {
	if prev == "" {
		return nil
	}
	from, err := w.store.GetSession(ctx, strings.TrimPrefix(prev, "/s/"))
	if err != nil {
		return nil
	}
	tasks, err := w.claimCarry(ctx, from, to)
	if err != nil {
		w.log.Warn("tasks not carried", "from", from.ID, "to", to, "err", err)
	}
	return tasks
}

// carryAlong carries open tasks along the series session is an
// occurrence of (if it is one): into it from the occurrence before it
// that exists (when it starts), or from it into the one after it
// (when it ends). Either is done once per task, however often it runs.
func (w *Workspace) carryAlong(ctx context.Context, session string, forward bool) {
	o, err := w.store.OccurrenceOf(ctx, session)
	if err != nil {
		return
	}
	occs, err := w.store.Occurrences(ctx, o.SeriesID)
	if err != nil {
		w.log.Warn("tasks not carried", "session", session, "err", err)
		return
	}
	var other string
	for _, x := range occs {
		if x.Cancelled || x.SessionID == "" || x.SessionID == session {
			continue
		}
		if forward && x.Slot.After(o.Slot) {
			other = x.SessionID
			break
		}
		if !forward && x.Slot.Before(o.Slot) {
			other = x.SessionID // the last one before wins
		}
	}
	if other == "" {
		return
	}
	from, to := session, other
	if !forward {
		from, to = other, session
	}
	fromSess, err := w.store.GetSession(ctx, from)
	if err == nil {
		if _, err = w.store.GetSession(ctx, to); err == nil {
			err = w.carryInto(ctx, fromSess, to)
		}
	}
	if err != nil && !errors.Is(err, notes.ErrSessionNotFound) {
		w.log.Warn("tasks not carried", "from", from, "to", to, "err", err)
	}
}
