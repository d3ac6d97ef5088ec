package notes

import (
	"context"
	"time"
)

// The space roles, most powerful first.
const (
	SpaceOwner  = "owner"
	SpaceAdmin  = "admin"
	SpaceMember = "member"
	SpaceViewer = "viewer"
)

// Space is one community's workspace: its members, its sessions.
type Space struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is one person's role in a space.
type Member struct {
	SpaceID string `json:"space_id"`
	Subject string `json:"subject"`
	Role    string `json:"role"`
}

// Membership is a space and the caller's role in it (Access.SpacesOf).
type Membership struct {
	Space
	Role string `json:"role"`
}

// Invite lets whoever holds its code join a space (SessionID empty) or
// one session of it, with Role, until ExpiresAt and at most MaxUses
// times.
type Invite struct {
	Code      string    `json:"code"`
	SpaceID   string    `json:"space_id"`
	SessionID string    `json:"session_id,omitempty"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
	MaxUses   int       `json:"max_uses"`
	Uses      int       `json:"uses"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Profile is how a person appears to others.
type Profile struct {
	Subject string `json:"subject"`
	Name    string `json:"name"`
	Color   string `json:"color"`
}

// Access keeps spaces, their members, invites and profiles, beside the
// sessions in the same database. Every change that must hold across
// concurrent callers (the last owner, an invite's use limit) is decided
// inside the store, atomically.
type Access interface {
	// CreateSpace stores a new space with owner as its first owner.
	CreateSpace(ctx context.Context, sp Space, owner string) error
	// GetSpace returns the space or ErrSpaceNotFound.
	GetSpace(ctx context.Context, id string) (Space, error)
	// RenameSpace renames a space (ErrSpaceNotFound).
	RenameSpace(ctx context.Context, id, name string) (Space, error)
	// DeleteSpace removes a space, its members and invites (not its
	// sessions: the caller deletes those first).
	DeleteSpace(ctx context.Context, id string) error
	// SpacesOf lists the spaces subject is a member of, by name.
	SpacesOf(ctx context.Context, subject string) ([]Membership, error)
	// Members lists a space's members, by subject.
	Members(ctx context.Context, space string) ([]Member, error)
	// MemberRole returns subject's role in space, or ErrNotMember.
	MemberRole(ctx context.Context, space, subject string) (string, error)
	// SetMember adds subject to space or changes their role; demoting
	// the last owner is ErrLastOwner.
	SetMember(ctx context.Context, space, subject, role string) error
	// RemoveMember removes subject from space (ErrNotMember); removing
	// the last owner is ErrLastOwner.
	RemoveMember(ctx context.Context, space, subject string) error
	// CreateInvite stores a new invite.
	CreateInvite(ctx context.Context, inv Invite) error
	// GetInvite returns the invite or ErrInviteNotFound.
	GetInvite(ctx context.Context, code string) (Invite, error)
	// UseInvite counts one use of the invite, atomically: it fails with
	// ErrInviteSpent once it has expired at now or MaxUses are taken.
	UseInvite(ctx context.Context, code string, now time.Time) (Invite, error)
	// DeleteInvite revokes an invite (ErrInviteNotFound).
	DeleteInvite(ctx context.Context, code string) error
	// Invites lists a space's invites (its sessions' too), newest first.
	Invites(ctx context.Context, space string) ([]Invite, error)
	// GetProfile returns subject's profile; a person who never set one
	// has a zero Profile and no error.
	GetProfile(ctx context.Context, subject string) (Profile, error)
	// PutProfile stores a profile.
	PutProfile(ctx context.Context, p Profile) error
}
