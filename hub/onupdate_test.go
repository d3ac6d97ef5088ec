package hub

import (
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

// acks records ConnOptions.OnUpdate calls.
type acks chan bool

func (a acks) next(t *testing.T) bool {
	t.Helper()
	select {
	case v := <-a:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no OnUpdate call within 5s")
		return false
	}
}

// TestOnUpdate: every update a connection sends is reported once handled:
// applied (an edit, or a step 2 with nothing new) or refused as
// read-only, and a refused one gets no "permission denied" message.
func TestOnUpdate(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	wa := make(acks, 16)
	w := dialSynced(t, r, "d", ConnOptions{OnUpdate: func(ok bool) { wa <- ok }})
	if !wa.next(t) {
		t.Fatal("the handshake's step 2 was not reported applied")
	}
	w.insert(0, "x")
	if !wa.next(t) {
		t.Fatal("an edit was not reported applied")
	}

	va := make(acks, 16)
	v := dialSynced(t, r, "d", ConnOptions{ReadOnly: true, OnUpdate: func(ok bool) { va <- ok }})
	if !va.next(t) {
		t.Fatal("a read-only step 2 with nothing new was not reported as held")
	}
	v.insert(0, "no")
	if va.next(t) {
		t.Fatal("a read-only edit was reported applied")
	}
	// The next message v gets is the writer's edit, not "permission denied".
	w.insert(1, "y")
	m := v.until("the writer's edit", func(m yproto.Message) bool { return isUpdate(m) || m.Type == yproto.TypeAuth })
	if m.Type == yproto.TypeAuth {
		t.Fatal("a connection with OnUpdate got permission denied")
	}
	w.close()
	v.close()
}
