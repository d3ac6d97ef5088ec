package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// SessionInput is what a caller gives to create or change a session;
// on a change, nil fields are left as stored.
type SessionInput struct {
	Title       *string             `json:"title"`
	Description *string             `json:"description"`
	ScheduledAt *time.Time          `json:"scheduled_at"`
	TimeZone    *string             `json:"time_zone"`
	Agenda      *[]notes.AgendaItem `json:"agenda"`
	// SeedNotes (create only, default true) seeds {id}/notes with the
	// title and agenda as headings, once.
	SeedNotes *bool `json:"seed_notes"`
	// SpaceID (create only) is the space the session goes into; the
	// caller must be an owner, admin or member there. Omitted, the
	// session gets a new space of its own, owned by the caller (as
	// sessions made before spaces were migrated).
	SpaceID *string `json:"space_id"`
	// Visibility is space (the default), private or public.
	Visibility *string `json:"visibility"`
}

// change is the narrow change of a PATCH: the given fields, validated.
func (in *SessionInput) change(s *notes.Session) error {
	before := *s
	in.apply(s)
	if rescheduled(before, *s) {
		s.Sequence++
	}
	return s.Validate()
}

// rescheduled reports that a session's time changed: its start, zone
// or planned duration (what calendars must be told again).
func rescheduled(a, b notes.Session) bool {
	return !a.ScheduledAt.Equal(b.ScheduledAt) || a.TimeZone != b.TimeZone || plannedDuration(a.Agenda) != plannedDuration(b.Agenda)
}

// apply sets the given fields.
func (in *SessionInput) apply(s *notes.Session) {
	if in.Title != nil {
		s.Title = *in.Title
	}
	if in.Description != nil {
		s.Description = *in.Description
	}
	if in.ScheduledAt != nil {
		s.ScheduledAt = in.ScheduledAt.UTC()
	}
	if in.TimeZone != nil {
		s.TimeZone = *in.TimeZone
	}
	if in.Agenda != nil {
		s.Agenda = *in.Agenda
	}
	if in.Visibility != nil {
		s.Visibility = *in.Visibility
	}
}

// SessionView is a session as one caller sees it.
type SessionView struct {
	notes.Session
	// MyRole is the caller's role in the session.
	MyRole Role `json:"my_role"`
}

func view(s notes.Session, r Role) SessionView {
	if s.Visibility == "" {
		s.Visibility = notes.VisibilitySpace
	}
	return SessionView{Session: s, MyRole: r}
}

// viewFor is view for c, without the id of a space c may not read (a
// public session's reader, a person given a role in one session only).
func (w *Workspace) viewFor(ctx context.Context, c Caller, s notes.Session, r Role) SessionView {
	if sr, err := w.spaceRole(ctx, c, s.SpaceID); err != nil || sr == "" {
		s.SpaceID = ""
	}
	return view(s, r)
}

// CreateSession creates a session hosted by c, in the space in names
// (or a new one of its own).
func (w *Workspace) CreateSession(ctx context.Context, c Caller, in SessionInput) (SessionView, error) {
	sess := notes.Session{
		ID:         uuid.NewString(),
		Host:       c.Subject,
		State:      notes.StateScheduled,
		CreatedAt:  w.now().UTC(),
		Agenda:     []notes.AgendaItem{},
		Roles:      map[string]Role{c.Subject: RoleHost},
		Visibility: notes.VisibilitySpace,
	}
	in.apply(&sess)
	if err := sess.Validate(); err != nil {
		return SessionView{}, classify(err)
	}
	space, err := w.spaceFor(ctx, c, in.SpaceID, sess.Title)
	if err != nil {
		return SessionView{}, err
	}
	sess.SpaceID = space
	if in.SpaceID != nil { // a new space of its own has no sessions yet
		if err := w.checkSpaceSessions(ctx, space); err != nil {
			return SessionView{}, err
		}
	}
	if in.SeedNotes == nil || *in.SeedNotes {
		// Seeded before the record exists, so nobody can open the notes
		// document first; a failed create leaves an orphan seed only
		// under a fresh uuid nobody knows.
		seed, err := notes.NotesTemplate(sess)
		if err != nil {
			return SessionView{}, err
		}
		if err := w.store.Append(ctx, sess.ID+"/notes", seed); err != nil {
			return SessionView{}, err
		}
	}
	if err := w.store.CreateSession(ctx, sess); err != nil {
		return SessionView{}, err
	}
	w.log.Info("session created", "session", sess.ID, "space", sess.SpaceID, "host", sess.Host)
	w.emit(ctx, evSessionCreated, sess, 0)
	return view(sess, RoleHost), nil
}

// ListOptions filter and page ListSessions.
type ListOptions struct {
	notes.ListOptions
	// SpaceID, if set, keeps only that space's sessions.
	SpaceID string
}

