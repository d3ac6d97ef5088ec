package server

import (
	"context"
	"fmt"

	"github.com/cocreate/cocreate/hub"
)

// docAccess is the decision for one caller opening one live document:
// what both socket endpoints (/sync and /hocuspocus) hand the hub.
type docAccess struct {
	opts hub.ConnOptions
	// commands is true for a document of a session (meeting commands
	// on the socket go to the workspace).
	commands bool
	// opened and closed record attendance around the hub's Serve.
	opened, closed func()
}

// openDoc asks the workspace whether id may open {session}/{doc} and
// how (workspace.Connect), and turns the answer into the hub's
// connection options: the one place both socket endpoints ask. Its
// errors are the workspace's (answerOf maps them); a refusal is
// counted under its code.
func (s *Server) openDoc(ctx context.Context, id Identity, remote, session, doc string) (docAccess, error) {
	// A Hocuspocus document's token is read here, after the upgrade: its
	// profile too.
	id, err := s.ws.Resolve(ctx, id)
	if err != nil {
		return docAccess{}, fmt.Errorf("profile: %w", err)
	}
	conn, err := s.ws.Connect(ctx, id, session, doc, s.cfg.PublicRooms)
	if err == nil {
		// The quotas (quota.go), once access is decided.
		err = s.admitDoc(remote, conn.New)
	}
	if err != nil {
		_, body := answerOf(err)
		s.metrics.Refused.WithLabelValues(body.Code).Inc()
		return docAccess{}, err
	}
	a := docAccess{
		opts: hub.ConnOptions{
			Remote:      remote,
			Subject:     id.Subject,
			ReadOnly:    conn.ReadOnly,
			ExpiresAt:   id.ExpiresAt,
			AllowUpdate: conn.AllowUpdate,
			// Presence shows who this is, whatever the client claims.
			User: hub.User{Name: id.Name, Color: id.Color},
		},
		commands: conn.Commands,
		opened:   conn.Opened,
		closed:   conn.Closed,
	}
	if conn.Commands {
		a.opts.OnCommand = s.socketCommand(session, id)
	}
	return a, nil
}
