package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// isSQLiteConstraint reports a SQLite constraint error with the extended
// result code code (e.g. sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY): by code,
// not by the words of its message.
func isSQLiteConstraint(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == code
}

// SQLiteStore is the embedded default Store (and Sessions, Versions and
// Index): one SQLite database file in WAL mode with synchronous=FULL, so
// an appended update survives a crash of the process or of the machine.
// Several SQLiteStores, in one process or several, may share the file:
// every write is one IMMEDIATE transaction, so writers take turns.
type SQLiteStore struct {
	db *sql.DB
	sqlStore
}

// OpenSQLite opens (creating if needed) the store cocreate.db in dir.
func OpenSQLite(dir string) (*SQLiteStore, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	path := filepath.Join(dir, "cocreate.db")
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	// One writer at a time is all SQLite allows; a single connection also
	// keeps readers from seeing SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	s := newSQLiteStore(db)
	if err := s.migrate(context.Background(), sqliteMigrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return s, nil
}

// inTx runs fn in one (IMMEDIATE) transaction.
func (s *SQLiteStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Append implements Store.
func (s *SQLiteStore) Append(ctx context.Context, doc string, updates ...[]byte) error {
	if len(updates) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append %s: %w", doc, err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO updates (doc, data) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("append %s: %w", doc, err)
	}
	defer stmt.Close()
	for _, u := range updates {
		if _, err := stmt.ExecContext(ctx, doc, u); err != nil {
			return fmt.Errorf("append %s: %w", doc, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append %s: %w", doc, err)
	}
	return nil
}

// Load implements Store.
func (s *SQLiteStore) Load(ctx context.Context, doc string) (State, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return State{}, fmt.Errorf("load %s: %w", doc, err)
	}
	defer tx.Rollback()
	st, _, err := loadTx(ctx, tx, doc)
	if err != nil {
		return State{}, fmt.Errorf("load %s: %w", doc, err)
	}
	return st, nil
}

func loadTx(ctx context.Context, tx *sql.Tx, doc string) (State, int64, error) {
	var st State
	err := tx.QueryRowContext(ctx, `SELECT data FROM snapshots WHERE doc = ?`, doc).Scan(&st.Snapshot)
	if err != nil && err != sql.ErrNoRows {
		return State{}, 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, data FROM updates WHERE doc = ? ORDER BY seq`, doc)
	if err != nil {
		return State{}, 0, err
	}
	defer rows.Close()
	var last int64
	for rows.Next() {
		var u []byte
		if err := rows.Scan(&last, &u); err != nil {
			return State{}, 0, err
		}
		st.Updates = append(st.Updates, u)
	}
	return st, last, rows.Err()
}

// Compact implements Store.
func (s *SQLiteStore) Compact(ctx context.Context, doc string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("compact %s: %w", doc, err)
	}
	defer tx.Rollback()
	st, last, err := loadTx(ctx, tx, doc)
	if err != nil {
		return 0, fmt.Errorf("compact %s: %w", doc, err)
	}
	if len(st.Updates) == 0 {
		return 0, nil
	}
	merged, err := merge(doc, st.Snapshot, st.Updates)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO snapshots (doc, data) VALUES (?, ?)
		ON CONFLICT (doc) DO UPDATE SET data = excluded.data`, doc, merged); err != nil {
		return 0, fmt.Errorf("compact %s: %w", doc, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM updates WHERE doc = ? AND seq <= ?`, doc, last); err != nil {
		return 0, fmt.Errorf("compact %s: %w", doc, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("compact %s: %w", doc, err)
	}
	return len(st.Updates), nil
}

// Close implements Store.
func (s *SQLiteStore) Close() error { return s.db.Close() }
