package attack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

func awareness(id, clock uint64, state string) []byte {
	return yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: id, Clock: clock, State: []byte(state)}})
}

// TestAwarenessFlood: a connection that floods awareness (fake client
// ids by the thousand in each message, then updates beyond its rate) is
// closed with 1008; a bystander never sees a fake client id and at most
// the flooder's burst of its own states. The server's heap peaks at most
// 64 MB above its level before, and a bystander document (stock yjs)
// reads back unchanged.
func TestAwarenessFlood(t *testing.T) {
	s := start(t)
	const doc = "atk/aware"
	by := dial(t, s, doc, true, 0)
	w := dial(t, s, doc, true, 0)
	roundTrip(w, by)
	g := guard(t, s.addr, 64)

	a := dial(t, s, doc, true, 0)
	// Its own id first, then thousands of others in one message.
	a.send(awareness(7, 1, `{"user":{"name":"flood"}}`))
	fake := make([]yproto.AwarenessEntry, 20000)
	for i := range fake {
		fake[i] = yproto.AwarenessEntry{ClientID: uint64(100000 + i), Clock: 1, State: []byte(`{"x":1}`)}
	}
	a.send(yproto.AwarenessMessage(fake))
	// Let the room handle those before the flood gets a's connection
	// closed (a closed connection's queued messages are dropped).
	settle(w, by, "the fake entries counted", func() bool { return s.refused("awareness_foreign_client") >= float64(len(fake)) })
	for i := range 1000 {
		if a.send(awareness(7, uint64(i+2), `{"n":`+fmt.Sprint(i)+`}`)) != nil {
			break
		}
	}
	if code, reason := a.waitClosed(); code != 1008 || !strings.Contains(reason, "rate limit") {
		t.Fatalf("the flood was closed with %d %q, want 1008 rate limit", code, reason)
	}
	roundTrip(w, by)
	by.send(yproto.QueryAwarenessMessage())
	roundTrip(w, by)
	by.mu.Lock()
	for id := range by.aw {
		if id != 7 {
			t.Errorf("the bystander sees client %d", id)
		}
	}
	by.mu.Unlock()
	if n := s.refused("awareness_foreign_client"); n != float64(len(fake)) {
		t.Fatalf("awareness_foreign_client = %v, want %d", n, len(fake))
	}
	if n := s.refused("rate_awareness"); n != 1 {
		t.Fatalf("rate_awareness = %v, want 1", n)
	}
	g.check()
}

// TestOversizedAwareness: a state over --max-awareness-size closes the
// connection (1008) and is never relayed. The server's heap peaks at most
// 64 MB above its level before, and a bystander document (stock yjs)
// reads back unchanged.
func TestOversizedAwareness(t *testing.T) {
	s := start(t, "--max-awareness-size", "4096")
	const doc = "atk/big-aware"
	by := dial(t, s, doc, true, 0)
	w := dial(t, s, doc, true, 0)
	g := guard(t, s.addr, 64)
	a := dial(t, s, doc, true, 0)
	a.send(awareness(9, 1, `{"pad":"`+strings.Repeat("x", 5000)+`"}`))
	if code, reason := a.waitClosed(); code != 1008 || !strings.Contains(reason, "too large") {
		t.Fatalf("closed with %d %q, want 1008 too large", code, reason)
	}
	roundTrip(w, by)
	by.mu.Lock()
	_, relayed := by.aw[9]
	by.mu.Unlock()
	if relayed {
		t.Fatal("the oversized state was relayed")
	}
	if n := s.refused("awareness_too_large"); n != 1 {
		t.Fatalf("awareness_too_large = %v, want 1", n)
	}
	g.check()
}

// TestAwarenessSpoof: whatever name a client puts in its state, the
// others see its identity's (a guest's here). The server's heap peaks at
// most 64 MB above its level before, and a bystander document (stock yjs)
// reads back unchanged.
func TestAwarenessSpoof(t *testing.T) {
	s := start(t)
	const doc = "atk/spoof"
	by := dial(t, s, doc, true, 0)
	g := guard(t, s.addr, 64)
	a := dial(t, s, doc, true, 0)
	a.send(awareness(11, 1, `{"user":{"name":"Alice (host)","color":"#f00"},"cursor":{"anchor":1}}`))
	by.wait("the state", func(_ *crdt.Doc, aw map[uint64]string) bool { return aw[11] != "" })
	by.mu.Lock()
	raw := by.aw[11]
	by.mu.Unlock()
	var st struct {
		User struct {
			Name, Color string
		}
		Cursor map[string]int
	}
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.User.Name, "Guest ") || st.Cursor["anchor"] != 1 {
		t.Fatalf("relayed %s: want the guest's name stamped and the cursor kept", raw)
	}
	g.check()
}
