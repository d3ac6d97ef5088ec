package workspace

import (
	"context"
	"testing"
	"time"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/notes"
)

// instance is one cocreate instance in a test: its hubs and workspace.
type instance struct {
	hubs *hub.Registry
	ws   *Workspace
}

// newInstance starts an instance on store, its hubs on bus (nil: alone)
// and its meeting commands under lock (nil: none).
func newInstance(t *testing.T, store Store, bus hub.Bus, lock Lock) *instance {
	t.Helper()
	hubs := hub.New(hub.Config{Store: store, Bus: bus, FlushInterval: 10 * time.Millisecond,
		SyncInterval: 50 * time.Millisecond, CheckInterval: 20 * time.Millisecond})
	ws := New(Config{Store: store, Hubs: hubs, Lock: lock, BallotKey: []byte("k")})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hubs.Close(ctx); err != nil {
			t.Errorf("closing hubs: %v", err)
		}
		ws.Wait()
	})
	return &instance{hubs: hubs, ws: ws}
}

// createSession stores a scheduled session hosted by host.
func createSession(t *testing.T, store Store, id, host string) {
	t.Helper()
	err := store.CreateSession(t.Context(), notes.Session{ID: id, Title: "T", TimeZone: "UTC",
		State: notes.StateScheduled, CreatedAt: time.Now().UTC(), Host: host,
		Roles: map[string]Role{host: RoleHost}})
	if err != nil {
		t.Fatal(err)
	}
}
