package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// versionTimes is how a database keeps a version's creation time: the
// column, that column as Unix nanoseconds in a query, and a time as the
// column's value.
type versionTimes struct {
	column, ns string
	value      func(time.Time) any
}

var (
	sqliteVersionTimes = versionTimes{column: "created_ns", ns: "created_ns",
		value: func(t time.Time) any { return t.UnixNano() }}
	// timestamptz keeps microseconds: exact in nanoseconds.
	pgVersionTimes = versionTimes{column: "created_at", ns: "(extract(epoch FROM created_at) * 1000000000)::bigint",
		value: func(t time.Time) any { return t }}
)

// SaveVersion implements Versions. Its transaction makes the next
// number unique: SQLite's is IMMEDIATE, PostgreSQL's holds the
// document's version lock (lockDoc), across instances.
func (s *sqlStore) SaveVersion(ctx context.Context, v Version, snapshot []byte) (Version, error) {
	v, err := checkVersion(v, snapshot)
	if err != nil {
		return Version{}, err
	}
	err = s.tx(ctx, func(tx sqlConn) error {
		if s.lockDoc != "" {
			if _, err := tx.exec(ctx, s.lockDoc, int32(lockVersion), v.Doc); err != nil {
				return err
			}
		}
		return tx.queryRow(ctx, `INSERT INTO versions (doc, n, kind, name, `+s.versionTimes.column+`, data)
			SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5 FROM versions WHERE doc = $1
			RETURNING n`, v.Doc, v.Kind, v.Name, s.versionTimes.value(v.CreatedAt), snapshot).Scan(&v.N)
	})
	if err != nil {
		return Version{}, fmt.Errorf("save version of %s: %w", v.Doc, err)
	}
	return v, nil
}

// versionCols are a version's columns but its snapshot.
func (s *sqlStore) versionCols() string {
	return `n, doc, kind, name, ` + s.versionTimes.ns
}

func scanVersion(r scanner) (Version, error) {
	var v Version
	err := r.Scan(&v.N, &v.Doc, &v.Kind, &v.Name, unixNano{&v.CreatedAt})
	return v, err
}

// unixNano scans Unix nanoseconds (an integer column) into a UTC time.
type unixNano struct{ t *time.Time }

func (u unixNano) Scan(src any) error {
	ns, ok := src.(int64)
	if !ok {
		return fmt.Errorf("time in nanoseconds: got %T", src)
	}
	*u.t = time.Unix(0, ns).UTC()
	return nil
}

// ListVersions implements Versions.
func (s *sqlStore) ListVersions(ctx context.Context, doc string) ([]Version, error) {
	return queryAll(ctx, s.conn, "list versions of "+doc, scanVersion,
		`SELECT `+s.versionCols()+` FROM versions WHERE doc = $1 ORDER BY n`, doc)
}

// GetVersion implements Versions.
func (s *sqlStore) GetVersion(ctx context.Context, doc string, n int) (Version, []byte, error) {
	var v Version
	var data []byte
	err := s.conn.queryRow(ctx, `SELECT `+s.versionCols()+`, data FROM versions WHERE doc = $1 AND n = $2`, doc, n).
		Scan(&v.N, &v.Doc, &v.Kind, &v.Name, unixNano{&v.CreatedAt}, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, nil, versionNotFound(doc, n)
	}
	if err != nil {
		return Version{}, nil, fmt.Errorf("version %d of %s: %w", n, doc, err)
	}
	return v, data, nil
}

// LatestVersion implements Versions.
func (s *sqlStore) LatestVersion(ctx context.Context, doc string) (Version, error) {
	v, err := scanVersion(s.conn.queryRow(ctx, `SELECT `+s.versionCols()+` FROM versions WHERE doc = $1 ORDER BY n DESC LIMIT 1`, doc))
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, ErrVersionNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, err)
	}
	return v, nil
}
