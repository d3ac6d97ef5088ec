package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlConn is a pool or transaction of either SQL database as the code
// SQLiteStore and PostgresStore share sees it: queries are written once
// with PostgreSQL's $N placeholders (SQLite reads them as ?N), a missing
// row is sql.ErrNoRows, and exec reports how many rows it changed.
type sqlConn interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	queryRow(ctx context.Context, q string, args ...any) scanner
	query(ctx context.Context, q string, args ...any) (sqlRows, error)
}

// sqlRows is the rows of a query of either database; Close releases them.
type sqlRows interface {
	rowsOf
	Close()
}

// queryAll runs q and scans every row with scan; an error says it was
// reading what.
func queryAll[T any](ctx context.Context, c sqlConn, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	out, err := func() ([]T, error) {
		rows, err := c.query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return collect(rows, scan)
	}()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// sqlStore is the code SQLiteStore and PostgresStore share (they embed
// it): Access, Sessions, SeriesStore written once over sqlConn, given
// what of the database cannot be written once: its transactions and the
// few queries whose SQL differs.
type sqlStore struct {
	conn sqlConn
	// tx runs fn in one transaction (SQLite: IMMEDIATE; PostgreSQL:
	// read committed).
	tx func(ctx context.Context, fn func(sqlConn) error) error
	// lockSpace reads a space's id and keeps other writers of its
	// membership waiting until the transaction ends.
	lockSpace string
	// countSpaceSessions counts the sessions of a space ($2) created at
	// or after $1, reading the space from the record's JSON.
	countSpaceSessions string
	// duplicate reports an insert refused for a primary key taken.
	duplicate func(error) bool
	// deletePrefix are the statements that drop the rows of the
	// documents whose name is LIKE $1.
	deletePrefix []string
	// indexEntry stores a cleaned search entry, replacing the document's.
	indexEntry func(ctx context.Context, e Entry) error
	// searchQuery is the full-text query of q's terms: rows of session,
	// doc, title, version, snippet (between markStart and markEnd) and
	// rank, best first.
	searchQuery func(terms []string, q Query) (string, []any, error)
	// lockDoc ($1 a lock class, $2 a document) makes other writers of
	// the document wait until the transaction ends; "" when the
	// transaction does already.
	lockDoc      string
	versionTimes versionTimes
}

// isUniqueViolation reports a PostgreSQL unique_violation (23505).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// sqliteQuery turns $N placeholders into SQLite's ?N; a $ not followed
// by a digit (a JSON path) stays.
func sqliteQuery(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// sqliteConn is a *sql.DB or *sql.Tx of SQLiteStore.
type sqliteConn struct {
	q interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
		QueryRowContext(context.Context, string, ...any) *sql.Row
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}
}

func (c sqliteConn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, sqliteQuery(q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c sqliteConn) queryRow(ctx context.Context, q string, args ...any) scanner {
	return c.q.QueryRowContext(ctx, sqliteQuery(q), args...)
}

func (c sqliteConn) query(ctx context.Context, q string, args ...any) (sqlRows, error) {
	rows, err := c.q.QueryContext(ctx, sqliteQuery(q), args...)
	if err != nil {
		return nil, err
	}
	return sqliteRows{rows}, nil
}

type sqliteRows struct{ *sql.Rows }

func (r sqliteRows) Close() { r.Rows.Close() }

// pgConn is the pool or a pgx.Tx of PostgresStore.
type pgConn struct {
	q interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
		QueryRow(context.Context, string, ...any) pgx.Row
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}
}

func (c pgConn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (c pgConn) queryRow(ctx context.Context, q string, args ...any) scanner {
	return pgRow{c.q.QueryRow(ctx, q, args...)}
}

func (c pgConn) query(ctx context.Context, q string, args ...any) (sqlRows, error) {
	return c.q.Query(ctx, q, args...)
}

// pgRow reads pgx.ErrNoRows as sql.ErrNoRows.
type pgRow struct{ pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// deleteDocsLike is the statements that drop the updates, snapshots and
// versions of the documents whose name is LIKE $1, then search's.
func deleteDocsLike(search ...string) []string {
	var qs []string
	for _, table := range []string{"updates", "snapshots", "versions"} {
		qs = append(qs, `DELETE FROM `+table+` WHERE doc LIKE $1 ESCAPE '\'`)
	}
	return append(qs, search...)
}

func newSQLiteStore(db *sql.DB) *SQLiteStore {
	s := &SQLiteStore{db: db}
	s.sqlStore = sqlStore{
		conn: sqliteConn{db},
		tx: func(ctx context.Context, fn func(sqlConn) error) error {
			return s.inTx(ctx, func(tx *sql.Tx) error { return fn(sqliteConn{tx}) })
		},
		lockSpace:    `SELECT id FROM spaces WHERE id = $1`,
		indexEntry:   s.indexEntry,
		searchQuery:  sqliteSearchQuery,
		versionTimes: sqliteVersionTimes,
		countSpaceSessions: `SELECT count(*) FROM sessions
		WHERE created_ns >= $1 AND json_extract(CAST(data AS TEXT), '$.space_id') = $2`,
		duplicate: func(err error) bool { return isSQLiteConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) },
		deletePrefix: deleteDocsLike(
			`DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE doc LIKE $1 ESCAPE '\')`,
			`DELETE FROM search_docs WHERE doc LIKE $1 ESCAPE '\'`),
	}
	return s
}

func newPostgresStore(pool *pgxpool.Pool) *PostgresStore {
	return &PostgresStore{pool: pool, sqlStore: sqlStore{
		conn: pgConn{pool},
		tx: func(ctx context.Context, fn func(sqlConn) error) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return fn(pgConn{tx}) })
		},
		lockSpace:    `SELECT id FROM spaces WHERE id = $1 FOR UPDATE`,
		indexEntry:   pgIndexEntry(pool),
		searchQuery:  pgSearchQuery,
		lockDoc:      pgLockDoc,
		versionTimes: pgVersionTimes,
		// The index on created_ns bounds the rows read to the window's.
		countSpaceSessions: `SELECT count(*) FROM sessions
		WHERE created_ns >= $1 AND convert_from(data, 'UTF8')::jsonb ->> 'space_id' = $2`,
		duplicate:    isUniqueViolation,
		deletePrefix: deleteDocsLike(`DELETE FROM search_entries WHERE doc LIKE $1 ESCAPE '\'`),
	}}
}
