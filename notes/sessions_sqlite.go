package notes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// CreateSession implements Sessions.
func (s *SQLiteStore) CreateSession(ctx context.Context, ss Session) error {
	data, err := json.Marshal(ss)
	if err != nil {
		return fmt.Errorf("create session %s: %w", ss.ID, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO sessions (id, state, created_ns, data) VALUES (?, ?, ?, ?)`,
		ss.ID, ss.State, ss.CreatedAt.UnixNano(), data)
	if err != nil {
		if isSQLiteConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
			return fmt.Errorf("create session %s: %w", ss.ID, ErrSessionExists)
		}
		return fmt.Errorf("create session %s: %w", ss.ID, err)
	}
	return nil
}

func getSessionTx(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string) (Session, error) {
	var data []byte
	var rev int64
	err := q.QueryRowContext(ctx, `SELECT data, revision FROM sessions WHERE id = ?`, id).Scan(&data, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrSessionNotFound
	}
	return scannedSession(id, data, rev, err)
}

// CountSpaceSessions implements Sessions. The space is read from the
// record's JSON; the index on created_ns bounds the rows it reads to the
// window's.
func (s *SQLiteStore) CountSpaceSessions(ctx context.Context, space string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sessions
		WHERE created_ns >= ? AND json_extract(CAST(data AS TEXT), '$.space_id') = ?`, since.UnixNano(), space).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sessions of space %s: %w", space, err)
	}
	return n, nil
}

// GetSession implements Sessions.
func (s *SQLiteStore) GetSession(ctx context.Context, id string) (Session, error) {
	return getSessionTx(ctx, s.db, id)
}

// ListSessions implements Sessions. The page token is an offset.
func (s *SQLiteStore) ListSessions(ctx context.Context, opts ListOptions) (SessionPage, error) {
	off, err := parseToken(opts.PageToken)
	if err != nil {
		return SessionPage{}, err
	}
	limit := normLimit(opts.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM sessions WHERE (? = '' OR state = ?)
		ORDER BY created_ns DESC, id DESC LIMIT ? OFFSET ?`, opts.State, opts.State, limit+1, off)
	if err != nil {
		return SessionPage{}, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	page := SessionPage{Sessions: []Session{}}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return SessionPage{}, fmt.Errorf("list sessions: %w", err)
		}
		var ss Session
		if err := json.Unmarshal(data, &ss); err != nil {
			return SessionPage{}, fmt.Errorf("list sessions: %w", err)
		}
		page.Sessions = append(page.Sessions, ss)
	}
	if err := rows.Err(); err != nil {
		return SessionPage{}, fmt.Errorf("list sessions: %w", err)
	}
	if len(page.Sessions) > limit {
		page.Sessions = page.Sessions[:limit]
		page.NextPageToken = strconv.Itoa(off + limit)
	}
	return page, nil
}

// ErrBadPageToken is returned for a page token List did not produce.
var ErrBadPageToken = errors.New("notes: bad page token")

func parseToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(tok)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %q", ErrBadPageToken, tok)
	}
	return n, nil
}

// UpdateSession implements Sessions: one UPDATE that succeeds only on
// the revision read.
func (s *SQLiteStore) UpdateSession(ctx context.Context, id string, change func(*Session) error) (Session, error) {
	return casSession(id, change,
		func() (Session, error) { return getSessionTx(ctx, s.db, id) },
		func(ss Session, data []byte) (bool, error) {
			res, err := s.db.ExecContext(ctx, `UPDATE sessions SET state = ?, data = ?, revision = revision + 1
				WHERE id = ? AND revision = ?`, ss.State, data, id, ss.Revision)
			if err != nil {
				return false, err
			}
			n, err := res.RowsAffected()
			return n == 1, err
		})
}

// DeleteSession implements Sessions.
func (s *SQLiteStore) DeleteSession(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete session %s: %w", id, ErrSessionNotFound)
	}
	for _, q := range sessionPulseDeletes {
		if _, err := tx.ExecContext(ctx, sqliteQuery(q), id); err != nil {
			return fmt.Errorf("delete session %s: %w", id, err)
		}
	}
	if err := deletePrefixTx(ctx, tx, id+"/"); err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}

// likeEscape escapes LIKE wildcards in a prefix (escape char '\').
func likeEscape(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p)
}

func deletePrefixTx(ctx context.Context, tx *sql.Tx, prefix string) error {
	pat := likeEscape(prefix) + "%"
	if _, err := tx.ExecContext(ctx, `DELETE FROM updates WHERE doc LIKE ? ESCAPE '\'`, pat); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM snapshots WHERE doc LIKE ? ESCAPE '\'`, pat); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM versions WHERE doc LIKE ? ESCAPE '\'`, pat); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid IN
		(SELECT id FROM search_docs WHERE doc LIKE ? ESCAPE '\')`, pat); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE doc LIKE ? ESCAPE '\'`, pat); err != nil {
		return err
	}
	return nil
}

// DeletePrefix implements Store.
func (s *SQLiteStore) DeletePrefix(ctx context.Context, prefix string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete %s*: %w", prefix, err)
	}
	defer tx.Rollback()
	if err := deletePrefixTx(ctx, tx, prefix); err != nil {
		return fmt.Errorf("delete %s*: %w", prefix, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete %s*: %w", prefix, err)
	}
	return nil
}
