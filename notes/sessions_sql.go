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
)

// CreateSession implements Sessions.
func (s *sqlStore) CreateSession(ctx context.Context, ss Session) error {
	data, err := json.Marshal(ss)
	if err != nil {
		return fmt.Errorf("create session %s: %w", ss.ID, err)
	}
	_, err = s.conn.exec(ctx, `INSERT INTO sessions (id, state, created_ns, data) VALUES ($1, $2, $3, $4)`,
		ss.ID, ss.State, ss.CreatedAt.UnixNano(), data)
	if err != nil && s.duplicate(err) {
		return fmt.Errorf("create session %s: %w", ss.ID, ErrSessionExists)
	}
	if err != nil {
		return fmt.Errorf("create session %s: %w", ss.ID, err)
	}
	return nil
}

// getSession reads a session and its revision.
func (s *sqlStore) getSession(ctx context.Context, id string) (Session, error) {
	var data []byte
	var rev int64
	err := s.conn.queryRow(ctx, `SELECT data, revision FROM sessions WHERE id = $1`, id).Scan(&data, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrSessionNotFound
	}
	return scannedSession(id, data, rev, err)
}

// CountSpaceSessions implements Sessions. The space is read from the
// record's JSON; the index on created_ns bounds the rows it reads to the
// window's.
func (s *sqlStore) CountSpaceSessions(ctx context.Context, space string, since time.Time) (int, error) {
	var n int
	if err := s.conn.queryRow(ctx, s.countSpaceSessions, since.UnixNano(), space).Scan(&n); err != nil {
		return 0, fmt.Errorf("count sessions of space %s: %w", space, err)
	}
	return n, nil
}

// GetSession implements Sessions.
func (s *sqlStore) GetSession(ctx context.Context, id string) (Session, error) {
	return s.getSession(ctx, id)
}

// ListSessions implements Sessions. The page token is an offset.
func (s *sqlStore) ListSessions(ctx context.Context, opts ListOptions) (SessionPage, error) {
	off, err := parseToken(opts.PageToken)
	if err != nil {
		return SessionPage{}, err
	}
	limit := normLimit(opts.Limit)
	list, err := queryAll(ctx, s.conn, "list sessions", scanSessionData, `SELECT data FROM sessions WHERE ($1 = '' OR state = $1)
		ORDER BY created_ns DESC, id DESC LIMIT $2 OFFSET $3`, opts.State, limit+1, off)
	if err != nil {
		return SessionPage{}, err
	}
	page := SessionPage{Sessions: list}
	if len(page.Sessions) > limit {
		page.Sessions = page.Sessions[:limit]
		page.NextPageToken = strconv.Itoa(off + limit)
	}
	return page, nil
}

func scanSessionData(r scanner) (Session, error) {
	var data []byte
	var ss Session
	if err := r.Scan(&data); err != nil {
		return ss, err
	}
	err := json.Unmarshal(data, &ss)
	return ss, err
}

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
func (s *sqlStore) UpdateSession(ctx context.Context, id string, change func(*Session) error) (Session, error) {
	return casSession(id, change,
		func() (Session, error) { return s.getSession(ctx, id) },
		func(ss Session, data []byte) (bool, error) {
			n, err := s.conn.exec(ctx, `UPDATE sessions SET state = $1, data = $2, revision = revision + 1
				WHERE id = $3 AND revision = $4`, ss.State, data, id, ss.Revision)
			return n == 1, err
		})
}

// DeleteSession implements Sessions: the record, its RSVPs and task
// copies (sessionPulseDeletes) and every document of the session, in one
// transaction.
func (s *sqlStore) DeleteSession(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx sqlConn) error {
		n, err := tx.exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrSessionNotFound
		}
		for _, q := range sessionPulseDeletes {
			if _, err := tx.exec(ctx, q, id); err != nil {
				return err
			}
		}
		return s.deletePrefixIn(ctx, tx, id+"/")
	})
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}

// likeEscape escapes LIKE wildcards in a prefix (escape char '\').
func likeEscape(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p)
}

// deletePrefixIn drops, in tx, every row of documents starting with
// prefix: updates, snapshots, versions and search entries.
func (s *sqlStore) deletePrefixIn(ctx context.Context, tx sqlConn, prefix string) error {
	pat := likeEscape(prefix) + "%"
	for _, q := range s.deletePrefix {
		if _, err := tx.exec(ctx, q, pat); err != nil {
			return err
		}
	}
	return nil
}

// DeletePrefix implements Store; it drops versions and search entries too.
func (s *sqlStore) DeletePrefix(ctx context.Context, prefix string) error {
	err := s.tx(ctx, func(tx sqlConn) error { return s.deletePrefixIn(ctx, tx, prefix) })
	if err != nil {
		return fmt.Errorf("delete %s*: %w", prefix, err)
	}
	return nil
}
