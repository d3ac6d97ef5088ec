package notes

import (
	"context"
	"fmt"
	"slices"
)

// Secrets keeps the deployment's shared keys beside its data, so that
// every instance on one store derives the same guest ids and ballot
// hashes. MemoryStore, SQLiteStore and PostgresStore implement it.
type Secrets interface {
	// Secret returns the value stored under name, storing value first
	// if there is none: of concurrent callers (other instances) the
	// first to store wins and all get its value.
	Secret(ctx context.Context, name string, value []byte) ([]byte, error)
}

const (
	qPutSecret = `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
	qGetSecret = `SELECT value FROM secrets WHERE name = $1`
)

// Secret implements Secrets.
func (s *sqlStore) Secret(ctx context.Context, name string, value []byte) ([]byte, error) {
	if _, err := s.conn.exec(ctx, qPutSecret, name, value); err != nil {
		return nil, fmt.Errorf("storing secret %s: %w", name, err)
	}
	var out []byte
	if err := s.conn.queryRow(ctx, qGetSecret, name).Scan(&out); err != nil {
		return nil, fmt.Errorf("reading secret %s: %w", name, err)
	}
	return out, nil
}

// Secret implements Secrets.
func (s *MemoryStore) Secret(_ context.Context, name string, value []byte) ([]byte, error) {
	var out []byte
	err := s.locked(func() error {
		if s.secrets == nil {
			s.secrets = map[string][]byte{}
		}
		if _, ok := s.secrets[name]; !ok {
			s.secrets[name] = slices.Clone(value)
		}
		out = slices.Clone(s.secrets[name])
		return nil
	})
	return out, err
}
