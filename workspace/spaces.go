package workspace

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes"
)

// SpaceView is a space as one caller sees it.
type SpaceView struct {
	notes.Space
	// MyRole is the caller's role in the space.
	MyRole string `json:"my_role"`
}

// MemberView is a member of a space with the name and colour of their
// profile.
type MemberView struct {
	Subject string `json:"subject"`
	Role    string `json:"role"`
	Name    string `json:"name"`
	Color   string `json:"color"`
}

// SpaceInput is the body of creating or renaming a space.
type SpaceInput struct {
	Name string `json:"name"`
}

// createSpace stores a new space owned by c.
func (w *Workspace) createSpace(ctx context.Context, c Caller, name string) (notes.Space, error) {
	if err := CheckText("name", name, MaxTitle); err != nil {
		return notes.Space{}, err
	}
	if err := w.checkSpaces(ctx, c); err != nil {
		return notes.Space{}, err
	}
	sp := notes.Space{ID: uuid.NewString(), Name: name, CreatedAt: w.now().UTC()}
	if err := w.store.CreateSpace(ctx, sp, c.Subject); err != nil {
		return notes.Space{}, err
	}
	w.log.Info("space created", "space", sp.ID, "owner", c.Subject)
	return sp, nil
}

// CreateSpace creates a space owned by the caller.
func (w *Workspace) CreateSpace(ctx context.Context, c Caller, in SpaceInput) (SpaceView, error) {
	sp, err := w.createSpace(ctx, c, in.Name)
	if err != nil {
		return SpaceView{}, err
	}
	return SpaceView{Space: sp, MyRole: SpaceOwner}, nil
}

// ListSpaces lists the spaces the caller is a member of (and those the
// token grants a space role in).
func (w *Workspace) ListSpaces(ctx context.Context, c Caller) ([]SpaceView, error) {
	ms, err := w.store.SpacesOf(ctx, c.Subject)
	if err != nil {
		return nil, err
	}
	out := []SpaceView{}
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.ID] = true
		if r, err := w.spaceRole(ctx, c, m.ID); err == nil && r != "" {
			out = append(out, SpaceView{Space: m.Space, MyRole: r})
		}
	}
	for id := range c.Roles {
		if seen[id] {
			continue
		}
		if sp, r, err := w.authorizeSpace(ctx, c, SpaceRead, id); err == nil {
			out = append(out, SpaceView{Space: sp, MyRole: r})
		}
	}
	return out, nil
}

// GetSpace returns one space.
func (w *Workspace) GetSpace(ctx context.Context, c Caller, id string) (SpaceView, error) {
	sp, r, err := w.authorizeSpace(ctx, c, SpaceRead, id)
	return SpaceView{Space: sp, MyRole: r}, err
}

// RenameSpace renames a space (owner or admin).
func (w *Workspace) RenameSpace(ctx context.Context, c Caller, id string, in SpaceInput) (SpaceView, error) {
	_, r, err := w.authorizeSpace(ctx, c, SpaceManage, id)
	if err != nil {
		return SpaceView{}, err
	}
	if err := CheckText("name", in.Name, MaxTitle); err != nil {
		return SpaceView{}, err
	}
	sp, err := w.store.RenameSpace(ctx, id, in.Name)
	return SpaceView{Space: sp, MyRole: r}, classify(err)
}

