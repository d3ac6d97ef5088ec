package server

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/cocreate/cocreate/internal/pgtest"
)

// testPostgresDSN is a schema of this test's own (internal/pgtest).
func testPostgresDSN(t *testing.T) string { return pgtest.Schema(t, "server_test") }

// With --postgres, two instances share sessions: one created on the first
// is read from the second.
func TestPostgresSharedBetweenInstances(t *testing.T) {
	dsn := testPostgresDSN(t)
	usePG := func(c *Config) { c.Postgres = dsn; c.Data = "" }
	a := startServer(t, t.TempDir(), usePG)
	b := startServer(t, t.TempDir(), usePG)

	// One guest (one cookie) on both instances.
	jar, _ := cookiejar.New(nil)
	guest := &http.Client{Jar: jar}
	resp, err := guest.Post(a.url+"/api/sessions", "application/json", strings.NewReader(`{"title":"Shared","time_zone":"UTC"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK || created.ID == "" {
		t.Fatalf("create on a: %d %+v", resp.StatusCode, created)
	}
	resp, err = guest.Get(b.url + "/api/sessions/" + created.ID)
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
