package server

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/interoptest"
)

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
			c, err := client.Dial(ctx, url, "gc/notes", client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.WaitSynced(ctx); err != nil {
				t.Fatal(err)
			}
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
