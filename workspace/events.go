package workspace

import (
	"context"

	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
)

// Emitter takes the events webhooks are told of (webhook.Dispatcher):
// it stores them for delivery and returns at once.
type Emitter interface {
	Emit(ctx context.Context, ev webhook.Event) (string, error)
}

// SessionEventData is the "data" of a session.* or notes.* event: ids
// and links (paths on this server) to the session.
type SessionEventData struct {
	SessionID string            `json:"session_id"`
	Title     string            `json:"title"`
	State     string            `json:"state"`
	Version   int               `json:"version,omitempty"`
	Links     map[string]string `json:"links"`
}

// emit tells the webhooks of sess's space that typ happened to it.
// Events are stored before emit returns, so once stored none is lost;
// a failure to store one is logged and does not undo what happened
// (the event is then missing, not the change).
//
// When an occurrence of a series ends, the series' next occurrence is
// made at once if it does not exist yet, and the open tasks of the one
// that ended are carried into it; when one starts, those of the one
// before it (carryAlong).
func (w *Workspace) emit(ctx context.Context, typ string, sess notes.Session, version int) {
	switch typ {
	case evSessionStarted:
		w.carryAlong(ctx, sess.ID, false)
	case evSessionEnded:
		w.advanceSeries(ctx, sess.ID)
		w.carryAlong(ctx, sess.ID, true)
	}
	if w.cfg.Webhooks == nil || sess.SpaceID == "" {
		return
	}
	data := SessionEventData{
		SessionID: sess.ID, Title: sess.Title, State: sess.State, Version: version,
		Links: map[string]string{
			"room":     "/s/" + sess.ID,
			"notes":    "/notes/" + sess.ID,
			"api":      "/api/sessions/" + sess.ID,
			"calendar": "/api/sessions/" + sess.ID + "/calendar.ics",
		},
	}
	if _, err := w.cfg.Webhooks.Emit(ctx, webhook.Event{Type: typ, SpaceID: sess.SpaceID, Data: data}); err != nil {
		w.log.Warn("webhook event not stored", "session", sess.ID, "event", typ, "err", err)
	}
}

// The events the workspace emits, by their webhook names.
const (
	evSessionCreated = webhook.SessionCreated
	evSessionUpdated = webhook.SessionUpdated
	evSessionStarted = webhook.SessionStarted
	evSessionEnded   = webhook.SessionEnded
	evSessionDeleted = webhook.SessionDeleted
	evNotesVersion   = webhook.NotesVersionCreated
)

// advanceSeries materialises what is due of the series session belongs
// to, if any.
func (w *Workspace) advanceSeries(ctx context.Context, session string) {
	o, err := w.store.OccurrenceOf(ctx, session)
	if err != nil {
		return // not an occurrence (or the store is failing: the background round retries)
	}
	sr, err := w.store.GetSeries(ctx, o.SeriesID)
	if err == nil {
		err = w.materialise(ctx, sr, w.now())
	}
	if err != nil {
		w.log.Warn("series not advanced", "series", o.SeriesID, "session", session, "err", err)
	}
}
