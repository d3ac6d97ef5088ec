package notes

import (
	"context"
	"testing"

	"github.com/cocreate/cocreate/internal/pgtest"
)

// freshPostgres creates an empty schema for one test, dropped when it
// ends, and returns a DSN whose tables live in it (pgtest.Schema);
// parallel tests and packages never see each other's rows. An
// unreachable server fails the test: PostgreSQL is part of what is
// tested.
func freshPostgres(t *testing.T) string {
	t.Helper()
	return pgtest.Schema(t, "notes_test")
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
