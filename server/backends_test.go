package server

// The server on each store and bus a deployment shares: PostgreSQL (two
// instances, one database), Redis (readiness while it is down) and the
// compaction of what was deleted, on SQLite and PostgreSQL.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/interoptest"
	"github.com/cocreate/cocreate/internal/pgtest"
	"github.com/cocreate/cocreate/internal/redistest"
)

// testPostgresDSN is a schema of this test's own (internal/pgtest).
func testPostgresDSN(t *testing.T) string { return pgtest.Schema(t, "server_test") }

// With --postgres, two instances share sessions: one created on the first
// is read from the second.
func TestPostgresSharedBetweenInstances(t *testing.T) {
	dsn := testPostgresDSN(t)
	// One --data for the guest key both instances share.
	shared := t.TempDir()
	usePG := func(c *Config) { c.Postgres = dsn; c.Data = shared }
	a := startServer(t, t.TempDir(), usePG)
	b := startServer(t, t.TempDir(), usePG)

	// One guest (one cookie) on both instances.
	guest, id := guestSession(t, a, "Shared")
	resp, err := guest.Get(b.url + "/api/sessions/" + id)
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

// TestReadyzRedis: /readyz is 200 while the Redis bus works, 503
// "degraded" with the reason while Redis is down, and 200 again once it
// is back, without a restart of the server.
func TestReadyzRedis(t *testing.T) {
	srv := redistest.Start(t)
	ts := startServer(t, t.TempDir(), func(c *Config) { c.Redis = srv.URL() })
	waitReady(t, ts, http.StatusOK)
	srv.Stop()
	body := waitReady(t, ts, http.StatusServiceUnavailable)
	var got struct{ Status, Reason string }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("503 body %q is not JSON: %v", body, err)
	}
	if got.Status != "degraded" || !strings.Contains(got.Reason, "bus") {
		t.Fatalf("503 body %q, want status degraded and a bus reason", body)
	}
	// Local clients keep working while Redis is away.
	a := dialSynced(t, ts, "s/notes")
	b := dialSynced(t, ts, "s/notes")
	a.insert(0, "while redis is down")
	b.waitText("while redis is down")
	srv.Restart()
	waitReady(t, ts, http.StatusOK)
}

func TestRedisURLRefused(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Redis = "redis://127.0.0.1:notaport"
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "--redis") {
		t.Fatalf("New with a bad Redis URL: %v, want an error naming --redis", err)
	}
}

// waitReady polls /readyz until it answers code and returns the body.
func waitReady(t *testing.T, ts *testServer, code int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, body := get(t, ts.url+"/readyz")
		if got == code {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %q after 20s, want %d", got, body, code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCompactionForgetsDeletedText: a password typed then deleted
// through a client is gone from the compacted snapshot row once the
// document unloads, on SQLite and PostgreSQL, and a fresh stock yjs
// client still reads the document right.
func TestCompactionForgetsDeletedText(t *testing.T) {
	interoptest.Need(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			edit := func(c *Config) {}
			if backend == "postgres" {
				dsn := testPostgresDSN(t)
				edit = func(c *Config) { c.Postgres = dsn }
			}
			ts := startServer(t, t.TempDir(), edit)
			url := strings.Replace(ts.url, "http", "ws", 1) + "/sync"
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := clienttest.Dial(t, 20*time.Second, url, "gc/notes", client.Options{})
			c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "password: hunter2", nil) })
			c.Do(func(d *crdt.Doc) { d.GetText("t").Delete(10, 7) })
			c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(10, "(changed)", nil) })
			// Another reader has seen the last edit: the server applied all.
			r, err := client.Dial(ctx, url, "gc/notes", client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Wait(ctx, func(d *crdt.Doc) bool { return d.GetText("t").String() == "password: (changed)" }); err != nil {
				t.Fatal(err)
			}
			c.Close()
			r.Close()
			// The last one out unloads the document, which compacts it.
			var st struct {
				snapshot []byte
				updates  int
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				got, err := ts.srv.store.Load(ctx, "gc/notes")
				if err != nil {
					t.Fatal(err)
				}
				st.snapshot, st.updates = got.Snapshot, len(got.Updates)
				if ts.srv.hubs.Loaded() == 0 && st.snapshot != nil && st.updates == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not compacted: loaded %d, snapshot %v, %d updates", ts.srv.hubs.Loaded(), st.snapshot != nil, st.updates)
				}
			}
			if bytes.Contains(st.snapshot, []byte("hunter2")) {
				t.Fatalf("the compacted snapshot row holds the deleted password: %q", st.snapshot)
			}
			if got := interoptest.Run(t, "read", url, "gc/notes"); got.Text != "password: (changed)" {
				t.Fatalf("a stock yjs client reads %q", got.Text)
			}
		})
	}
}
