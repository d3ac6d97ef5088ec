package workspace

import (
	"context"
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
