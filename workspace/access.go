package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// RoleNone, as a token's grant, revokes: the caller has no role in that
// session or space, whatever is stored.
const RoleNone Role = "none"

// The space roles (notes.SpaceOwner…), most powerful first.
const (
	SpaceOwner  = notes.SpaceOwner
	SpaceAdmin  = notes.SpaceAdmin
	SpaceMember = notes.SpaceMember
	SpaceViewer = notes.SpaceViewer
)

// spaceRoles are the space roles, most powerful first.
var spaceRoles = []string{SpaceOwner, SpaceAdmin, SpaceMember, SpaceViewer}

// sessionRoleOf maps a space role to the role it gives in the space's
// sessions of visibility space or public: owners and admins run them.
var sessionRoleOf = map[string]Role{SpaceOwner: RoleCoHost, SpaceAdmin: RoleCoHost, SpaceMember: RoleMember, SpaceViewer: RoleViewer}

// sessionRoles are the session roles, most powerful first.
var sessionRoles = []Role{RoleHost, RoleCoHost, RoleMember, RoleViewer}

// stronger reports whether session role a gives more than b ("" gives
// nothing).
func stronger(a, b Role) bool {
	ia, ib := slices.Index(sessionRoles, a), slices.Index(sessionRoles, b)
	return ia >= 0 && (ib < 0 || ia < ib)
}

// spaceRank orders space roles ("" and unknown last).
func spaceRank(r string) int {
	if i := slices.Index(spaceRoles, r); i >= 0 {
		return i
	}
	return len(spaceRoles)
}

// spaceRole is the caller's role in a space: the token's grant for the
// space when it has one (RoleNone or a session role there: none), else
// the stored membership; "" for none.
func (w *Workspace) spaceRole(ctx context.Context, c Caller, space string) (string, error) {
	if r, ok := c.Roles[space]; ok {
		if slices.Contains(spaceRoles, string(r)) {
			return string(r), nil
		}
		return "", nil
	}
	r, err := w.store.MemberRole(ctx, space, c.Subject)
	if errors.Is(err, notes.ErrNotMember) {
		return "", nil
	}
	return r, err
}

// roleIn is the caller's role in sess ("" for none), the first of: the
// token's grant for the session (RoleNone: none); the session's host; a
// role stored on the session (given by role.set or a session invite);
// else the caller's role in its space unless the session is private
// (sessionRoleOf; the token's grant for the space first), and for a
// public session at least viewer.
func (w *Workspace) roleIn(ctx context.Context, c Caller, sess notes.Session) (Role, error) {
	if r, ok := c.Roles[sess.ID]; ok {
		if r == RoleNone || !meeting.ValidRole(r) {
			return "", nil
		}
		return r, nil
	}
	if sess.Host != "" && sess.Host == c.Subject {
		return RoleHost, nil
	}
	// A role given in the session (role.set, a session invite) decides
	// over the space's.
	if r, ok := sess.Roles[c.Subject]; ok {
		return r, nil
	}
	var best Role
	if sess.Visibility != notes.VisibilityPrivate && sess.SpaceID != "" {
		sr, err := w.spaceRole(ctx, c, sess.SpaceID)
		if err != nil {
			return "", err
		}
		if r := sessionRoleOf[sr]; stronger(r, best) {
			best = r
		}
	}
	if sess.Visibility == notes.VisibilityPublic && stronger(RoleViewer, best) {
		best = RoleViewer
	}
	return best, nil
}

// allows lists the roles that may do each action.
var allows = map[Action][]Role{
	Read:   {RoleHost, RoleCoHost, RoleMember, RoleViewer},
	Edit:   {RoleHost, RoleCoHost, RoleMember},
	Run:    {RoleHost, RoleCoHost},
	Delete: {RoleHost},
}

// notFound is the answer for what the caller may not read: it does not
// say whether it exists.
func notFound(what, id string) *Error {
	return fail(ErrNotFound, "not_found", "no %s %s, or you may not see it: ask its host for an invite link", what, strconv.Quote(id))
}

