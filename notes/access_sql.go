package notes

import (
	"strings"
	"time"
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

// sqliteQuery turns $N placeholders into SQLite's ?N.
func sqliteQuery(q string) string { return strings.ReplaceAll(q, "$", "?") }

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
