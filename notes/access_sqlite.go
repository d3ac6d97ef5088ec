package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

var _ Access = (*SQLiteStore)(nil)

// inTx runs fn in one (IMMEDIATE) transaction.
func (s *SQLiteStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateSpace implements Access.
func (s *SQLiteStore) CreateSpace(ctx context.Context, sp Space, owner string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqliteQuery(qCreateSpace), sp.ID, sp.Name, sp.CreatedAt.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, sqliteQuery(qAddOwner), sp.ID, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("create space %s: %w", sp.ID, err)
	}
	return nil
}

// GetSpace implements Access.
func (s *SQLiteStore) GetSpace(ctx context.Context, id string) (Space, error) {
	sp, err := scanSpace(s.db.QueryRowContext(ctx, sqliteQuery(qGetSpace), id), nil)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrSpaceNotFound
	}
	if err != nil {
		return Space{}, fmt.Errorf("space %s: %w", id, err)
	}
	return sp, nil
}

// RenameSpace implements Access.
func (s *SQLiteStore) RenameSpace(ctx context.Context, id, name string) (Space, error) {
	res, err := s.db.ExecContext(ctx, sqliteQuery(qRenameSpace), id, name)
	if err != nil {
		return Space{}, fmt.Errorf("rename space %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Space{}, fmt.Errorf("rename space %s: %w", id, ErrSpaceNotFound)
	}
	return s.GetSpace(ctx, id)
}

// DeleteSpace implements Access.
func (s *SQLiteStore) DeleteSpace(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{qDelInvites, qDelMembers, qDeleteSpace} {
			if _, err := tx.ExecContext(ctx, sqliteQuery(q), id); err != nil {
				return fmt.Errorf("delete space %s: %w", id, err)
			}
		}
		return nil
	})
}

// SpacesOf implements Access.
func (s *SQLiteStore) SpacesOf(ctx context.Context, subject string) ([]Membership, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qSpacesOf), subject)
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
func (s *SQLiteStore) Members(ctx context.Context, space string) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qMembers), space)
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

func sqliteMemberRole(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, space, subject string) (string, error) {
	var role string
	err := q.QueryRowContext(ctx, sqliteQuery(qMemberRole), space, subject).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("space %s, %s: %w", space, subject, ErrNotMember)
	}
	return role, err
}

// MemberRole implements Access.
func (s *SQLiteStore) MemberRole(ctx context.Context, space, subject string) (string, error) {
	return sqliteMemberRole(ctx, s.db, space, subject)
}

// changeMember sets (role != "") or removes subject's membership under
// the last-owner guard, in one transaction.
func (s *SQLiteStore) changeMember(ctx context.Context, space, subject, role string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := scanSpace(tx.QueryRowContext(ctx, sqliteQuery(qGetSpace), space), nil); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("space %s: %w", space, ErrSpaceNotFound)
		} else if err != nil {
			return err
		}
		cur, err := sqliteMemberRole(ctx, tx, space, subject)
		if err != nil && (role == "" || !errors.Is(err, ErrNotMember)) {
			return err
		}
		var owners int
		if err := tx.QueryRowContext(ctx, sqliteQuery(qOwners), space).Scan(&owners); err != nil {
			return err
		}
		if err := lastOwnerGuard(cur, role, owners); err != nil {
			return err
		}
		if role == "" {
			_, err = tx.ExecContext(ctx, sqliteQuery(qRemoveMember), space, subject)
		} else {
			_, err = tx.ExecContext(ctx, sqliteQuery(qUpsertMember), space, subject, role)
		}
		return err
	})
}

// SetMember implements Access.
func (s *SQLiteStore) SetMember(ctx context.Context, space, subject, role string) error {
	return s.changeMember(ctx, space, subject, role)
}

// RemoveMember implements Access.
func (s *SQLiteStore) RemoveMember(ctx context.Context, space, subject string) error {
	return s.changeMember(ctx, space, subject, "")
}

// CreateInvite implements Access.
func (s *SQLiteStore) CreateInvite(ctx context.Context, inv Invite) error {
	_, err := s.db.ExecContext(ctx, sqliteQuery(qCreateInvite), inv.Code, inv.SpaceID, inv.SessionID, inv.Role,
		inv.ExpiresAt.UnixNano(), inv.MaxUses, inv.CreatedBy, inv.CreatedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("create invite: %w", err)
	}
	return nil
}

// GetInvite implements Access.
func (s *SQLiteStore) GetInvite(ctx context.Context, code string) (Invite, error) {
	inv, err := scanInvite(s.db.QueryRowContext(ctx, sqliteQuery(qGetInvite), code))
	if errors.Is(err, sql.ErrNoRows) {
		return Invite{}, ErrInviteNotFound
	}
	return inv, err
}

// UseInvite implements Access.
func (s *SQLiteStore) UseInvite(ctx context.Context, code string, now time.Time) (Invite, error) {
	res, err := s.db.ExecContext(ctx, sqliteQuery(qUseInvite), code, now.UnixNano())
	if err != nil {
		return Invite{}, fmt.Errorf("use invite: %w", err)
	}
	inv, err := s.GetInvite(ctx, code)
	if err != nil {
		return Invite{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Invite{}, ErrInviteSpent
	}
	return inv, nil
}

// DeleteInvite implements Access.
func (s *SQLiteStore) DeleteInvite(ctx context.Context, code string) error {
	res, err := s.db.ExecContext(ctx, sqliteQuery(qDelInvite), code)
	if err != nil {
		return fmt.Errorf("delete invite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrInviteNotFound
	}
	return nil
}

// Invites implements Access.
func (s *SQLiteStore) Invites(ctx context.Context, space string) ([]Invite, error) {
	rows, err := s.db.QueryContext(ctx, sqliteQuery(qInvites), space)
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
func (s *SQLiteStore) GetProfile(ctx context.Context, subject string) (Profile, error) {
	var p Profile
	err := s.db.QueryRowContext(ctx, sqliteQuery(qGetProfile), subject).Scan(&p.Subject, &p.Name, &p.Color)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, nil
	}
	return p, err
}

// PutProfile implements Access.
func (s *SQLiteStore) PutProfile(ctx context.Context, p Profile) error {
	if _, err := s.db.ExecContext(ctx, sqliteQuery(qPutProfile), p.Subject, p.Name, p.Color); err != nil {
		return fmt.Errorf("put profile: %w", err)
	}
	return nil
}