// authorize is the one access decision on a session: every use case
// calls it first, with the session it acts on, and gets the caller's
// role in it, or ErrNotFound when the caller may not read the session
// (its existence is not revealed), or ErrForbidden when they may read
// it but not do a.
func (w *Workspace) authorize(ctx context.Context, c Caller, a Action, sess notes.Session) (Role, error) {
	r, err := w.roleIn(ctx, c, sess)
	if err != nil {
		return "", fmt.Errorf("role in session %s: %w", sess.ID, err)
	}
	if r == "" {
		return "", notFound("session", sess.ID)
	}
	if slices.Contains(allows[a], r) {
		return r, nil
	}
	return r, fail(ErrForbidden, "forbidden", "role %s may not %s this session; it needs one of %v", r, a, allows[a])
}

// SpaceAction is what a caller wants to do to a space.
type SpaceAction int

// The space actions authorizeSpace decides.
const (
	// SpaceRead: see the space and its members.
	SpaceRead SpaceAction = iota
	// SpaceWrite: create sessions in it.
	SpaceWrite
	// SpaceManage: rename it, change its members, invite.
	SpaceManage
	// SpaceDelete: delete it with all its sessions.
	SpaceDelete
)

func (a SpaceAction) String() string {
	return [...]string{"read", "create sessions in", "manage", "delete"}[a]
}

// spaceAllows lists the space roles that may do each space action.
var spaceAllows = map[SpaceAction][]string{
	SpaceRead:   {SpaceOwner, SpaceAdmin, SpaceMember, SpaceViewer},
	SpaceWrite:  {SpaceOwner, SpaceAdmin, SpaceMember},
	SpaceManage: {SpaceOwner, SpaceAdmin},
	SpaceDelete: {SpaceOwner},
}

// authorizeSpace is authorize for a space: it loads the space and
// returns it with the caller's role, ErrNotFound if the caller is not a
// member (or it does not exist), ErrForbidden if their role may not do a.
func (w *Workspace) authorizeSpace(ctx context.Context, c Caller, a SpaceAction, id string) (notes.Space, string, error) {
	if err := CheckName("space id", id); err != nil {
		return notes.Space{}, "", err
	}
	sp, err := w.store.GetSpace(ctx, id)
	if errors.Is(err, notes.ErrSpaceNotFound) {
		return notes.Space{}, "", notFound("space", id)
	}
	if err != nil {
		return notes.Space{}, "", err
	}
	r, err := w.spaceRole(ctx, c, id)
	if err != nil {
		return notes.Space{}, "", fmt.Errorf("role in space %s: %w", id, err)
	}
	if r == "" {
		return notes.Space{}, "", notFound("space", id)
	}
	if !slices.Contains(spaceAllows[a], r) {
		return sp, r, fail(ErrForbidden, "forbidden", "space role %s may not %s this space; it needs one of %v", r, a, spaceAllows[a])
	}
	return sp, r, nil
}

// checkRole validates a session role named by a caller.
func checkRole(r Role, what string) error {
	if !meeting.ValidRole(r) {
		return fail(ErrInvalid, "bad_role", "%s: %q is not host, cohost, member or viewer", what, r)
	}
	return nil
}

// CheckTokenRoles validates the roles a token grants: each key a
// session or space id, each value a session role (host, cohost, member,
// viewer), a space role (owner, admin, member, viewer) or none. A value
// that is not a role of the kind of object its key names grants nothing
// there.
func CheckTokenRoles(roles map[string]Role) error {
	for id, r := range roles {
		if err := CheckName("roles: id", id); err != nil {
			return err
		}
		if !meeting.ValidRole(r) && !slices.Contains(spaceRoles, string(r)) && r != RoleNone {
			return fail(ErrInvalid, "bad_role", "roles: %q: %q is not a session role (host, cohost, member, viewer), a space role (owner, admin, member, viewer) or none", id, r)
		}
	}
	return nil
}
