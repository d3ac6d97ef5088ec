package attack

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// bigDoc fills doc on s with about size bytes of text, in 10 KB inserts
// at seeded random places, through a writer peer it returns (synced).
func bigDoc(t *testing.T, s *server, doc string, size int, seed uint64) *peer {
	t.Helper()
	w := dial(t, s, doc, true, 0)
	rng := rand.New(rand.NewPCG(seed, 1))
	chunk := strings.Repeat("0123456789", 1000)
	for i := 0; i < size/len(chunk); i++ {
		w.do(func(d *crdt.Doc) {
			txt := d.GetText("t")
			txt.Insert(rng.IntN(txt.Len()+1), chunk, nil)
		})
	}
	want := size / len(chunk) * len(chunk)
	check := dial(t, s, doc, true, 0)
	check.wait("the whole document", func(d *crdt.Doc, _ map[uint64]string) bool { return d.GetText("t").Len() == want })
	return w
}

// TestStep1Flood: 30 connections to a 2 MB document send sync step 1s
// (empty ones, and made-up state vectors that defeat a cache) without
// reading the answers. Each is cut off (1008) once beyond its rate; the
// server's heap peaks at most 64 MB above its level before; a bystander
// keeps editing and a fresh reader gets the exact document; another
// bystander document (stock yjs) reads back unchanged.
func TestStep1Flood(t *testing.T) {
	s := start(t)
	const doc = "atk/step1"
	w := bigDoc(t, s, doc, 2<<20, 1)
	var writerID uint64
	var clock uint64
	w.do(func(d *crdt.Doc) { writerID = d.ClientID(); clock = d.StateVector()[writerID] })
	by := dial(t, s, doc, true, 0)
	by.wait("the document", func(d *crdt.Doc, _ map[uint64]string) bool { return d.GetText("t").Len() == 2<<20/10000*10000 })
	g := guard(t, s.addr, 64)

	rng := rand.New(rand.NewPCG(2, 2))
	step1 := func(i, j int) []byte {
		if (i+j)%2 == 0 {
			return yproto.SyncStep1Message(nil)
		}
		return yproto.SyncStep1Message(crdt.StateVector{writerID: 1 + rng.Uint64N(clock-1)}.Encode())
	}
	syncIn := func() float64 { return s.metric(`cocreate_messages_in_total{type="sync"}`) }
	before := syncIn()
	// Within their burst (10): every one is answered.
	const n = 30
	var attackers []*peer
	for i := range n {
		a := dial(t, s, doc, false, 0)
		attackers = append(attackers, a)
		for j := range 9 { // and the step 1 dial sent
			a.send(step1(i, j))
		}
	}
	settle(w, by, "the step 1s read", func() bool { return syncIn() >= before+n*10 })
	roundTrip(w, by)
	// Then beyond it: every attacker is cut off.
	for i, a := range attackers {
		for j := range 20 {
			if a.send(step1(i, j)) != nil {
				break
			}
		}
	}
	settle(w, by, "every attacker refused", func() bool { return s.refused("rate_sync_step1") >= n })
	// A bystander still edits; a fresh reader gets the exact document.
	w.do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "still here", nil) })
	fresh := dial(t, s, doc, true, 0)
	want := w.text()
	fresh.wait("the document after the attack", func(d *crdt.Doc, _ map[uint64]string) bool { return d.GetText("t").String() == want })
	g.check()
	// Half the step 1s were empty: answered from one encoding.
	if cached := s.metric("cocreate_sync_step1_cached_total"); cached < n*4 {
		t.Fatalf("%v step 1s answered from the cache, want at least %d", cached, n*4)
	}
	if !bytes.Equal(fresh.state(), w.state()) {
		t.Fatal("a fresh reader's state differs from the writer's")
	}
}

// TestQueryAwarenessFlood: query-awareness beyond its rate closes the
// connection (1008); the answers to a reader that does not read are
// coalesced, so the server's heap peaks at most 64 MB above its level
// before; a bystander document (stock yjs) reads back unchanged.
func TestQueryAwarenessFlood(t *testing.T) {
	s := start(t)
	const doc = "atk/query"
	w := dial(t, s, doc, true, 0)
	// Some presence to answer with.
	for i := range 20 {
		p := dial(t, s, doc, true, 0)
		p.send(yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: uint64(1000 + i), Clock: 1, State: []byte(fmt.Sprintf(`{"cursor":%d,"pad":"%s"}`, i, strings.Repeat("x", 4000)))}}))
	}
	w.wait("20 presences", func(_ *crdt.Doc, aw map[uint64]string) bool { return len(aw) == 20 })
	g := guard(t, s.addr, 64)
	var attackers []*peer
	for range 20 {
		a := dial(t, s, doc, true, 0)
		attackers = append(attackers, a)
		for range 200 {
			if a.send(yproto.QueryAwarenessMessage()) != nil {
				break
			}
		}
	}
	for _, a := range attackers {
		if code, reason := a.waitClosed(); code != 1008 || !strings.Contains(reason, "rate limit") {
			t.Fatalf("a query-awareness flood was closed with %d %q, want 1008 rate limit", code, reason)
		}
	}
	if n := s.refused("rate_query_awareness"); n != float64(len(attackers)) {
		t.Fatalf("rate_query_awareness refusals = %v, want %d", n, len(attackers))
	}
	if !w.isOpen() {
		t.Fatal("a bystander was disconnected")
	}
	g.check()
}
