package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// testPostgresDSN creates a schema for one test on the server of
// COCREATE_TEST_POSTGRES (see scripts/ensure-postgres.sh), dropped at the
// end, and returns a DSN using it.
func testPostgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("COCREATE_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL unreachable at %s: %v\nrun: eval \"$(scripts/ensure-postgres.sh)\"", base, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "server_test_" + hex.EncodeToString(b[:])
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
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// With --postgres, two instances share sessions: one created on the first
// is read from the second.
func TestPostgresSharedBetweenInstances(t *testing.T) {
	dsn := testPostgresDSN(t)
	usePG := func(c *Config) { c.Postgres = dsn; c.Data = "" }
	a := startServer(t, t.TempDir(), usePG)
	b := startServer(t, t.TempDir(), usePG)

	resp, err := http.Post(a.url+"/api/sessions", "application/json", strings.NewReader(`{"title":"Shared","time_zone":"UTC"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK || created.ID == "" {
		t.Fatalf("create on a: %d %+v", resp.StatusCode, created)
	}
	resp, err = http.Get(b.url + "/api/sessions/" + created.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ ID, Title string }
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || got.Title != "Shared" {
		t.Fatalf("get on b: %d %+v", resp.StatusCode, got)
	}
}
