package notes

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresStore is the Store (and Sessions, Versions and Index) shared by
// several cocreate instances: a pgx connection pool on one PostgreSQL
// database. The DSN may set search_path to keep cocreate's tables in
// their own schema.
//
// Writers coordinate per document with transaction-scoped advisory locks
// (see lockDoc): compactions of one document, and the numbering of its
// versions, take turns across every instance, while appends never wait.
type PostgresStore struct {
	pool *pgxpool.Pool
	sqlStore
}

// Advisory lock classes: the first key of pg_advisory_xact_lock(int, int);
// the second is a hash of the document name (a collision only makes two
// documents take turns).
const (
	lockMigrate = 0x636f6330 + iota // "coc0"
	lockCompact
	lockVersion
)

// OpenPostgres connects to the database at dsn (a postgres:// URL or
// key=value string) and applies the pending migrations.
func OpenPostgres(ctx context.Context, dsn string) (*PostgresStore, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	s := newPostgresStore(pool)
	if err := s.migrate(ctx, postgresMigrations); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return s, nil
}

// lockDoc takes the advisory lock of class on doc until tx ends.
func lockDoc(ctx context.Context, tx pgx.Tx, class int32, doc string) error {
	_, err := tx.Exec(ctx, pgLockDoc, class, doc)
	return err
}

// pgLockDoc takes the advisory lock of class $1 on document $2.
const pgLockDoc = `SELECT pg_advisory_xact_lock($1, hashtext($2))`

// Append implements Store.
func (s *PostgresStore) Append(ctx context.Context, doc string, updates ...[]byte) error {
	if len(updates) == 0 {
		return nil
	}
	docs := make([]string, len(updates))
	for i := range docs {
		docs[i] = doc
	}
	// One statement, so all or none; rows are numbered in array order.
	if _, err := s.pool.Exec(ctx, `INSERT INTO updates (doc, data)
		SELECT d, u FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS t(d, u, i) ORDER BY i`, docs, updates); err != nil {
		return fmt.Errorf("append %s: %w", doc, err)
	}
	return nil
}

// Load implements Store. One REPEATABLE READ transaction sees the
// snapshot and the updates as of one instant, so a concurrent compaction
// can neither hide updates nor show them twice.
func (s *PostgresStore) Load(ctx context.Context, doc string) (State, error) {
	var st State
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		st, _, err = loadPG(ctx, tx, doc)
		return err
	})
	if err != nil {
		return State{}, fmt.Errorf("load %s: %w", doc, err)
	}
	return st, nil
}

// loadPG reads doc's snapshot and updates, with the updates' row numbers.
func loadPG(ctx context.Context, tx pgx.Tx, doc string) (State, []int64, error) {
	var st State
	err := tx.QueryRow(ctx, `SELECT data FROM snapshots WHERE doc = $1`, doc).Scan(&st.Snapshot)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return State{}, nil, err
	}
	rows, err := tx.Query(ctx, `SELECT seq, data FROM updates WHERE doc = $1 ORDER BY seq`, doc)
	if err != nil {
		return State{}, nil, err
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		var u []byte
		if err := rows.Scan(&seq, &u); err != nil {
			return State{}, nil, err
		}
		seqs = append(seqs, seq)
		st.Updates = append(st.Updates, u)
	}
	return st, seqs, rows.Err()
}

// Compact implements Store. Under the document's compaction lock it
// merges the snapshot and the committed updates it read, then deletes
// exactly those rows: sequence numbers are not committed in order, so an
// update committing meanwhile may have a lower number than one read, and
// "delete up to the highest" would lose it.
func (s *PostgresStore) Compact(ctx context.Context, doc string) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockDoc(ctx, tx, lockCompact, doc); err != nil {
			return err
		}
		st, seqs, err := loadPG(ctx, tx, doc)
		if err != nil || len(seqs) == 0 {
			return err
		}
		merged, err := merge(doc, st.Snapshot, st.Updates)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO snapshots (doc, data) VALUES ($1, $2)
			ON CONFLICT (doc) DO UPDATE SET data = excluded.data`, doc, merged); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM updates WHERE seq = ANY($1)`, seqs); err != nil {
			return err
		}
		n = len(seqs)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("compact %s: %w", doc, err)
	}
	return n, nil
}

// Close implements Store.
func (s *PostgresStore) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers (the server's /readyz).
func (s *PostgresStore) Ping(ctx context.Context) error {
	return s.pool.Ping(ctx)
}
