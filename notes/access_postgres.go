package notes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var _ Access = (*PostgresStore)(nil)

// CreateSpace implements Access.
func (s *PostgresStore) CreateSpace(ctx context.Context, sp Space, owner string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, qCreateSpace, sp.ID, sp.Name, sp.CreatedAt.UnixNano()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, qAddOwner, sp.ID, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("create space %s: %w", sp.ID, err)
	}
	return nil
}

// GetSpace implements Access.
func (s *PostgresStore) GetSpace(ctx context.Context, id string) (Space, error) {
	sp, err := scanSpace(s.pool.QueryRow(ctx, qGetSpace, id), nil)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrSpaceNotFound
	}
	if err != nil {
		return Space{}, fmt.Errorf("space %s: %w", id, err)
	}
	return sp, nil
}

// RenameSpace implements Access.
func (s *PostgresStore) RenameSpace(ctx context.Context, id, name string) (Space, error) {
	tag, err := s.pool.Exec(ctx, qRenameSpace, id, name)
	if err != nil {
		return Space{}, fmt.Errorf("rename space %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return Space{}, fmt.Errorf("rename space %s: %w", id, ErrSpaceNotFound)
	}
	return s.GetSpace(ctx, id)
}

// DeleteSpace implements Access.
func (s *PostgresStore) DeleteSpace(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, q := range []string{qDelInvites, qDelMembers, qDeleteSpace} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("delete space %s: %w", id, err)
			}
		}
		return nil
	})
}

// SpacesOf implements Access.
func (s *PostgresStore) SpacesOf(ctx context.Context, subject string) ([]Membership, error) {
	rows, err := s.pool.Query(ctx, qSpacesOf, subject)
	if err != nil {
		return nil, fmt.Errorf("spaces of %s: %w", subject, err)
	}
	defer rows.Close()
	out := []Membership{}
	for rows.Next() {
		var m Membership
		if m.Space, err = scanSpace(rows, &m.Role); err != nil {
			return nil, fmt.Errorf("spaces of %s: %w", subject, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Members implements Access.
func (s *PostgresStore) Members(ctx context.Context, space string) ([]Member, error) {
	rows, err := s.pool.Query(ctx, qMembers, space)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", space, err)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.SpaceID, &m.Subject, &m.Role); err != nil {
			return nil, fmt.Errorf("members of %s: %w", space, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func pgMemberRole(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, space, subject string) (string, error) {
	var role string
	err := q.QueryRow(ctx, qMemberRole, space, subject).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("space %s, %s: %w", space, subject, ErrNotMember)
	}
	return role, err
}

// MemberRole implements Access.
func (s *PostgresStore) MemberRole(ctx context.Context, space, subject string) (string, error) {
	return pgMemberRole(ctx, s.pool, space, subject)
}

// changeMember sets (role != "") or removes subject's membership under
// the last-owner guard; the space's row is locked, so concurrent
// changes of one space take turns.
func (s *PostgresStore) changeMember(ctx context.Context, space, subject, role string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, `SELECT id FROM spaces WHERE id = $1 FOR UPDATE`, space).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("space %s: %w", space, ErrSpaceNotFound)
		} else if err != nil {
			return err
		}
		cur, err := pgMemberRole(ctx, tx, space, subject)
		if err != nil && (role == "" || !errors.Is(err, ErrNotMember)) {
			return err
		}
		var owners int
		if err := tx.QueryRow(ctx, qOwners, space).Scan(&owners); err != nil {
			return err
		}
		if err := lastOwnerGuard(cur, role, owners); err != nil {
			return err
		}
		if role == "" {
			_, err = tx.Exec(ctx, qRemoveMember, space, subject)
		} else {
			_, err = tx.Exec(ctx, qUpsertMember, space, subject, role)
		}
		return err
	})
}

// SetMember implements Access.
func (s *PostgresStore) SetMember(ctx context.Context, space, subject, role string) error {
	return s.changeMember(ctx, space, subject, role)
}

// RemoveMember implements Access.
func (s *PostgresStore) RemoveMember(ctx context.Context, space, subject string) error {
	return s.changeMember(ctx, space, subject, "")
}

// CreateInvite implements Access.
func (s *PostgresStore) CreateInvite(ctx context.Context, inv Invite) error {
	_, err := s.pool.Exec(ctx, qCreateInvite, inv.Code, inv.SpaceID, inv.SessionID, inv.Role,
		inv.ExpiresAt.UnixNano(), inv.MaxUses, inv.CreatedBy, inv.CreatedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("create invite: %w", err)
	}
	return nil
}

// GetInvite implements Access.
func (s *PostgresStore) GetInvite(ctx context.Context, code string) (Invite, error) {
	inv, err := scanInvite(s.pool.QueryRow(ctx, qGetInvite, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return Invite{}, ErrInviteNotFound
	}
	return inv, err
}

// UseInvite implements Access.
func (s *PostgresStore) UseInvite(ctx context.Context, code string, now time.Time) (Invite, error) {
	tag, err := s.pool.Exec(ctx, qUseInvite, code, now.UnixNano())
	if err != nil {
		return Invite{}, fmt.Errorf("use invite: %w", err)
	}
	inv, err := s.GetInvite(ctx, code)
	if err != nil {
		return Invite{}, err
	}
	if tag.RowsAffected() == 0 {
		return Invite{}, ErrInviteSpent
	}
	return inv, nil
}

// DeleteInvite implements Access.
func (s *PostgresStore) DeleteInvite(ctx context.Context, code string) error {
	tag, err := s.pool.Exec(ctx, qDelInvite, code)
	if err != nil {
		return fmt.Errorf("delete invite: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrInviteNotFound
	}
	return nil
}

// Invites implements Access.
func (s *PostgresStore) Invites(ctx context.Context, space string) ([]Invite, error) {
	rows, err := s.pool.Query(ctx, qInvites, space)
	if err != nil {
		return nil, fmt.Errorf("invites of %s: %w", space, err)
	}
	defer rows.Close()
	out := []Invite{}
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("invites of %s: %w", space, err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// GetProfile implements Access.
func (s *PostgresStore) GetProfile(ctx context.Context, subject string) (Profile, error) {
	var p Profile
	err := s.pool.QueryRow(ctx, qGetProfile, subject).Scan(&p.Subject, &p.Name, &p.Color)
	if errors.Is(err, pgx.ErrNoRows) {
		return Profile{}, nil
	}
	return p, err
}

// PutProfile implements Access.
func (s *PostgresStore) PutProfile(ctx context.Context, p Profile) error {
	if _, err := s.pool.Exec(ctx, qPutProfile, p.Subject, p.Name, p.Color); err != nil {
		return fmt.Errorf("put profile: %w", err)
	}
	return nil
}
