package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/notes"
)

// docAccess is the decision for one caller opening one live document:
// what both socket endpoints (/sync and /hocuspocus) hand the hub.
type docAccess struct {
	sess  notes.Session
	known bool // sess is a stored session (roles, attendance, commands)
	opts  hub.ConnOptions
}

// accessError is a refused document: the HTTP answer of /sync, or the
// PermissionDenied reason of /hocuspocus.
type accessError struct {
	status int
	code   string // also the refusal metric's reason where one is counted
	msg    string
}

func (e *accessError) Error() string { return e.msg }

// openDoc decides whether id may open {session}/{doc} and how: the one
// place both socket endpoints ask, so that moving the decision (to
// workspace/) is one call to swap. Its errors are *accessError.
func (s *Server) openDoc(ctx context.Context, id Identity, remote, session, doc string) (docAccess, error) {
	if !validName(session) || !validName(doc) {
		s.metrics.Refused.WithLabelValues("bad_name").Inc()
		return docAccess{}, &accessError{http.StatusBadRequest, "bad_name", fmt.Sprintf("session and doc names must be 1 to %d bytes", maxNameLen)}
	}
	if s.hubs.Gone(session) {
		return docAccess{}, &accessError{http.StatusGone, "session_deleted", "session " + strconv.Quote(session) + " was deleted"}
	}
	// A document of a known session runs with that session's roles,
	// attendance and commands. In open dev mode any other name is an
	// ad-hoc document (as with any y-websocket server); with
	// --auth-secret it is refused, and a meeting document needs its
	// session in any mode.
	sess, err := s.sessions().GetSession(ctx, session)
	known := err == nil
	switch {
	case err != nil && !errors.Is(err, notes.ErrSessionNotFound):
		// The store is failing or closing (shutdown): try again later.
		s.log.Warn("connection refused: session lookup failed", "session", session, "err", err)
		return docAccess{}, &accessError{http.StatusServiceUnavailable, "store_unavailable", "the session store is unavailable; try again"}
	case !known && (doc == "meeting" || s.cfg.AuthSecret != ""):
		s.metrics.Refused.WithLabelValues("unknown_session").Inc()
		return docAccess{}, &accessError{http.StatusNotFound, "not_found", "unknown session " + strconv.Quote(session)}
	}
	role := roleIn(id, session)
	if known {
		role = sessionRole(id, sess)
	}
	a := docAccess{sess: sess, known: known, opts: hub.ConnOptions{
		Remote:  remote,
		Subject: id.Subject,
		// {session}/meeting is written by the server alone.
		ReadOnly:    role == RoleViewer || doc == "meeting",
		ExpiresAt:   id.ExpiresAt,
		AllowUpdate: s.limits.updateGate(id.Subject),
	}}
	if known {
		a.opts.OnCommand = s.socketCommand(session, id)
	}
	return a, nil
}
