package workspace

import (
	"context"
	"time"

	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// Role is what a person may do in a session: the one role type, shared
// with the meeting state machine and the stored session records.
type Role = meeting.Role

// The session roles, most powerful first.
const (
	RoleHost   = meeting.RoleHost
	RoleCoHost = meeting.RoleCoHost
	RoleMember = meeting.RoleMember
	RoleViewer = meeting.RoleViewer
)

// Caller is who asks: authenticated by the edge (a verified token, or a
// guest identity in guest mode), never trusted further than that; its
// Name and Color are their profile's once Resolve has run.
type Caller struct {
	// Subject is the stable id (a token's sub, or "guest:<uuid>").
	Subject string
	// Name is the display name.
	Name string
	// Guest is true for open-dev-mode guests.
	Guest bool
	// Color is the caller's colour (#rrggbb), from their profile.
	Color string
	// Roles are the token's grants, by session id (a session role) or
	// space id (a space role), or RoleNone: the platform's word, which
	// overrides what is stored for this caller (access.go).
	Roles map[string]Role
	// ExpiresAt is when the caller's token expires (zero for guests).
	ExpiresAt time.Time
}

// Action is what a caller wants to do to a session.
type Action int

// The actions authorize decides.
const (
	// Read: see the session, its documents, notes, versions; join it.
	Read Action = iota
	// Edit: change its documents (a read-only connection otherwise).
	Edit
	// Run: run the meeting and change the record (PATCH, start, end,
	// named versions).
	Run
	// Delete: delete the session and everything of it.
	Delete
)

func (a Action) String() string {
	return [...]string{"read", "edit", "run", "delete"}[a]
}

// session loads a session and authorizes a on it: the top of every use
// case that acts on one session.
func (w *Workspace) session(ctx context.Context, c Caller, a Action, id string) (notes.Session, Role, error) {
	if err := CheckName("session id", id); err != nil {
		return notes.Session{}, "", err
	}
	sess, err := w.store.GetSession(ctx, id)
	if err != nil {
		return sess, "", classify(err)
	}
	r, err := w.authorize(ctx, c, a, sess)
	return sess, r, err
}
