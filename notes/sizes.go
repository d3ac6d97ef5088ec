package notes

import (
	"context"
	"fmt"
	"strings"
)

// Sizer reports how many bytes a store holds per document (snapshot
// plus updates): what a session's byte quota counts. SQLiteStore,
// PostgresStore and MemoryStore implement it.
type Sizer interface {
	// DocSizes returns the stored bytes of every document whose name
	// starts with prefix.
	DocSizes(ctx context.Context, prefix string) (map[string]int64, error)
}

// DocSizes implements Sizer.
func (s *MemoryStore) DocSizes(_ context.Context, prefix string) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := map[string]int64{}
	for d, st := range s.docs {
		if !strings.HasPrefix(d, prefix) {
			continue
		}
		n := int64(len(st.Snapshot))
		for _, u := range st.Updates {
			n += int64(len(u))
		}
		out[d] = n
	}
	return out, nil
}

// DocSizes implements Sizer.
func (s *SQLiteStore) DocSizes(ctx context.Context, prefix string) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc, SUM(n) FROM (
		SELECT doc, length(data) AS n FROM snapshots WHERE substr(doc, 1, length(?1)) = ?1
		UNION ALL SELECT doc, length(data) FROM updates WHERE substr(doc, 1, length(?1)) = ?1) GROUP BY doc`, prefix)
	if err != nil {
		return nil, fmt.Errorf("sizes %s*: %w", prefix, err)
	}
	defer rows.Close()
	return scanSizes(rows, prefix)
}

// DocSizes implements Sizer.
func (s *PostgresStore) DocSizes(ctx context.Context, prefix string) (map[string]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT doc, SUM(n)::bigint FROM (
		SELECT doc, octet_length(data) AS n FROM snapshots WHERE left(doc, length($1)) = $1
		UNION ALL SELECT doc, octet_length(data) FROM updates WHERE left(doc, length($1)) = $1) t GROUP BY doc`, prefix)
	if err != nil {
		return nil, fmt.Errorf("sizes %s*: %w", prefix, err)
	}
	defer rows.Close()
	return scanSizes(rows, prefix)
}

// sizeRows is what database/sql and pgx rows have in common.
type sizeRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanSizes reads (doc, bytes) rows.
func scanSizes(r sizeRows, prefix string) (map[string]int64, error) {
	out := map[string]int64{}
	for r.Next() {
		var d string
		var n int64
		if err := r.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("sizes %s*: %w", prefix, err)
		}
		out[d] = n
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("sizes %s*: %w", prefix, err)
	}
	return out, nil
}
