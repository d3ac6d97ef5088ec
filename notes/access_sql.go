package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

var (
	_ Access = (*SQLiteStore)(nil)
	_ Access = (*PostgresStore)(nil)
)

// The queries of Access, written once with PostgreSQL's $N
// placeholders; SQLite reads them with ?N (sqliteQuery).
const (
	qCreateSpace  = `INSERT INTO spaces (id, name, created_ns) VALUES ($1, $2, $3)`
	qAddOwner     = `INSERT INTO space_members (space_id, subject, role) VALUES ($1, $2, 'owner')`
	qGetSpace     = `SELECT id, name, created_ns FROM spaces WHERE id = $1`
	qRenameSpace  = `UPDATE spaces SET name = $2 WHERE id = $1`
	qDeleteSpace  = `DELETE FROM spaces WHERE id = $1`
	qDelMembers   = `DELETE FROM space_members WHERE space_id = $1`
	qDelInvites   = `DELETE FROM invites WHERE space_id = $1`
	qSpacesOf     = `SELECT s.id, s.name, s.created_ns, m.role FROM space_members m JOIN spaces s ON s.id = m.space_id WHERE m.subject = $1 ORDER BY s.name, s.id`
	qMembers      = `SELECT space_id, subject, role FROM space_members WHERE space_id = $1 ORDER BY subject`
	qMemberRole   = `SELECT role FROM space_members WHERE space_id = $1 AND subject = $2`
	qOwners       = `SELECT count(*) FROM space_members WHERE space_id = $1 AND role = 'owner'`
	qUpsertMember = `INSERT INTO space_members (space_id, subject, role) VALUES ($1, $2, $3)
		ON CONFLICT (space_id, subject) DO UPDATE SET role = excluded.role`
	qRemoveMember = `DELETE FROM space_members WHERE space_id = $1 AND subject = $2`
	qCreateInvite = `INSERT INTO invites (code, space_id, session_id, role, expires_ns, max_uses, uses, created_by, created_ns)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)`
	inviteCols  = `code, space_id, session_id, role, expires_ns, max_uses, uses, created_by, created_ns`
	qGetInvite  = `SELECT ` + inviteCols + ` FROM invites WHERE code = $1`
	qUseInvite  = `UPDATE invites SET uses = uses + 1 WHERE code = $1 AND uses < max_uses AND expires_ns > $2`
	qDelInvite  = `DELETE FROM invites WHERE code = $1`
	qInvites    = `SELECT ` + inviteCols + ` FROM invites WHERE space_id = $1 ORDER BY created_ns DESC, code`
	qGetProfile = `SELECT subject, name, color FROM profiles WHERE subject = $1`
	qPutProfile = `INSERT INTO profiles (subject, name, color) VALUES ($1, $2, $3)
		ON CONFLICT (subject) DO UPDATE SET name = excluded.name, color = excluded.color`
)

// scanner is a row of either database.
type scanner interface{ Scan(...any) error }

func scanInvite(r scanner) (Invite, error) {
	var inv Invite
	var exp, created int64
	err := r.Scan(&inv.Code, &inv.SpaceID, &inv.SessionID, &inv.Role, &exp, &inv.MaxUses, &inv.Uses, &inv.CreatedBy, &created)
	inv.ExpiresAt, inv.CreatedAt = time.Unix(0, exp).UTC(), time.Unix(0, created).UTC()
	return inv, err
}

func scanSpace(r scanner, role *string) (Space, error) {
	var sp Space
	var created int64
	var err error
	if role != nil {
		err = r.Scan(&sp.ID, &sp.Name, &created, role)
	} else {
		err = r.Scan(&sp.ID, &sp.Name, &created)
	}
	sp.CreatedAt = time.Unix(0, created).UTC()
	return sp, err
}

// lastOwnerGuard decides a change of subject's role (to role, "" for
// removal) given their current role and the space's number of owners.
func lastOwnerGuard(current, role string, owners int) error {
	if current == SpaceOwner && role != SpaceOwner && owners <= 1 {
		return ErrLastOwner
	}
	return nil
}

// rowsOf is the rows of a query of either database.
type rowsOf interface {
	Next() bool
	Scan(...any) error
	Err() error
}

