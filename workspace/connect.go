package workspace

import (
	"context"
	"errors"
	"strconv"

	"github.com/cocreate/cocreate/notes"
)

// Connection is what a socket to one document may do, as Connect
// decided it; the edge hands it to hub.Registry.Serve.
type Connection struct {
	// ReadOnly refuses the connection's document updates.
	ReadOnly bool
	// Commands is true for a document of a session: meeting commands
	// sent on the socket go to Command.
	Commands bool
	// AllowUpdate is the person's update rate limit (nil: none).
	AllowUpdate func() bool
	// Opened and Closed record attendance; call Opened once the socket
	// is served and Closed when it ends. They never block.
	Opened, Closed func()
	// New is true when the document does not exist yet: the connection
	// creates it (the edge counts creations per address in dev mode).
	New bool
}

// Connect decides whether c may open a socket to the document doc of
// session, and how. A document of a known session runs with that
// session's roles, attendance and commands. When open is true (open dev
// mode, --public-rooms) any other name is an ad-hoc document, as with
// any y-websocket server; otherwise it is ErrNotFound. A meeting
// document needs its session in any mode, and only the server writes it.
func (w *Workspace) Connect(ctx context.Context, c Caller, session, doc string, open bool) (Connection, error) {
	if err := CheckName("session", session); err != nil {
		return Connection{}, err
	}
	if err := CheckName("doc", doc); err != nil {
		return Connection{}, err
	}
	if w.hubs.Gone(session) {
		return Connection{}, fail(ErrGone, "session_deleted", "session %s was deleted", strconv.Quote(session))
	}
	isNew, err := w.checkDocs(ctx, session, doc)
	if err != nil {
		return Connection{}, err
	}
	noop := func() {}
	conn := Connection{AllowUpdate: w.limits.updateGate(c.Subject), Opened: noop, Closed: noop, New: isNew}
	sess, err := w.store.GetSession(ctx, session)
	switch {
	case errors.Is(err, notes.ErrSessionNotFound) && doc != "meeting" && open:
		// An ad-hoc document: everyone edits, as the token says.
		role := roleIn(c, notes.Session{ID: session})
		conn.ReadOnly = role == RoleViewer
		return conn, nil
	case errors.Is(err, notes.ErrSessionNotFound):
		return Connection{}, fail(ErrNotFound, "not_found", "unknown session %s", strconv.Quote(session))
	case err != nil:
		w.log.Warn("connection refused: session lookup failed", "session", session, "err", err)
		return Connection{}, fail(ErrUnavailable, "store_unavailable", "the session store is unavailable; try again")
	}
	role, err := w.authorize(ctx, c, Read, sess)
	if err != nil {
		return Connection{}, err
	}
	if err := w.checkAttendance(sess, c); err != nil {
		return Connection{}, err
	}
	_, editErr := w.authorize(ctx, c, Edit, sess)
	// {session}/meeting is written by the server alone.
	conn.ReadOnly = editErr != nil || doc == "meeting"
	conn.Commands = true
	conn.Opened = func() { w.attend(sess, c, role, true) }
	conn.Closed = func() { w.attend(sess, c, role, false) }
	return conn, nil
}
