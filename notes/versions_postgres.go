package notes

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SaveVersion implements Versions. The document's version lock makes the
// next number unique across instances.
func (s *PostgresStore) SaveVersion(ctx context.Context, v Version, snapshot []byte) (Version, error) {
	v, err := checkVersion(v, snapshot)
	if err != nil {
		return Version{}, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockDoc(ctx, tx, lockVersion, v.Doc); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO versions (doc, n, kind, name, created_at, data)
			SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5 FROM versions WHERE doc = $1
			RETURNING n`, v.Doc, v.Kind, v.Name, v.CreatedAt, snapshot).Scan(&v.N)
	})
	if err != nil {
		return Version{}, fmt.Errorf("save version of %s: %w", v.Doc, err)
	}
	return v, nil
}

// ListVersions implements Versions.
func (s *PostgresStore) ListVersions(ctx context.Context, doc string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT n, doc, kind, name, created_at FROM versions WHERE doc = $1 ORDER BY n`, doc)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", doc, err)
	}
	vs, err := pgx.CollectRows(rows, scanVersionPG)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", doc, err)
	}
	if vs == nil {
		vs = []Version{}
	}
	return vs, nil
}

func scanVersionPG(row pgx.CollectableRow) (Version, error) {
	var v Version
	err := row.Scan(&v.N, &v.Doc, &v.Kind, &v.Name, &v.CreatedAt)
	v.CreatedAt = v.CreatedAt.UTC()
	return v, err
}

// GetVersion implements Versions.
func (s *PostgresStore) GetVersion(ctx context.Context, doc string, n int) (Version, []byte, error) {
	v := Version{Doc: doc, N: n}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT kind, name, created_at, data FROM versions WHERE doc = $1 AND n = $2`, doc, n).
		Scan(&v.Kind, &v.Name, &v.CreatedAt, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return Version{}, nil, versionNotFound(doc, n)
	}
	if err != nil {
		return Version{}, nil, fmt.Errorf("version %d of %s: %w", n, doc, err)
	}
	v.CreatedAt = v.CreatedAt.UTC()
	return v, data, nil
}

// LatestVersion implements Versions.
func (s *PostgresStore) LatestVersion(ctx context.Context, doc string) (Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT n, doc, kind, name, created_at FROM versions WHERE doc = $1 ORDER BY n DESC LIMIT 1`, doc)
	if err != nil {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanVersionPG)
	if errors.Is(err, pgx.ErrNoRows) {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, ErrVersionNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, err)
	}
	return v, nil
}