// collect scans every row with scan; the caller closes rows.
func collect[T any](rows rowsOf, scan func(scanner) (T, error)) ([]T, error) {
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanMembership(r scanner) (Membership, error) {
	var m Membership
	var err error
	m.Space, err = scanSpace(r, &m.Role)
	return m, err
}

func scanMember(r scanner) (Member, error) {
	var m Member
	err := r.Scan(&m.SpaceID, &m.Subject, &m.Role)
	return m, err
}

// execAs runs q on the store's connection and returns how many rows it
// changed; an error says it was doing what.
func (s *sqlStore) execAs(ctx context.Context, what, q string, args ...any) (int64, error) {
	n, err := s.conn.exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

// CreateSpace implements Access.
func (s *sqlStore) CreateSpace(ctx context.Context, sp Space, owner string) error {
	err := s.tx(ctx, func(tx sqlConn) error {
		if _, err := tx.exec(ctx, qCreateSpace, sp.ID, sp.Name, sp.CreatedAt.UnixNano()); err != nil {
			return err
		}
		_, err := tx.exec(ctx, qAddOwner, sp.ID, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("create space %s: %w", sp.ID, err)
	}
	return nil
}

// GetSpace implements Access.
func (s *sqlStore) GetSpace(ctx context.Context, id string) (Space, error) {
	sp, err := scanSpace(s.conn.queryRow(ctx, qGetSpace, id), nil)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrSpaceNotFound
	}
	if err != nil {
		return Space{}, fmt.Errorf("space %s: %w", id, err)
	}
	return sp, nil
}

// RenameSpace implements Access.
func (s *sqlStore) RenameSpace(ctx context.Context, id, name string) (Space, error) {
	n, err := s.execAs(ctx, "rename space "+id, qRenameSpace, id, name)
	if err != nil {
		return Space{}, err
	}
	if n == 0 {
		return Space{}, fmt.Errorf("rename space %s: %w", id, ErrSpaceNotFound)
	}
	return s.GetSpace(ctx, id)
}

// DeleteSpace implements Access.
func (s *sqlStore) DeleteSpace(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx sqlConn) error {
		for _, q := range []string{qDelInvites, qDelMembers, qDeleteSpace} {
			if _, err := tx.exec(ctx, q, id); err != nil {
				return fmt.Errorf("delete space %s: %w", id, err)
			}
		}
		return nil
	})
}

// SpacesOf implements Access.
func (s *sqlStore) SpacesOf(ctx context.Context, subject string) ([]Membership, error) {
	return queryAll(ctx, s.conn, "spaces of "+subject, scanMembership, qSpacesOf, subject)
}

// Members implements Access.
func (s *sqlStore) Members(ctx context.Context, space string) ([]Member, error) {
	return queryAll(ctx, s.conn, "members of "+space, scanMember, qMembers, space)
}

func memberRole(ctx context.Context, c sqlConn, space, subject string) (string, error) {
	var role string
	err := c.queryRow(ctx, qMemberRole, space, subject).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("space %s, %s: %w", space, subject, ErrNotMember)
	}
	return role, err
}

// MemberRole implements Access.
func (s *sqlStore) MemberRole(ctx context.Context, space, subject string) (string, error) {
	return memberRole(ctx, s.conn, space, subject)
}

// changeMember sets (role != "") or removes subject's membership under
// the last-owner guard, in one transaction that holds the space's row
// (lockSpace), so concurrent changes of one space take turns.
func (s *sqlStore) changeMember(ctx context.Context, space, subject, role string) error {
	return s.tx(ctx, func(tx sqlConn) error {
		var id string
		if err := tx.queryRow(ctx, s.lockSpace, space).Scan(&id); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("space %s: %w", space, ErrSpaceNotFound)
		} else if err != nil {
			return err
		}
		cur, err := memberRole(ctx, tx, space, subject)
		if err != nil && (role == "" || !errors.Is(err, ErrNotMember)) {
			return err
		}
		var owners int
		if err := tx.queryRow(ctx, qOwners, space).Scan(&owners); err != nil {
			return err
		}
		if err := lastOwnerGuard(cur, role, owners); err != nil {
			return err
		}
		if role == "" {
			_, err = tx.exec(ctx, qRemoveMember, space, subject)
		} else {
			_, err = tx.exec(ctx, qUpsertMember, space, subject, role)
		}
		return err
	})
}

// SetMember implements Access.
func (s *sqlStore) SetMember(ctx context.Context, space, subject, role string) error {
	return s.changeMember(ctx, space, subject, role)
}

// RemoveMember implements Access.
func (s *sqlStore) RemoveMember(ctx context.Context, space, subject string) error {
	return s.changeMember(ctx, space, subject, "")
}

// CreateInvite implements Access.
func (s *sqlStore) CreateInvite(ctx context.Context, inv Invite) error {
	_, err := s.execAs(ctx, "create invite", qCreateInvite, inv.Code, inv.SpaceID, inv.SessionID, inv.Role,
		inv.ExpiresAt.UnixNano(), inv.MaxUses, inv.CreatedBy, inv.CreatedAt.UnixNano())
	return err
}

// GetInvite implements Access.
func (s *sqlStore) GetInvite(ctx context.Context, code string) (Invite, error) {
	inv, err := scanInvite(s.conn.queryRow(ctx, qGetInvite, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Invite{}, ErrInviteNotFound
	}
	return inv, err
}

// UseInvite implements Access.
func (s *sqlStore) UseInvite(ctx context.Context, code string, now time.Time) (Invite, error) {
	n, err := s.execAs(ctx, "use invite", qUseInvite, code, now.UnixNano())
	if err != nil {
		return Invite{}, err
	}
	inv, err := s.GetInvite(ctx, code)
	if err != nil {
		return Invite{}, err
	}
	if n == 0 {
		return Invite{}, ErrInviteSpent
	}
	return inv, nil
}

// DeleteInvite implements Access.
func (s *sqlStore) DeleteInvite(ctx context.Context, code string) error {
	n, err := s.execAs(ctx, "delete invite", qDelInvite, code)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrInviteNotFound
	}
	return nil
}

// Invites implements Access.
func (s *sqlStore) Invites(ctx context.Context, space string) ([]Invite, error) {
	return queryAll(ctx, s.conn, "invites of "+space, scanInvite, qInvites, space)
}

// GetProfile implements Access.
func (s *sqlStore) GetProfile(ctx context.Context, subject string) (Profile, error) {
	var p Profile
	err := s.conn.queryRow(ctx, qGetProfile, subject).Scan(&p.Subject, &p.Name, &p.Color)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, nil
	}
	return p, err
}

// PutProfile implements Access.
func (s *sqlStore) PutProfile(ctx context.Context, p Profile) error {
	_, err := s.execAs(ctx, "put profile", qPutProfile, p.Subject, p.Name, p.Color)
	return err
}
