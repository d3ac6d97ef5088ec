package workspace

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// checkAttendance refuses c a connection to sess when the session's
// attendance already lists Config.MaxAttendance people and c is not one
// of them (ErrQuota, attendance_full): fresh guest cookies cannot pad a
// session's record without bound. An unreadable meeting document is not
// a refusal here; the connection's own attendance fails the same way.
func (w *Workspace) checkAttendance(sess notes.Session, c Caller) error {
	max := w.cfg.MaxAttendance
	if max <= 0 {
		return nil
	}
	var n int
	var listed bool
	err := w.hubs.Do(sess.ID+"/meeting", func(d *crdt.Doc) error {
		n, listed = meeting.Attendance(d, c.Subject)
		return nil
	})
	if err != nil || listed || n < max {
		return nil
	}
	return fail(ErrQuota, "attendance_full", "session %s has %d people in its attendance, the most allowed (--max-attendance)", strconv.Quote(sess.ID), n)
}

// checkDocs reports whether session/doc is a new document (neither
// stored nor loaded), and refuses it (ErrQuota, too_many_documents) when
// the session already has Config.MaxDocsPerSession documents.
func (w *Workspace) checkDocs(ctx context.Context, session, doc string) (bool, error) {
	prefix, name := session+"/", session+"/"+doc
	docs := w.hubs.Docs(prefix)
	if slices.Contains(docs, name) {
		return false, nil
	}
	stored, err := w.store.Docs(ctx, prefix)
	if err != nil {
		w.log.Warn("connection refused: listing documents failed", "session", session, "err", err)
		return false, fail(ErrUnavailable, "store_unavailable", "the document store is unavailable; try again")
	}
	if slices.Contains(stored, name) {
		return false, nil
	}
	for _, d := range stored {
		if !slices.Contains(docs, d) {
			docs = append(docs, d)
		}
	}
	if max := w.cfg.MaxDocsPerSession; max > 0 && len(docs) >= max {
		return true, fail(ErrQuota, "too_many_documents", "session %s has %d documents, the most allowed (--max-docs-per-session); open one of them instead", strconv.Quote(session), len(docs))
	}
	return true, nil
}

// checkSpaceSessions refuses one more session in space (ErrQuota,
// too_many_sessions) when Config.MaxSessionsPerSpaceHour sessions were
// created in it in the last hour. Only CreateSession asks: a series'
// occurrences are the server's own and are never refused. Two creations
// at the same moment may both pass, so a space can go over by the
// number of concurrent requests; the quota bounds spam, not exact counts.
func (w *Workspace) checkSpaceSessions(ctx context.Context, space string) error {
	max := w.cfg.MaxSessionsPerSpaceHour
	if max <= 0 {
		return nil
	}
	n, err := w.store.CountSpaceSessions(ctx, space, w.now().Add(-time.Hour))
	if err != nil {
		w.log.Warn("session refused: counting the space's sessions failed", "space", space, "err", err)
		return fail(ErrUnavailable, "store_unavailable", "the session store is unavailable; try again")
	}
	if n >= max {
		return fail(ErrQuota, "too_many_sessions", "space %s had %d sessions created in the last hour, the most allowed (--max-sessions-per-space-hour); try again later or use another space", strconv.Quote(space), n)
	}
	return nil
}

// checkSpaces refuses c a new space (ErrQuota, too_many_spaces) when c
// already owns Config.MaxSpacesPerPerson: a session or series created
// without space_id makes a space, so this also bounds those.
func (w *Workspace) checkSpaces(ctx context.Context, c Caller) error {
	max := w.cfg.MaxSpacesPerPerson
	if max <= 0 {
		return nil
	}
	ms, err := w.store.SpacesOf(ctx, c.Subject)
	if err != nil {
		return err
	}
	owned := 0
	for _, m := range ms {
		if m.Role == SpaceOwner {
			owned++
		}
	}
	if owned >= max {
		return fail(ErrQuota, "too_many_spaces", "you own %d spaces, the most allowed (--max-spaces-per-person); create the session in one of them (space_id) or delete a space you no longer use", owned)
	}
	return nil
}

// checkInvites makes room for one more invite in space: when the space
// keeps Config.MaxInvitesPerSpace invites, the dead ones (expired or
// used up; their links would only say so) are dropped, and if as many
// are still live the new one is refused (ErrQuota, too_many_invites).
// Two creations at the same moment may both pass; the bound is on
// spam, not an exact count.
func (w *Workspace) checkInvites(ctx context.Context, space string) error {
	max := w.cfg.MaxInvitesPerSpace
	if max <= 0 {
		return nil
	}
	invs, err := w.store.Invites(ctx, space)
	if err != nil || len(invs) < max {
		return err
	}
	now, live := w.now(), 0
	for _, inv := range invs {
		if inv.Uses < inv.MaxUses && inv.ExpiresAt.After(now) {
			live++
			continue
		}
		if err := w.store.DeleteInvite(ctx, inv.Code); err != nil && !errors.Is(err, notes.ErrInviteNotFound) {
			return err
		}
	}
	if live >= max {
		return fail(ErrQuota, "too_many_invites", "space %s has %d open invites, the most allowed (--max-invites-per-space); revoke some (DELETE /api/invites/{code}) or let them expire", strconv.Quote(space), live)
	}
	return nil
}
