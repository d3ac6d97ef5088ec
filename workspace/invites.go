package workspace

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/cocreate/cocreate/notes"
)

// Bounds of an invite.
const (
	DefaultInviteTTL = 7 * 24 * time.Hour
	MaxInviteTTL     = 90 * 24 * time.Hour
	MaxInviteUses    = 10000
)

// InviteInput is the body of creating an invite; zero fields take
// their defaults (role member, 7 days, 1 use).
type InviteInput struct {
	Role             string `json:"role"`
	ExpiresInSeconds int64  `json:"expires_in_seconds"`
	MaxUses          int    `json:"max_uses"`
}

// InviteView is what an invite grants, as the holder of its code (or an
// admin listing them) sees it. Path is where a person accepts it, on the
// web client.
type InviteView struct {
	notes.Invite
	Path string `json:"path"`
	// URL is Path on the server the caller reached (set by the edge).
	URL          string `json:"url"`
	SpaceName    string `json:"space_name"`
	SessionTitle string `json:"session_title,omitempty"`
}

// Accepted is what accepting an invite gave the caller.
type Accepted struct {
	SpaceID   string `json:"space_id"`
	SessionID string `json:"session_id,omitempty"`
	Role      string `json:"role"`
}

// invitePath is the web client's page for an invite's code.
func invitePath(code string) string { return "/invite/" + code }

// CreateSpaceInvite makes an invite into a space (owner or admin): its
// role is admin, member or viewer.
func (w *Workspace) CreateSpaceInvite(ctx context.Context, c Caller, space string, in InviteInput) (InviteView, error) {
	sp, _, err := w.authorizeSpace(ctx, c, SpaceManage, space)
	if err != nil {
		return InviteView{}, err
	}
	if in.Role == "" {
		in.Role = SpaceMember
	}
	if in.Role != SpaceAdmin && in.Role != SpaceMember && in.Role != SpaceViewer {
		return InviteView{}, fail(ErrInvalid, "bad_role", "a space invite's role is admin, member or viewer, not %q", in.Role)
	}
	inv, err := w.newInvite(ctx, c, sp.ID, "", in)
	return InviteView{Invite: inv, Path: invitePath(inv.Code), SpaceName: sp.Name}, err
}

// CreateSessionInvite makes an invite into one session (host or
// cohost): its role is cohost, member or viewer.
func (w *Workspace) CreateSessionInvite(ctx context.Context, c Caller, session string, in InviteInput) (InviteView, error) {
	sess, _, err := w.session(ctx, c, Run, session)
	if err != nil {
		return InviteView{}, err
	}
	if in.Role == "" {
		in.Role = string(RoleMember)
	}
	if r := Role(in.Role); r != RoleCoHost && r != RoleMember && r != RoleViewer {
		return InviteView{}, fail(ErrInvalid, "bad_role", "a session invite's role is cohost, member or viewer, not %q", in.Role)
	}
	inv, err := w.newInvite(ctx, c, sess.SpaceID, sess.ID, in)
	if err != nil {
		return InviteView{}, err
	}
	v := InviteView{Invite: inv, Path: invitePath(inv.Code), SessionTitle: sess.Title}
	if sp, err := w.store.GetSpace(ctx, sess.SpaceID); err == nil {
		v.SpaceName = sp.Name
	}
	return v, nil
}

// newInvite validates the bounds and stores an invite with a fresh
// 256-bit code.
func (w *Workspace) newInvite(ctx context.Context, c Caller, space, session string, in InviteInput) (notes.Invite, error) {
	ttl := time.Duration(in.ExpiresInSeconds) * time.Second
	if in.ExpiresInSeconds == 0 {
		ttl = DefaultInviteTTL
	}
	if ttl < time.Minute || ttl > MaxInviteTTL {
		return notes.Invite{}, fail(ErrInvalid, "bad_expiry", "expires_in_seconds must be from 60 to %d", int64(MaxInviteTTL/time.Second))
	}
	if in.MaxUses == 0 {
		in.MaxUses = 1
	}
	if in.MaxUses < 1 || in.MaxUses > MaxInviteUses {
		return notes.Invite{}, fail(ErrInvalid, "bad_max_uses", "max_uses must be from 1 to %d", MaxInviteUses)
	}
	if err := w.checkInvites(ctx, space); err != nil {
		return notes.Invite{}, err
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return notes.Invite{}, err
	}
	now := w.now().UTC()
	inv := notes.Invite{
		Code:      base64.RawURLEncoding.EncodeToString(secret[:]),
		SpaceID:   space,
		SessionID: session,
		Role:      in.Role,
		ExpiresAt: now.Add(ttl).Truncate(time.Second),
		MaxUses:   in.MaxUses,
		CreatedBy: c.Subject,
		CreatedAt: now,
	}
	if err := w.store.CreateInvite(ctx, inv); err != nil {
		return notes.Invite{}, err
	}
	w.log.Info("invite created", "space", space, "session", session, "role", in.Role, "by", c.Subject)
	return inv, nil
}

