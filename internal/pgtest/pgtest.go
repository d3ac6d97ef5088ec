// Package pgtest gives tests a PostgreSQL schema of their own on the
// server of COCREATE_TEST_POSTGRES (default the local test database;
// scripts/ensure-postgres.sh starts one when none answers), and a
// throwaway cluster of its own (StartCluster) to tests that stop and
// start the server.
package pgtest

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

// BaseDSN is the server tests use.
func BaseDSN() string {
	if dsn := os.Getenv("COCREATE_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Schema creates a fresh schema named prefix_<random>, dropped when the
// test ends, and returns a DSN whose search_path is that schema. An
// unreachable server fails the test with how to start one.
func Schema(t testing.TB, prefix string) string {
	t.Helper()
	base := BaseDSN()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL unreachable at %s: %v\nrun: eval \"$(scripts/ensure-postgres.sh)\"", base, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Error(err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath returns dsn with search_path set to schema, in either
// DSN syntax (pgx passes unknown URL parameters on as run-time settings).
func withSearchPath(t testing.TB, dsn, schema string) string {
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
