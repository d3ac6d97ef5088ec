package notes

import (
	"context"
	"fmt"
	"time"
)

// migrations is what a database's migration differs in: its directory
// under migrations/, a statement that makes other instances starting
// together wait (none for SQLite, whose IMMEDIATE transaction does it),
// the schema_migrations table and how a version is recorded in it.
type migrations struct {
	backend, lock, table string
	record               func(ctx context.Context, tx sqlConn, m migration) error
}

// migrate applies the pending migrations in one transaction, so of
// several instances starting together the first applies them and the
// others find nothing to do.
func (s *sqlStore) migrate(ctx context.Context, d migrations) error {
	ms, err := readMigrations(d.backend)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx sqlConn) error {
		for _, q := range []string{d.lock, d.table} {
			if q == "" {
				continue
			}
			if _, err := tx.exec(ctx, q); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
		vs, err := queryAll(ctx, tx, "migrate", scanSchemaVersion, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		applied := map[int]bool{}
		for _, v := range vs {
			applied[v] = true
		}
		todo, err := pending(d.backend, ms, applied)
		if err != nil {
			return err
		}
		for _, m := range todo {
			// No arguments: pgx sends it as a simple query, so a file may
			// hold several statements.
			_, err := tx.exec(ctx, m.sql)
			if err == nil {
				err = d.record(ctx, tx, m)
			}
			if err != nil {
				return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
			}
		}
		return nil
	})
}

func scanSchemaVersion(r scanner) (int, error) {
	var v int
	err := r.Scan(&v)
	return v, err
}

// SchemaVersions returns the migrations applied to the database, in
// order, as version numbers.
func (s *sqlStore) SchemaVersions(ctx context.Context) ([]int, error) {
	return queryAll(ctx, s.conn, "schema versions", scanSchemaVersion, `SELECT version FROM schema_migrations ORDER BY version`)
}

var sqliteMigrations = migrations{
	backend: "sqlite",
	table: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_ns INTEGER NOT NULL
	)`,
	record: func(ctx context.Context, tx sqlConn, m migration) error {
		_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_ns) VALUES ($1, $2, $3)`,
			m.version, m.name, time.Now().UnixNano())
		return err
	},
}

var postgresMigrations = migrations{
	backend: "postgres",
	// An advisory lock held until the transaction ends.
	lock: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, 0)`, int32(lockMigrate)),
	table: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT        NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
		)`,
	record: func(ctx context.Context, tx sqlConn, m migration) error {
		_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
		return err
	},
}
