package hub

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocreate/cocreate/notes"
)

// downStore is a store whose writes fail while down is set.
type downStore struct {
	notes.Store
	down atomic.Bool
}

var errDown = errors.New("store down")

func (s *downStore) Append(ctx context.Context, doc string, updates ...[]byte) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Append(ctx, doc, updates...)
}

// TestUnloadRetriedUntilStored: the last connection leaves while the
// store refuses writes, so the room cannot store and unload then. Once
// the store recovers, the room's tick retries: the document is stored,
// the room unloads and its bus subscription ends. (Only leave and
// release events used to try, so such a room stayed loaded forever.)
func TestUnloadRetriedUntilStored(t *testing.T) {
	store := &downStore{Store: notes.NewMemoryStore()}
	net := NewMemoryNetwork()
	r := newRegistry(t, store, Config{Bus: NewMemoryBus(net), FlushInterval: 10 * time.Millisecond})
	c := dialSynced(t, r, "s/notes", ConnOptions{})
	store.down.Store(true)
	c.insert(0, "kept")
	c.until("echo", isUpdate)
	c.close()
	// An event after the leave (the inbox is in order): when it is
	// answered, the leave and its unload attempt have run.
	r.applyAccess(accessChange{session: "s", subject: "nobody"})
	// The leave's unload failed: the room is still loaded and subscribed.
	if r.Loaded() != 1 {
		t.Fatalf("%d documents loaded after a failed unload, want 1", r.Loaded())
	}
	store.down.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for r.Loaded() != 0 || subscribed(net, docChannel("s/notes")) {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the store recovered: %d loaded, subscribed %v", r.Loaded(), subscribed(net, docChannel("s/notes")))
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, err := store.Load(context.Background(), "s/notes")
	if err != nil || (st.Snapshot == nil && len(st.Updates) == 0) {
		t.Fatalf("nothing stored: %+v, %v", st, err)
	}
}

func subscribed(n *MemoryNetwork, channel string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.subs[channel]) > 0
}
