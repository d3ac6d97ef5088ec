package workspace

import (
	"context"
	"fmt"
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
// guest identity in open dev mode), never trusted further than that.
type Caller struct {
	// Subject is the stable id (a token's sub, or "guest:<uuid>").
	Subject string
	// Name is the display name.
	Name string
	// Guest is true for open-dev-mode guests.
	Guest bool
	// Roles are the token's grants, by session id: the platform's word,
	// which overrides what is stored for this caller.
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

// roleIn is the caller's role in sess: the host, else a role stored on
// the session, else the token's grant, else member. (Issue 12 makes the
// token's grant override what is stored, both ways.)
func roleIn(c Caller, sess notes.Session) Role {
	if sess.Host != "" && sess.Host == c.Subject {
		return RoleHost
	}
	if r, ok := sess.Roles[c.Subject]; ok {
		return r
	}
	if r, ok := c.Roles[sess.ID]; ok {
		return r
	}
	return RoleMember
}

// allows lists the roles that may do each action.
var allows = map[Action][]Role{
	Read:   {RoleHost, RoleCoHost, RoleMember, RoleViewer},
	Edit:   {RoleHost, RoleCoHost, RoleMember},
	Run:    {RoleHost, RoleCoHost},
	Delete: {RoleHost},
}

// authorize is the one access decision: every use case calls it first,
// with the session it acts on, and gets the caller's role in it or an
// *Error (ErrForbidden; later ErrNotFound for what the caller may not
// read). ctx is for the lookups a richer access model will need
// (spaces, memberships).
func (w *Workspace) authorize(_ context.Context, c Caller, a Action, sess notes.Session) (Role, error) {
	r := roleIn(c, sess)
	for _, ok := range allows[a] {
		if r == ok {
			return r, nil
		}
	}
	return r, fail(ErrForbidden, "forbidden", "role %s may not %s this session; it needs one of %v", r, a, allows[a])
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

// checkRole validates a role named by a caller.
func checkRole(r Role, what string) error {
	if !meeting.ValidRole(r) {
		return fail(ErrInvalid, "bad_role", "%s: %q is not host, cohost, member or viewer", what, r)
	}
	return nil
}

// CheckTokenRoles validates the roles a token grants (session id →
// role), as the edge mints and verifies them.
func CheckTokenRoles(roles map[string]Role) error {
	for session, r := range roles {
		if err := CheckName("roles: session id", session); err != nil {
			return err
		}
		if err := checkRole(r, fmt.Sprintf("roles: session %q", session)); err != nil {
			return err
		}
	}
	return nil
}
