package notes

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

var _ Access = (*MemoryStore)(nil)

// memAccess is what a MemoryStore keeps of Access, under its mutex.
type memAccess struct {
	spaces   map[string]Space
	members  map[string]map[string]string // space → subject → role
	invites  map[string]Invite
	profiles map[string]Profile
}

// accessLocked returns the Access maps; the caller holds the mutex.
func (s *MemoryStore) accessLocked() *memAccess { return &s.access }

// CreateSpace implements Access.
func (s *MemoryStore) CreateSpace(_ context.Context, sp Space, owner string) error {
	return s.locked(func() error {
		a := s.accessLocked()
		if _, ok := a.spaces[sp.ID]; ok {
			return fmt.Errorf("create space %s: already exists", sp.ID)
		}
		a.spaces[sp.ID] = sp
		a.members[sp.ID] = map[string]string{owner: SpaceOwner}
		return nil
	})
}

// GetSpace implements Access.
func (s *MemoryStore) GetSpace(_ context.Context, id string) (Space, error) {
	return locked(s, func() (Space, error) {
		sp, ok := s.accessLocked().spaces[id]
		if !ok {
			return Space{}, fmt.Errorf("space %s: %w", id, ErrSpaceNotFound)
		}
		return sp, nil
	})
}

// RenameSpace implements Access.
func (s *MemoryStore) RenameSpace(_ context.Context, id, name string) (Space, error) {
	return locked(s, func() (Space, error) {
		a := s.accessLocked()
		sp, ok := a.spaces[id]
		if !ok {
			return Space{}, fmt.Errorf("rename space %s: %w", id, ErrSpaceNotFound)
		}
		sp.Name = name
		a.spaces[id] = sp
		return sp, nil
	})
}

// DeleteSpace implements Access.
func (s *MemoryStore) DeleteSpace(_ context.Context, id string) error {
	return s.locked(func() error {
		a := s.accessLocked()
		delete(a.spaces, id)
		delete(a.members, id)
		for code, inv := range a.invites {
			if inv.SpaceID == id {
				delete(a.invites, code)
			}
		}
		return nil
	})
}

// SpacesOf implements Access.
func (s *MemoryStore) SpacesOf(_ context.Context, subject string) ([]Membership, error) {
	return locked(s, func() ([]Membership, error) {
		a := s.accessLocked()
		out := []Membership{}
		for id, ms := range a.members {
			if r, ok := ms[subject]; ok {
				out = append(out, Membership{Space: a.spaces[id], Role: r})
			}
		}
		slices.SortFunc(out, func(x, y Membership) int { return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID)) })
		return out, nil
	})
}

// Members implements Access.
func (s *MemoryStore) Members(_ context.Context, space string) ([]Member, error) {
	return locked(s, func() ([]Member, error) {
		out := []Member{}
		for sub, r := range s.accessLocked().members[space] {
			out = append(out, Member{SpaceID: space, Subject: sub, Role: r})
		}
		slices.SortFunc(out, func(x, y Member) int { return cmp.Compare(x.Subject, y.Subject) })
		return out, nil
	})
}

// MemberRole implements Access.
func (s *MemoryStore) MemberRole(_ context.Context, space, subject string) (string, error) {
	return locked(s, func() (string, error) {
		r, ok := s.accessLocked().members[space][subject]
		if !ok {
			return "", fmt.Errorf("space %s, %s: %w", space, subject, ErrNotMember)
		}
		return r, nil
	})
}

func (s *MemoryStore) changeMember(space, subject, role string) error {
	return s.locked(func() error {
		a := s.accessLocked()
		ms, ok := a.members[space]
		if !ok {
			return fmt.Errorf("space %s: %w", space, ErrSpaceNotFound)
		}
		cur, ok := ms[subject]
		if !ok && role == "" {
			return fmt.Errorf("space %s, %s: %w", space, subject, ErrNotMember)
		}
		owners := 0
		for _, r := range ms {
			if r == SpaceOwner {
				owners++
			}
		}
		if err := lastOwnerGuard(cur, role, owners); err != nil {
			return err
		}
		if role == "" {
			delete(ms, subject)
		} else {
			ms[subject] = role
		}
		return nil
	})
}

// SetMember implements Access.
func (s *MemoryStore) SetMember(_ context.Context, space, subject, role string) error {
	return s.changeMember(space, subject, role)
}

// RemoveMember implements Access.
func (s *MemoryStore) RemoveMember(_ context.Context, space, subject string) error {
	return s.changeMember(space, subject, "")
}

// CreateInvite implements Access.
func (s *MemoryStore) CreateInvite(_ context.Context, inv Invite) error {
	return s.locked(func() error {
		a := s.accessLocked()
		if _, ok := a.spaces[inv.SpaceID]; !ok {
			return fmt.Errorf("create invite: %w", ErrSpaceNotFound)
		}
		inv.Uses = 0
		a.invites[inv.Code] = inv
		return nil
	})
}

// GetInvite implements Access.
func (s *MemoryStore) GetInvite(_ context.Context, code string) (Invite, error) {
	return locked(s, func() (Invite, error) {
		inv, ok := s.accessLocked().invites[code]
		if !ok {
			return Invite{}, ErrInviteNotFound
		}
		return inv, nil
	})
}

// UseInvite implements Access.
func (s *MemoryStore) UseInvite(_ context.Context, code string, now time.Time) (Invite, error) {
	return locked(s, func() (Invite, error) {
		a := s.accessLocked()
		inv, ok := a.invites[code]
		switch {
		case !ok:
			return Invite{}, ErrInviteNotFound
		case inv.Uses >= inv.MaxUses || !inv.ExpiresAt.After(now):
			return Invite{}, ErrInviteSpent
		}
		inv.Uses++
		a.invites[code] = inv
		return inv, nil
	})
}

// DeleteInvite implements Access.
func (s *MemoryStore) DeleteInvite(_ context.Context, code string) error {
	return s.locked(func() error {
		a := s.accessLocked()
		if _, ok := a.invites[code]; !ok {
			return ErrInviteNotFound
		}
		delete(a.invites, code)
		return nil
	})
}

// Invites implements Access.
func (s *MemoryStore) Invites(_ context.Context, space string) ([]Invite, error) {
	return locked(s, func() ([]Invite, error) {
		out := []Invite{}
		for _, inv := range s.accessLocked().invites {
			if inv.SpaceID == space {
				out = append(out, inv)
			}
		}
		slices.SortFunc(out, func(x, y Invite) int {
			return cmp.Or(y.CreatedAt.Compare(x.CreatedAt), cmp.Compare(x.Code, y.Code))
		})
		return out, nil
	})
}

// GetProfile implements Access.
func (s *MemoryStore) GetProfile(_ context.Context, subject string) (Profile, error) {
	return locked(s, func() (Profile, error) {
		return s.accessLocked().profiles[subject], nil
	})
}

// PutProfile implements Access.
func (s *MemoryStore) PutProfile(_ context.Context, p Profile) error {
	return s.locked(func() error {
		s.accessLocked().profiles[p.Subject] = p
		return nil
	})
}
