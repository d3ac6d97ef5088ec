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

// getSessionPG reads a session; lock adds FOR UPDATE.
func getSessionPG(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, id string, lock bool) (Session, error) {
	query := `SELECT data FROM sessions WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	var data []byte
	err := q.QueryRow(ctx, query, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, fmt.Errorf("session %s: %w", id, ErrSessionNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("session %s: %w", id, err)
	}
	var ss Session
	if err := json.Unmarshal(data, &ss); err != nil {
		return Session{}, fmt.Errorf("session %s: %w", id, err)
	}
	return ss, nil
}

// GetSession implements Sessions.
func (s *PostgresStore) GetSession(ctx context.Context, id string) (Session, error) {
	return getSessionPG(ctx, s.pool, id, false)
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

// UpdateSession implements Sessions.
func (s *PostgresStore) UpdateSession(ctx context.Context, ss Session) error {
	data, err := json.Marshal(ss)
	if err != nil {
		return fmt.Errorf("update session %s: %w", ss.ID, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE sessions SET state = $1, data = $2 WHERE id = $3`, ss.State, data, ss.ID)
	if err != nil {
		return fmt.Errorf("update session %s: %w", ss.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update session %s: %w", ss.ID, ErrSessionNotFound)
	}
	return nil
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
		return deletePrefixPG(ctx, tx, id+"/")
	})
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}

// SetSessionState implements Sessions. The row is locked (FOR UPDATE), so
// concurrent transitions from several instances apply one at a time.
func (s *PostgresStore) SetSessionState(ctx context.Context, id, state string, at time.Time) (Session, error) {
	var ss Session
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if ss, err = getSessionPG(ctx, tx, id, true); err != nil {
			return err
		}
		if err := transition(&ss, state, at); err != nil {
			return fmt.Errorf("session %s: %w", id, err)
		}
		data, err := json.Marshal(ss)
		if err != nil {
			return fmt.Errorf("session %s: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET state = $1, data = $2 WHERE id = $3`, ss.State, data, id); err != nil {
			return fmt.Errorf("session %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Session{}, err
	}
	return ss, nil
}
