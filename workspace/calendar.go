package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cocreate/cocreate/internal/ical"
	"github.com/cocreate/cocreate/notes"
)

// defaultDuration is a session's length in calendars when its agenda
// plans no minutes.
const defaultDuration = time.Hour

// SessionCalendar returns the iCalendar feed of one session as c may
// read it: the session as an event in its own zone, or, once it is
// deleted, the same event CANCELLED (so subscribed calendars drop it).
// base is the server's origin ("https://host"), for the room's URL.
func (w *Workspace) SessionCalendar(ctx context.Context, c Caller, id, base string) ([]byte, error) {
	sess, _, err := w.session(ctx, c, Read, id)
	cancelled := false
	if errors.Is(err, ErrNotFound) {
		// Deleted: the last record, decided by the same authorize.
		tomb, _, terr := w.store.Tombstone(ctx, id)
		if terr != nil {
			if errors.Is(terr, notes.ErrTombstoneNotFound) {
				return nil, err
			}
			return nil, terr
		}
		if _, aerr := w.authorize(ctx, c, Read, tomb); aerr != nil {
			return nil, err // not readable: as if it never existed
		}
		sess, cancelled, err = tomb, true, nil
	}
	if err != nil {
		return nil, err
	}
	cal := ical.Calendar{Name: sess.Title}
	if ev, ok := sessionEvent(sess, base, w.now(), cancelled); ok {
		cal.Events = append(cal.Events, ev)
	}
	return encodeCalendar(cal, "session "+id)
}

// sessionEvent is a session as a calendar event: at its scheduled time
// in its own zone, as long as its agenda plans (an hour without one),
// SEQUENCE its count of reschedules (other edits leave it) — one more
// once it is cancelled. A session with no scheduled time has no event.
func sessionEvent(s notes.Session, base string, now time.Time, cancelled bool) (ical.Event, bool) {
	if s.ScheduledAt.IsZero() {
		return ical.Event{}, false
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC // validated when stored; a zone the database lost reads as UTC
	}
	ev := ical.Event{
		UID:         "session-" + s.ID + "@cocreate",
		Stamp:       now,
		Start:       s.ScheduledAt.In(loc),
		Duration:    plannedDuration(s.Agenda),
		Summary:     s.Title,
		Description: agendaText(s),
		URL:         base + "/s/" + s.ID,
		Sequence:    s.Sequence,
		Cancelled:   cancelled,
	}
	if cancelled {
		ev.Sequence++
	}
	return ev, true
}

// plannedDuration is the sum of the agenda's minutes, or an hour.
func plannedDuration(agenda []notes.AgendaItem) time.Duration {
	var d time.Duration
	for _, a := range agenda {
		d += time.Duration(a.Minutes) * time.Minute
	}
	if d <= 0 {
		return defaultDuration
	}
	return d
}

// agendaText is an event's description: the session's description and
// its agenda, one item a line.
func agendaText(s notes.Session) string {
	var b strings.Builder
	b.WriteString(s.Description)
	if len(s.Agenda) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("Agenda:")
		for i, a := range s.Agenda {
			fmt.Fprintf(&b, "\n%d. %s", i+1, a.Title)
			if a.Minutes > 0 {
				fmt.Fprintf(&b, " (%d min)", a.Minutes)
			}
		}
	}
	return b.String()
}

// SeriesCalendar returns the iCalendar feed of a series as c may read
// it (seriesEvents).
func (w *Workspace) SeriesCalendar(ctx context.Context, c Caller, id, base string) ([]byte, error) {
	sr, err := w.series(ctx, c, Read, id)
	if err != nil {
		return nil, err
	}
	evs, err := w.seriesEvents(ctx, sr, base)
	if err != nil {
		return nil, err
	}
	return encodeCalendar(ical.Calendar{Name: sr.Title, Events: evs}, "series "+id)
}

