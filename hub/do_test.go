package hub

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

// TestDoWritesAsServerPeer: Do loads a document no connection holds,
// its change is stored under the registry's client id; with a
// connection present the change reaches it as an update.
func TestDoWritesAsServerPeer(t *testing.T) {
	store := notes.NewMemoryStore()
	r := newRegistry(t, store, Config{ClientID: 4242})
	err := r.Do("s/meeting", func(d *crdt.Doc) error {
		if d.ClientID() != 4242 {
			t.Errorf("client id %d", d.ClientID())
		}
		return d.GetText("t").Insert(0, "seed", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Unloaded after the Do (no connection holds it): stored.
	for deadline := time.Now().Add(5 * time.Second); r.Loaded() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the document stayed loaded after Do without connections")
		}
	}
	st, err := store.Load(context.Background(), "s/meeting")
	if err != nil || (st.Snapshot == nil && len(st.Updates) == 0) {
		t.Fatalf("not stored: %v %+v", err, st)
	}
	c := dial(t, r, "s/meeting", ConnOptions{ReadOnly: true})
	c.until("step 2", isStep2)
	if c.text() != "seed" {
		t.Fatalf("loaded %q", c.text())
	}
	if err := r.Do("s/meeting", func(d *crdt.Doc) error { return d.GetText("t").Insert(4, "ed", nil) }); err != nil {
		t.Fatal(err)
	}
	c.waitText("seeded")
	// fn's error comes back; a read-only client's empty sync step 2 got
	// no permission-denied message.
	boom := errors.New("boom")
	if err := r.Do("s/meeting", func(*crdt.Doc) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Do returned %v", err)
	}
	c.close()
}

// TestReadOnlyQuietOnNoOp: a read-only connection that sends what the
// document already holds is not told "permission denied"; a real edit is.
func TestReadOnlyQuietOnNoOp(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	w := dial(t, r, "d", ConnOptions{})
	w.syncedInsert("x")
	v := dial(t, r, "d", ConnOptions{ReadOnly: true})
	v.until("step 2", isStep2)
	full, _ := v.doc.EncodeStateAsUpdate(nil)
	v.send(yproto.SyncStep2Message(full)) // nothing new
	v.insert(0, "no")
	v.until("permission denied", func(m yproto.Message) bool { return m.Type == yproto.TypeAuth })
	// The no-op came first; only the edit was refused.
	if n := testutil.ToFloat64(r.metrics.Refused.WithLabelValues("read_only")); n != 1 {
		t.Fatalf("refused %v times, want 1", n)
	}
	w.close()
	v.close()
}

// TestDeleteSession closes a session's connections, waits for its hubs
// to unload, and refuses it from then on.
func TestDeleteSession(t *testing.T) {
	store := notes.NewMemoryStore()
	r := newRegistry(t, store, Config{})
	a := dial(t, r, "s/notes", ConnOptions{})
	a.until("step 2", isStep2)
	other := dial(t, r, "t/notes", ConnOptions{})
	other.until("step 2", isStep2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.DeleteSession(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if err := <-a.served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if code, reason := a.p.closeStatus(); code != StatusPolicyViolation || reason != "session deleted" {
		t.Fatalf("closed with %d %q", code, reason)
	}
	if !r.Gone("s") || r.Gone("t") {
		t.Fatal("Gone is wrong")
	}
	if err := r.Do("s/meeting", func(*crdt.Doc) error { return nil }); !errors.Is(err, ErrGone) {
		t.Fatalf("Do on a deleted session: %v", err)
	}
	if r.Loaded() != 1 {
		t.Fatalf("%d documents loaded, want only t/notes", r.Loaded())
	}
	other.close()
}