// invite loads an invite by its code; holding the code is what lets a
// person see and accept it. An expired or used-up one is ErrGone.
func (w *Workspace) invite(ctx context.Context, code string, spentOK bool) (notes.Invite, error) {
	if len(code) != 43 {
		return notes.Invite{}, fail(ErrNotFound, "not_found", "no such invite: check the link")
	}
	inv, err := w.store.GetInvite(ctx, code)
	if err != nil {
		return notes.Invite{}, classify(err)
	}
	if !spentOK && (inv.Uses >= inv.MaxUses || !inv.ExpiresAt.After(w.now())) {
		return notes.Invite{}, classify(notes.ErrInviteSpent)
	}
	return inv, nil
}

// GetInvite says what an invite grants, to whoever holds its code.
func (w *Workspace) GetInvite(ctx context.Context, c Caller, code string) (InviteView, error) {
	inv, err := w.invite(ctx, code, false)
	if err != nil {
		return InviteView{}, err
	}
	return w.inviteView(ctx, inv), nil
}

func (w *Workspace) inviteView(ctx context.Context, inv notes.Invite) InviteView {
	v := InviteView{Invite: inv, Path: invitePath(inv.Code)}
	if sp, err := w.store.GetSpace(ctx, inv.SpaceID); err == nil {
		v.SpaceName = sp.Name
	}
	if inv.SessionID != "" {
		if s, err := w.store.GetSession(ctx, inv.SessionID); err == nil {
			v.SessionTitle = s.Title
		}
	}
	return v
}

// AcceptInvite makes the caller a member of the invite's space (or
// gives them its role in its session), counting one use; a person who
// already has as much keeps what they have, and uses nothing. Two
// people accepting the last use at once: one wins, the other gets
// ErrGone.
func (w *Workspace) AcceptInvite(ctx context.Context, c Caller, code string) (Accepted, error) {
	inv, err := w.invite(ctx, code, false)
	if err != nil {
		return Accepted{}, err
	}
	out := Accepted{SpaceID: inv.SpaceID, SessionID: inv.SessionID, Role: inv.Role}
	if inv.SessionID != "" {
		sess, err := w.store.GetSession(ctx, inv.SessionID)
		if err != nil {
			return Accepted{}, classify(err)
		}
		if cur, err := w.roleIn(ctx, Caller{Subject: c.Subject}, sess); err != nil {
			return Accepted{}, err
		} else if !stronger(Role(inv.Role), cur) {
			out.Role = string(cur)
			return out, nil
		}
		if _, err := w.store.UseInvite(ctx, code, w.now()); err != nil {
			return Accepted{}, classify(err)
		}
		if sess, err = w.store.UpdateSession(ctx, sess.ID, notes.SetRole(c.Subject, Role(inv.Role))); err != nil {
			return Accepted{}, classify(err)
		}
		w.refreshAccess(ctx, []notes.Session{sess}, c.Subject)
	} else {
		cur, err := w.store.MemberRole(ctx, inv.SpaceID, c.Subject)
		if err != nil && !errors.Is(err, notes.ErrNotMember) {
			return Accepted{}, err
		}
		if err == nil && spaceRank(cur) <= spaceRank(inv.Role) {
			out.Role = cur
			return out, nil
		}
		if _, err := w.store.UseInvite(ctx, code, w.now()); err != nil {
			return Accepted{}, classify(err)
		}
		if err := w.store.SetMember(ctx, inv.SpaceID, c.Subject, inv.Role); err != nil {
			return Accepted{}, classify(err)
		}
		w.spaceChanged(ctx, inv.SpaceID, c.Subject)
	}
	w.log.Info("invite accepted", "space", inv.SpaceID, "session", inv.SessionID, "subject", c.Subject, "role", inv.Role)
	return out, nil
}

// mayManageInvite reports whether c may see all of and revoke an
// invite: its maker, an owner or admin of its space, or a host or
// cohost of its session.
func (w *Workspace) mayManageInvite(ctx context.Context, c Caller, inv notes.Invite) error {
	if inv.CreatedBy == c.Subject {
		return nil
	}
	if _, _, err := w.authorizeSpace(ctx, c, SpaceManage, inv.SpaceID); err == nil {
		return nil
	}
	if inv.SessionID != "" {
		if _, _, err := w.session(ctx, c, Run, inv.SessionID); err == nil {
			return nil
		}
	}
	return fail(ErrForbidden, "forbidden", "only the invite's maker, an owner or admin of its space, or a host of its session may revoke it")
}

// RevokeInvite deletes an invite: it can no longer be accepted.
func (w *Workspace) RevokeInvite(ctx context.Context, c Caller, code string) error {
	inv, err := w.invite(ctx, code, true)
	if err != nil {
		return err
	}
	if err := w.mayManageInvite(ctx, c, inv); err != nil {
		return err
	}
	return classify(w.store.DeleteInvite(ctx, code))
}

// ListInvites lists a space's invites, its sessions' too (owner or
// admin).
func (w *Workspace) ListInvites(ctx context.Context, c Caller, space string) ([]InviteView, error) {
	if _, _, err := w.authorizeSpace(ctx, c, SpaceManage, space); err != nil {
		return nil, err
	}
	invs, err := w.store.Invites(ctx, space)
	if err != nil {
		return nil, err
	}
	out := make([]InviteView, 0, len(invs))
	for _, inv := range invs {
		out = append(out, w.inviteView(ctx, inv))
	}
	return out, nil
}
