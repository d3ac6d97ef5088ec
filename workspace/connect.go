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
// session, and how. A document of a known session runs with the
// caller's role in it (authorize: ErrNotFound if they may not read the
// session), attendance and commands; a person who may read but not
// edit the session may open only documents that exist (ErrForbidden
// otherwise), so they cannot create one. A meeting document needs its
// session in any mode, and only the server writes it.
//
// When open is true (--public-rooms) any other name is an open document
// anyone may read and write, as with the plain y-websocket server;
// doc "" is a room name without a slash, which is only ever open.
// Otherwise an unknown session is ErrNotFound, with how to make one.
func (w *Workspace) Connect(ctx context.Context, c Caller, session, doc string, open bool) (Connection, error) {
	noop := func() {}
	conn := Connection{AllowUpdate: w.limits.updateGate(c.Subject), Opened: noop, Closed: noop}
	if err := CheckName("room", session); err != nil {
		return Connection{}, err
	}
	if doc == "" {
		if !open {
			return Connection{}, noRoom(session)
		}
		return conn, nil
	}
	if err := CheckName("doc", doc); err != nil {
		return Connection{}, err
	}
	if w.hubs.Gone(session) {
		return Connection{}, fail(ErrGone, "session_deleted", "session %s was deleted", strconv.Quote(session))
	}
	sess, err := w.store.GetSession(ctx, session)
	switch {
	case errors.Is(err, notes.ErrSessionNotFound) && doc != "meeting" && open:
		conn.New, err = w.checkDocs(ctx, session, doc)
		return conn, err
	case errors.Is(err, notes.ErrSessionNotFound):
		return Connection{}, noRoom(session + "/" + doc)
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
	// Counted only now, so a quota says nothing of what the caller may
	// not read.
	if conn.New, err = w.checkDocs(ctx, session, doc); err != nil {
		return Connection{}, err
	}
	// {session}/notes and {session}/meeting are every session's own.
	if editErr != nil && conn.New && doc != "meeting" && doc != "notes" {
		return Connection{}, fail(ErrForbidden, "forbidden", "document %s does not exist in this session, and role %s may not create it", strconv.Quote(doc), role)
	}
	// Counted (and capped) only for who may create documents here.
	if conn.New, err = w.checkDocs(ctx, session, doc); err != nil {
		return Connection{}, err
	}
	// {session}/meeting is written by the server alone.
	conn.ReadOnly = editErr != nil || doc == "meeting"
	conn.Commands = true
	conn.Opened = func() { w.attend(sess, c, role, true) }
	conn.Closed = func() { w.attend(sess, c, role, false) }
	return conn, nil
}

// noRoom is the answer for a room name that is no session's document
// without --public-rooms.
func noRoom(name string) *Error {
	return fail(ErrNotFound, "not_found", "no session document %s (or you may not see it): create a session with POST /api/sessions and connect to /sync/{session id}/notes, "+
		"ask its host for an invite link, or start the server with --public-rooms to make any other room name an open document", strconv.Quote(name))
}
