package notes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// isUniqueViolation reports a PostgreSQL unique_violation (23505).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// CreateSession implements Sessions.
func (s *PostgresStore) CreateSession(ctx context.Context, ss Session) error {
	data, err := json.Marshal(ss)
	if err != nil {
		return fmt.Errorf("create session %s: %w", ss.ID, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO sessions (id, state, created_ns, data) VALUES ($1, $2, $3, $4)`,
		ss.ID, ss.State, ss.CreatedAt.UnixNano(), data)
	if isUniqueViolation(err) {
		return fmt.Errorf("create session %s: %w", ss.ID, ErrSessionExists)
	}
	if err != nil {
		return fmt.Errorf("create session %s: %w", ss.ID, err)
	}
	return nil
}

// getSessionPG reads a session and its revision.
func getSessionPG(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, id string) (Session, error) {
	var data []byte
	var rev int64
	err := q.QueryRow(ctx, `SELECT data, revision FROM sessions WHERE id = $1`, id).Scan(&data, &rev)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrSessionNotFound
	}
	return scannedSession(id, data, rev, err)
}

// CountSpaceSessions implements Sessions. The space is read from the
// record's JSON; the index on created_ns bounds the rows it reads to the
// window's.
func (s *PostgresStore) CountSpaceSessions(ctx context.Context, space string, since time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM sessions
		WHERE created_ns >= $1 AND convert_from(data, 'UTF8')::jsonb ->> 'space_id' = $2`, since.UnixNano(), space).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sessions of space %s: %w", space, err)
	}
	return n, nil
}

// GetSession implements Sessions.
func (s *PostgresStore) GetSession(ctx context.Context, id string) (Session, error) {
	return getSessionPG(ctx, s.pool, id)
}

// ListSessions implements Sessions. The page token is an offset.
func (s *PostgresStore) ListSessions(ctx context.Context, opts ListOptions) (SessionPage, error) {
	off, err := parseToken(opts.PageToken)
	if err != nil {
		return SessionPage{}, err
	}
	limit := normLimit(opts.Limit)
	rows, err := s.pool.Query(ctx, `SELECT data FROM sessions WHERE ($1 = '' OR state = $1)
		ORDER BY created_ns DESC, id DESC LIMIT $2 OFFSET $3`, opts.State, limit+1, off)
	if err != nil {
		return SessionPage{}, fmt.Errorf("list sessions: %w", err)
	}
	datas, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return SessionPage{}, fmt.Errorf("list sessions: %w", err)
	}
	page := SessionPage{Sessions: []Session{}}
	for _, data := range datas {
		var ss Session
		if err := json.Unmarshal(data, &ss); err != nil {
			return SessionPage{}, fmt.Errorf("list sessions: %w", err)
		}
		page.Sessions = append(page.Sessions, ss)
	}
	if len(page.Sessions) > limit {
		page.Sessions = page.Sessions[:limit]
		page.NextPageToken = strconv.Itoa(off + limit)
	}
	return page, nil
}

// UpdateSession implements Sessions: one UPDATE that succeeds only on
// the revision read.
func (s *PostgresStore) UpdateSession(ctx context.Context, id string, change func(*Session) error) (Session, error) {
	return casSession(id, change,
		func() (Session, error) { return getSessionPG(ctx, s.pool, id) },
		func(ss Session, data []byte) (bool, error) {
			tag, err := s.pool.Exec(ctx, `UPDATE sessions SET state = $1, data = $2, revision = revision + 1
				WHERE id = $3 AND revision = $4`, ss.State, data, id, ss.Revision)
			return tag.RowsAffected() == 1, err
		})
}

// DeleteSession implements Sessions.
func (s *PostgresStore) DeleteSession(ctx context.Context, id string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrSessionNotFound
		}
		for _, q := range sessionPulseDeletes {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return deletePrefixPG(ctx, tx, id+"/")
	})
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}
