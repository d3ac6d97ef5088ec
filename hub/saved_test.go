package hub

import (
	"context"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

// waitSaved handles messages until a saved message's stored state
// vector covers the client's own edits (its clock in its own doc).
func (c *client) waitSaved() {
	c.t.Helper()
	want := c.doc.StateVector()[c.doc.ClientID()]
	c.until("a saved message covering the client's edits", func(m yproto.Message) bool {
		if m.Type != yproto.TypeSaved {
			return false
		}
		sv, err := crdt.DecodeStateVector(m.Payload)
		if err != nil {
			c.t.Fatalf("saved message with a bad state vector: %v", err)
		}
		return sv[c.doc.ClientID()] >= want
	})
}

// drain returns the types of the messages the hub sends within d,
// without handling them.
func (c *client) drain(d time.Duration) []yproto.Type {
	c.t.Helper()
	var types []yproto.Type
	deadline := time.After(d)
	for {
		select {
		case raw := <-c.p.out:
			m, err := yproto.Decode(raw)
			if err != nil {
				c.t.Fatalf("hub sent a malformed message: %v", err)
			}
			types = append(types, m.Type)
		case <-deadline:
			return types
		}
	}
}

// storedText is the text "t" of what the store holds of doc.
func storedText(t *testing.T, s notes.Store, doc string) string {
	t.Helper()
	d, err := notes.LoadDoc(context.Background(), s, doc)
	if err != nil {
		t.Fatal(err)
	}
	return d.GetText("t").String()
}

// TestSavedAcks: a SavedAcks connection is told, after the flush that
// stored its edit, a state vector covering it (and the store then holds
// the edit); while the store refuses writes it is told nothing, and once
// the store recovers it is told again. A connection that did not opt in
// never gets a saved message.
func TestSavedAcks(t *testing.T) {
	store := &downStore{Store: notes.NewMemoryStore()}
	r := newRegistry(t, store, Config{FlushInterval: 10 * time.Millisecond})
	a := dial(t, r, "s/notes", ConnOptions{SavedAcks: true})
	b := dial(t, r, "s/notes", ConnOptions{})
	a.syncedInsert("one")
	a.waitSaved()
	if got := storedText(t, store, "s/notes"); got != "one" {
		t.Fatalf("a saved message came while the store holds %q", got)
	}

	store.down.Store(true)
	a.insert(0, "two ")
	a.until("echo", isUpdate)
	for r.StoreErr() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	// Several ticks with the write refused: no saved message.
	for _, typ := range a.drain(100 * time.Millisecond) {
		if typ == yproto.TypeSaved {
			t.Fatal("a saved message was sent while the store refuses writes")
		}
	}
	if got := storedText(t, store, "s/notes"); got != "one" {
		t.Fatalf("the refusing store holds %q", got)
	}

	store.down.Store(false)
	a.waitSaved()
	if got := storedText(t, store, "s/notes"); got != "two one" {
		t.Fatalf("after recovery the store holds %q, want %q", got, "two one")
	}

	for _, typ := range b.drain(50 * time.Millisecond) {
		if typ == yproto.TypeSaved {
			t.Fatal("a connection without SavedAcks got a saved message")
		}
	}
	a.close()
	b.close()
}

// TestSavedFromClientRefused: saved messages go from the server only.
func TestSavedFromClientRefused(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	c := dialSynced(t, r, "d", ConnOptions{SavedAcks: true})
	c.send(yproto.SavedMessage([]byte{0}))
	for {
		if _, ok := c.next(); !ok {
			break
		}
	}
	if code, _ := c.p.closeStatus(); code != StatusInvalidPayload {
		t.Fatalf("closed with %d, want %d", code, StatusInvalidPayload)
	}
	<-c.served
}

// TestOnStored: Config.OnStored sees the loaded document after the
// write that stored a client's edit (the text is there), and once more
// when the room unloads having stored the last edits; never for the
// same stored state twice.
func TestOnStored(t *testing.T) {
	store := notes.NewMemoryStore()
	seen := make(chan string, 16)
	r := newRegistry(t, store, Config{FlushInterval: 10 * time.Millisecond,
		OnStored: func(doc string, d *crdt.Doc) { seen <- doc + ":" + d.GetText("t").String() }})
	a := dial(t, r, "s/notes", ConnOptions{SavedAcks: true})
	a.syncedInsert("one")
	a.waitSaved()
	next := func() string {
		select {
		case got := <-seen:
			return got
		case <-time.After(10 * time.Second):
			t.Fatal("OnStored was not called")
			return ""
		}
	}
	if got := next(); got != "s/notes:one" {
		t.Fatalf("OnStored saw %q", got)
	}
	a.insert(0, "two ")
	a.until("echo", isUpdate)
	a.close()
	// The last edit is stored by the flush or by the unload; either way
	// OnStored sees it, once.
	if got := next(); got != "s/notes:two one" {
		t.Fatalf("OnStored saw %q after the last edit", got)
	}
	for len(r.Docs("s/")) > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case got := <-seen:
		t.Fatalf("OnStored called again for a stored state: %q", got)
	default:
	}
}
