package notes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pgBaseDSN is the test server: COCREATE_TEST_POSTGRES, or the local one.
func pgBaseDSN() string {
	if dsn := os.Getenv("COCREATE_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// withSearchPath returns dsn with search_path set to schema, in either
// DSN syntax (pgx passes unknown URL parameters on as run-time settings).
func withSearchPath(t *testing.T, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("COCREATE_TEST_POSTGRES %q: %v", dsn, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// freshPostgres creates an empty schema for one test, dropped when it
// ends, and returns a DSN whose tables live in it; parallel tests and
// packages never see each other's rows. An unreachable server fails the
// test: PostgreSQL is part of what is tested.
func freshPostgres(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	base := pgBaseDSN()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL for the notes tests is unreachable at %s: %v\n"+
			"run: eval \"$(scripts/ensure-postgres.sh)\"  (starts a throwaway server if needed and exports COCREATE_TEST_POSTGRES; make test does this)", base, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "notes_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// openPostgres opens a store on dsn, closed when the test ends.
func openPostgres(t *testing.T, dsn string) *PostgresStore {
	t.Helper()
	s, err := OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgresStore(t *testing.T) {
	testStore(t, func(t *testing.T) Store { return openPostgres(t, freshPostgres(t)) })
}

func TestPostgresSessions(t *testing.T) {
	testSessions(t, func(t *testing.T) sessionStore { return openPostgres(t, freshPostgres(t)) })
}
