package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SaveVersion implements Versions. The IMMEDIATE transaction makes the
// next number unique even with several writers on the file.
func (s *SQLiteStore) SaveVersion(ctx context.Context, v Version, snapshot []byte) (Version, error) {
	v, err := checkVersion(v, snapshot)
	if err != nil {
		return Version{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Version{}, fmt.Errorf("save version of %s: %w", v.Doc, err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE doc = ?`, v.Doc).Scan(&v.N); err != nil {
		return Version{}, fmt.Errorf("save version of %s: %w", v.Doc, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO versions (doc, n, kind, name, created_ns, data) VALUES (?, ?, ?, ?, ?, ?)`,
		v.Doc, v.N, v.Kind, v.Name, v.CreatedAt.UnixNano(), snapshot); err != nil {
		return Version{}, fmt.Errorf("save version of %s: %w", v.Doc, err)
	}
	if err := tx.Commit(); err != nil {
		return Version{}, fmt.Errorf("save version of %s: %w", v.Doc, err)
	}
	return v, nil
}

// ListVersions implements Versions.
func (s *SQLiteStore) ListVersions(ctx context.Context, doc string) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT n, kind, name, created_ns FROM versions WHERE doc = ? ORDER BY n`, doc)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", doc, err)
	}
	defer rows.Close()
	vs := []Version{}
	for rows.Next() {
		v := Version{Doc: doc}
		var ns int64
		if err := rows.Scan(&v.N, &v.Kind, &v.Name, &ns); err != nil {
			return nil, fmt.Errorf("list versions of %s: %w", doc, err)
		}
		v.CreatedAt = time.Unix(0, ns).UTC()
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", doc, err)
	}
	return vs, nil
}

// GetVersion implements Versions.
func (s *SQLiteStore) GetVersion(ctx context.Context, doc string, n int) (Version, []byte, error) {
	v := Version{Doc: doc, N: n}
	var ns int64
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT kind, name, created_ns, data FROM versions WHERE doc = ? AND n = ?`, doc, n).
		Scan(&v.Kind, &v.Name, &ns, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, nil, versionNotFound(doc, n)
	}
	if err != nil {
		return Version{}, nil, fmt.Errorf("version %d of %s: %w", n, doc, err)
	}
	v.CreatedAt = time.Unix(0, ns).UTC()
	return v, data, nil
}

// LatestVersion implements Versions.
func (s *SQLiteStore) LatestVersion(ctx context.Context, doc string) (Version, error) {
	v := Version{Doc: doc}
	var ns int64
	err := s.db.QueryRowContext(ctx, `SELECT n, kind, name, created_ns FROM versions WHERE doc = ? ORDER BY n DESC LIMIT 1`, doc).
		Scan(&v.N, &v.Kind, &v.Name, &ns)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, ErrVersionNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, err)
	}
	v.CreatedAt = time.Unix(0, ns).UTC()
	return v, nil
}