// DeleteSpace deletes a space (owner only) and every session in it, as
// DeleteSession does each.
func (w *Workspace) DeleteSpace(ctx context.Context, c Caller, id string) error {
	if _, _, err := w.authorizeSpace(ctx, c, SpaceDelete, id); err != nil {
		return err
	}
	sessions, err := w.sessionsOf(ctx, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, s := range sessions {
		if err := w.deleteSession(ctx, s.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if err := w.store.DeleteSpace(ctx, id); err != nil {
		return err
	}
	w.log.Info("space deleted", "space", id, "sessions", len(sessions))
	return nil
}

// Members lists a space's members with their profiles' names.
func (w *Workspace) Members(ctx context.Context, c Caller, id string) ([]MemberView, error) {
	if _, _, err := w.authorizeSpace(ctx, c, SpaceRead, id); err != nil {
		return nil, err
	}
	ms, err := w.store.Members(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]MemberView, 0, len(ms))
	for _, m := range ms {
		p, err := w.profile(ctx, Caller{Subject: m.Subject})
		if err != nil {
			return nil, err
		}
		out = append(out, MemberView{Subject: m.Subject, Role: m.Role, Name: p.Name, Color: p.Color})
	}
	return out, nil
}

// MemberInput is the body of setting a member's role.
type MemberInput struct {
	Role string `json:"role"`
}

// SetMember adds a person to a space or changes their role (owner or
// admin; only an owner makes or unmakes owners). The space keeps at
// least one owner. Their live connections follow at once.
func (w *Workspace) SetMember(ctx context.Context, c Caller, id, subject string, in MemberInput) (MemberView, error) {
	_, mine, err := w.authorizeSpace(ctx, c, SpaceManage, id)
	if err != nil {
		return MemberView{}, err
	}
	if err := CheckText("subject", subject, 256); err != nil {
		return MemberView{}, err
	}
	if spaceRank(in.Role) >= len(spaceRoles) {
		return MemberView{}, fail(ErrInvalid, "bad_role", "role must be owner, admin, member or viewer, not %q", in.Role)
	}
	cur, err := w.store.MemberRole(ctx, id, subject)
	if err != nil && !errors.Is(err, notes.ErrNotMember) {
		return MemberView{}, err
	}
	if mine != SpaceOwner && (in.Role == SpaceOwner || cur == SpaceOwner) {
		return MemberView{}, fail(ErrForbidden, "forbidden", "only an owner may make or unmake owners")
	}
	if err := w.store.SetMember(ctx, id, subject, in.Role); err != nil {
		return MemberView{}, classify(err)
	}
	w.log.Info("member set", "space", id, "subject", subject, "role", in.Role, "by", c.Subject)
	w.spaceChanged(ctx, id, subject)
	p, err := w.profile(ctx, Caller{Subject: subject})
	return MemberView{Subject: subject, Role: in.Role, Name: p.Name, Color: p.Color}, err
}

// RemoveMember removes a person from a space: an owner or admin may
// remove others (only an owner removes an owner), anyone may leave. The
// space keeps at least one owner. Their live connections to its
// sessions are closed or made read-only at once, on every instance.
func (w *Workspace) RemoveMember(ctx context.Context, c Caller, id, subject string) error {
	action := SpaceManage
	if subject == c.Subject {
		action = SpaceRead
	}
	_, mine, err := w.authorizeSpace(ctx, c, action, id)
	if err != nil {
		return err
	}
	cur, err := w.store.MemberRole(ctx, id, subject)
	if errors.Is(err, notes.ErrNotMember) {
		return fail(ErrNotFound, "not_member", "%s is not a member of this space", strconv.Quote(subject))
	}
	if err != nil {
		return err
	}
	if cur == SpaceOwner && mine != SpaceOwner {
		return fail(ErrForbidden, "forbidden", "only an owner may remove an owner")
	}
	if err := w.store.RemoveMember(ctx, id, subject); err != nil {
		return classify(err)
	}
	w.log.Info("member removed", "space", id, "subject", subject, "by", c.Subject)
	w.spaceChanged(ctx, id, subject)
	return nil
}

// sessionsOf lists every session of a space.
func (w *Workspace) sessionsOf(ctx context.Context, space string) ([]notes.Session, error) {
	var out []notes.Session
	err := w.eachSession(ctx, "", "", func(s notes.Session) bool {
		if s.SpaceID == space {
			out = append(out, s)
		}
		return true
	})
	return out, err
}

// spaceChanged applies a change of subject's membership to their live
// connections to the space's sessions, on every instance.
func (w *Workspace) spaceChanged(ctx context.Context, space, subject string) {
	sessions, err := w.sessionsOf(ctx, space)
	if err != nil {
		w.log.Warn("live connections not updated after a membership change", "space", space, "err", err)
		return
	}
	w.refreshAccess(ctx, sessions, subject)
}

// refreshAccess recomputes the stored role of subject (when subject is
// "": everyone connected here and everyone the session's attendance
// lists, on any instance) in each session and applies it to their live
// connections on every instance: none closes them (1008), viewer makes
// them read-only, more makes them writable. A token's grants are not
// known here; they apply when the person reconnects.
func (w *Workspace) refreshAccess(ctx context.Context, sessions []notes.Session, subject string) {
	for _, s := range sessions {
		subjects := []string{subject}
		if subject == "" {
			subjects = append(w.meetings.present(s.ID), w.attendees(s.ID)...)
			slices.Sort(subjects)
			subjects = slices.Compact(subjects)
		}
		for _, sub := range subjects {
			r, err := w.roleIn(ctx, Caller{Subject: sub}, s)
			switch {
			case err != nil:
				w.log.Warn("live connections not updated", "session", s.ID, "subject", sub, "err", err)
			case r == "":
				w.hubs.Revoke(s.ID, sub)
			default:
				w.hubs.SetReadOnly(s.ID, sub, r == RoleViewer)
			}
		}
	}
}

// attendees lists the people a session's meeting document lists as
// attending (on any instance); nil if it cannot be read.
func (w *Workspace) attendees(session string) []string {
	var out []string
	err := w.hubs.Do(session+"/meeting", func(d *crdt.Doc) error {
		out = d.GetMap("participants").Keys()
		return nil
	})
	if err != nil {
		w.log.Warn("attendance not read for an access change", "session", session, "err", err)
	}
	return out
}

// eachSession calls fn for each stored session, newest first, from the
// page token on (filtered by state), until fn returns false.
func (w *Workspace) eachSession(ctx context.Context, state, token string, fn func(notes.Session) bool) error {
	_, err := w.scanSessions(ctx, state, token, fn)
	return err
}

// scanSessions is eachSession returning the page token of the first
// session not given to fn ("" at the end).
func (w *Workspace) scanSessions(ctx context.Context, state, token string, fn func(notes.Session) bool) (string, error) {
	off := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 {
			return "", fail(ErrInvalid, "bad_page_token", "page is not a page token from a previous answer")
		}
		off = n
	}
	for {
		page, err := w.store.ListSessions(ctx, notes.ListOptions{State: state, Limit: 200, PageToken: strconv.Itoa(off)})
		if err != nil {
			return "", classify(err)
		}
		for i, s := range page.Sessions {
			if !fn(s) {
				if page.NextPageToken == "" && i == len(page.Sessions)-1 {
					return "", nil
				}
				return strconv.Itoa(off + i + 1), nil
			}
		}
		if page.NextPageToken == "" {
			return "", nil
		}
		off += len(page.Sessions)
	}
}

// readable calls fn with each session the caller may read and their
// role in it, as scanSessions does — leaving out public sessions the
// caller reads only because they are public: those are for whoever has
// the link, not for everyone's lobby and search.
func (w *Workspace) readable(ctx context.Context, c Caller, state, token string, fn func(notes.Session, Role) bool) (string, error) {
	var failed error
	next, err := w.scanSessions(ctx, state, token, func(s notes.Session) bool {
		vis := s.Visibility
		if vis == notes.VisibilityPublic {
			s.Visibility = notes.VisibilitySpace
		}
		r, err := w.roleIn(ctx, c, s)
		s.Visibility = vis
		if err != nil {
			failed = err
			return false
		}
		if r == "" {
			return true
		}
		return fn(s, r)
	})
	if failed != nil {
		return "", failed
	}
	return next, err
}