// SessionList is one page of ListSessions.
type SessionList struct {
	Sessions      []SessionView `json:"sessions"`
	NextPageToken string        `json:"next_page_token,omitempty"`
}

// ListSessions lists the sessions the caller may read, newest first.
func (w *Workspace) ListSessions(ctx context.Context, c Caller, opts ListOptions) (SessionList, error) {
	switch opts.State {
	case "", notes.StateScheduled, notes.StateLive, notes.StateEnded:
	default:
		return SessionList{}, fail(ErrInvalid, "bad_state", "state must be scheduled, live or ended, not %q", opts.State)
	}
	if opts.Limit < 0 || opts.Limit > 200 {
		return SessionList{}, fail(ErrInvalid, "bad_limit", "limit must be an integer from 1 to 200")
	}
	if opts.SpaceID != "" {
		if _, _, err := w.authorizeSpace(ctx, c, SpaceRead, opts.SpaceID); err != nil {
			return SessionList{}, err
		}
	}
	limit := opts.Limit
	if limit == 0 {
		limit = 50
	}
	out := SessionList{Sessions: []SessionView{}}
	next, err := w.readable(ctx, c, opts.State, opts.PageToken, func(s notes.Session, r Role) bool {
		if opts.SpaceID == "" || s.SpaceID == opts.SpaceID {
			out.Sessions = append(out.Sessions, w.viewFor(ctx, c, s, r))
		}
		return len(out.Sessions) < limit
	})
	out.NextPageToken = next
	return out, err
}

// GetSession returns one session.
func (w *Workspace) GetSession(ctx context.Context, c Caller, id string) (SessionView, error) {
	sess, r, err := w.session(ctx, c, Read, id)
	if err != nil {
		return SessionView{}, err
	}
	return w.viewFor(ctx, c, sess, r), nil
}

// UpdateSession changes the fields in gives, and only those: a
// concurrent start or role change survives it.
func (w *Workspace) UpdateSession(ctx context.Context, c Caller, id string, in SessionInput) (SessionView, error) {
	_, r, err := w.session(ctx, c, Run, id)
	if err != nil {
		return SessionView{}, err
	}
	if in.SeedNotes != nil || in.SpaceID != nil {
		return SessionView{}, fail(ErrInvalid, "bad_field", "seed_notes and space_id are only accepted on create")
	}
	sess, err := w.store.UpdateSession(ctx, id, in.change)
	if err != nil {
		return SessionView{}, classify(err)
	}
	if in.Visibility != nil {
		w.refreshAccess(ctx, []notes.Session{sess}, "")
	}
	w.emit(ctx, evSessionUpdated, sess, 0)
	return w.viewFor(ctx, c, sess, r), nil
}

// DeleteSession deletes the session and all its documents: its live
// connections on every instance are closed (1008 "session deleted"),
// its hubs store and unload, later connections and commands are
// refused, and then the record and every document are deleted.
func (w *Workspace) DeleteSession(ctx context.Context, c Caller, id string) error {
	sess, _, err := w.session(ctx, c, Delete, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return w.deleteSession(ctx, sess.ID)
}

// deleteSession deletes an authorized session.
func (w *Workspace) deleteSession(ctx context.Context, id string) error {
	if err := w.hubs.DeleteSession(ctx, id); err != nil {
		return fmt.Errorf("delete session %s: closing its documents: %w", id, err)
	}
	// The last record is kept first, so calendar feeds can cancel the
	// event; a tombstone of a session whose delete then fails is never
	// read.
	sess, err := w.store.GetSession(ctx, id)
	if err != nil {
		return classify(err)
	}
	if err := w.store.PutTombstone(ctx, sess, w.now()); err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	if err := w.store.DeleteSession(ctx, id); err != nil {
		return classify(err)
	}
	w.meetings.forget(id)
	w.log.Info("session deleted", "session", id)
	w.emit(ctx, evSessionDeleted, sess, 0)
	return nil
}

// SetState starts or ends the session (the session.start and
// session.end commands) and returns the record after it.
func (w *Workspace) SetState(ctx context.Context, c Caller, id, state string) (SessionView, error) {
	sess, role, err := w.session(ctx, c, Run, id)
	if err != nil {
		return SessionView{}, err
	}
	typ := map[string]string{notes.StateLive: "session.start", notes.StateEnded: "session.end"}[state]
	if typ == "" {
		return SessionView{}, fail(ErrInvalid, "bad_state", "a session can be started or ended, not set to %q", state)
	}
	if _, err := w.command(ctx, c, sess, role, meeting.Command{Type: typ}); err != nil {
		if e, ok := err.(*Error); ok && e.Code == "conflict" {
			e.Code = "invalid_transition"
		}
		return SessionView{}, err
	}
	return w.GetSession(ctx, c, id)
}