// SpaceCalendar returns the iCalendar feed of a space: every session in
// it the caller may read, each series in it as one recurring event, at
// most maxSpaceEvents sessions (the newest), and those deleted in the
// last TombstoneKeep CANCELLED.
func (w *Workspace) SpaceCalendar(ctx context.Context, c Caller, id, base string) ([]byte, error) {
	sp, _, err := w.authorizeSpace(ctx, c, SpaceRead, id)
	if err != nil {
		return nil, err
	}
	now := w.now()
	cal := ical.Calendar{Name: sp.Name}
	var failed error
	n := 0
	_, err = w.readable(ctx, c, "", "", func(s notes.Session, _ Role) bool {
		if s.SpaceID != sp.ID {
			return true
		}
		// Occurrences are in their series' event.
		if _, err := w.store.OccurrenceOf(ctx, s.ID); err == nil {
			return true
		} else if !errors.Is(err, notes.ErrOccurrenceNotFound) {
			failed = err
			return false
		}
		if ev, ok := sessionEvent(s, base, now, false); ok {
			cal.Events = append(cal.Events, ev)
		}
		n++
		return n < maxSpaceEvents
	})
	if err = errors.Join(err, failed); err != nil {
		return nil, err
	}
	// Sessions deleted lately, CANCELLED, so subscribed calendars drop
	// them (occurrences: in their series' event).
	tombs, err := w.store.Tombstones(ctx, sp.ID, now.Add(-TombstoneKeep), maxSpaceEvents)
	if err != nil {
		return nil, err
	}
	for _, s := range tombs {
		if _, err := w.store.OccurrenceOf(ctx, s.ID); err == nil {
			continue
		}
		if _, err := w.authorize(ctx, c, Read, s); err != nil {
			continue
		}
		if ev, ok := sessionEvent(s, base, now, true); ok {
			cal.Events = append(cal.Events, ev)
		}
	}
	all, err := w.store.AllSeries(ctx)
	if err != nil {
		return nil, err
	}
	for _, sr := range all {
		if sr.SpaceID != sp.ID {
			continue
		}
		if _, err := w.authorize(ctx, c, Read, seriesAsSession(sr)); err != nil {
			continue
		}
		evs, err := w.seriesEvents(ctx, sr, base)
		if err != nil {
			return nil, err
		}
		cal.Events = append(cal.Events, evs...)
	}
	return encodeCalendar(cal, "space "+id)
}

// maxSpaceEvents bounds the sessions of a space feed (and, apart, the
// deleted ones).
const maxSpaceEvents = 500

// TombstoneKeep is how long a deleted session's last record is kept,
// for feeds to show it CANCELLED (PruneTombstones forgets it then, and
// the session feed tokens of it).
const TombstoneKeep = 30 * 24 * time.Hour

// PruneTombstones forgets the sessions deleted more than TombstoneKeep
// ago (RunSeries' round does it).
func (w *Workspace) PruneTombstones(ctx context.Context) error {
	n, err := w.store.PruneTombstones(ctx, w.now().Add(-TombstoneKeep))
	if n > 0 {
		w.log.Info("tombstones pruned", "sessions", n)
	}
	return err
}

func encodeCalendar(cal ical.Calendar, what string) ([]byte, error) {
	b, err := cal.Encode()
	if err != nil {
		return nil, fmt.Errorf("calendar of %s: %w", what, err)
	}
	return b, nil
}

// seriesEvents is a series as calendar events: one with its RRULE in
// its zone, and an override (RECURRENCE-ID, its original start) for
// each occurrence that exists as a session (moved, renamed or
// re-planned alone) or was cancelled or deleted (STATUS:CANCELLED).
// What is due is materialised first.
func (w *Workspace) seriesEvents(ctx context.Context, sr notes.Series, base string) ([]ical.Event, error) {
	if err := w.materialise(ctx, sr, w.now()); err != nil {
		return nil, err
	}
	occs, err := w.store.Occurrences(ctx, sr.ID)
	if err != nil {
		return nil, err
	}
	now := w.now()
	loc := zoneOf(sr.TimeZone)
	uid := "series-" + sr.ID + "@cocreate"
	rule := sr.Rule
	evs := []ical.Event{{
		UID: uid, Stamp: now, Start: sr.Start.In(loc), Duration: plannedDuration(sr.Agenda),
		Summary: sr.Title, Description: agendaText(notes.Session{Description: sr.Description, Agenda: sr.Agenda}),
		URL: base + "/api/series/" + sr.ID, Rule: &rule,
	}}
	for _, o := range occs {
		ev := ical.Event{UID: uid, Stamp: now, Start: o.Slot.In(loc), RecurrenceID: o.Slot.In(loc),
			Duration: plannedDuration(sr.Agenda), Summary: sr.Title, Cancelled: true}
		if o.SessionID != "" {
			sess, err := w.store.GetSession(ctx, o.SessionID)
			switch {
			case err == nil:
				if sev, ok := sessionEvent(sess, base, now, o.Cancelled); ok {
					sev.UID, sev.RecurrenceID = uid, o.Slot.In(zoneOf(sess.TimeZone))
					ev = sev
				}
			case errors.Is(err, notes.ErrSessionNotFound):
				// Deleted: the occurrence stays cancelled.
			default:
				return nil, err
			}
		}
		evs = append(evs, ev)
	}
	return evs, nil
}
