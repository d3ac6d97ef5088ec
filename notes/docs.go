package notes

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Lister lists the documents a store holds. SQLiteStore, PostgresStore
// and MemoryStore implement it; the server uses it to version every
// document of a session when the session ends.
type Lister interface {
	// Docs returns the names of the documents that start with prefix
	// (e.g. "{session}/") and have a snapshot or updates, sorted.
	Docs(ctx context.Context, prefix string) ([]string, error)
}

// Docs implements Lister.
func (s *MemoryStore) Docs(_ context.Context, prefix string) ([]string, error) {
	return locked(s, func() ([]string, error) {
		var out []string
		for d := range s.docs {
			if strings.HasPrefix(d, prefix) {
				out = append(out, d)
			}
		}
		slices.Sort(out)
		return out, nil
	})
}

// Docs implements Lister.
func (s *SQLiteStore) Docs(ctx context.Context, prefix string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc FROM snapshots WHERE substr(doc, 1, length(?1)) = ?1
		UNION SELECT doc FROM updates WHERE substr(doc, 1, length(?1)) = ?1 ORDER BY 1`, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s*: %w", prefix, err)
	}
	defer rows.Close()
	return scanDocs(rows, prefix)
}

// scanDocs reads the document names of a Docs query, from either
// database's rows.
func scanDocs(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, prefix string) ([]string, error) {
	out := []string{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("list %s*: %w", prefix, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s*: %w", prefix, err)
	}
	return out, nil
}

// Docs implements Lister.
func (s *PostgresStore) Docs(ctx context.Context, prefix string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT doc FROM snapshots WHERE left(doc, length($1)) = $1
		UNION SELECT doc FROM updates WHERE left(doc, length($1)) = $1 ORDER BY 1`, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s*: %w", prefix, err)
	}
	defer rows.Close()
	return scanDocs(rows, prefix)
}
