package attack

import (
	"reflect"
	"testing"

	"github.com/cocreate/cocreate/internal/interoptest"
)

// bystander is what every attack test checks around its attack (issue
// 13): nothing already stored is lost or changed, and the server's memory
// stays bounded. A stock yjs client writes a document before the attack;
// after it a fresh stock yjs client must read it back exactly, and the
// server's Go heap (go_memstats_heap_alloc_bytes, sampled every 20ms by
// heapWatch) must never have peaked more than boundMB above its level
// before the attack.
type bystander struct {
	t       *testing.T
	s       *server
	url     string
	before  interoptest.State
	base    float64
	stop    func() float64
	boundMB float64
}

// bystanderDoc is the bystander's document: no session, so the server
// must run with --public-rooms (start and hygieneServe both do).
const bystanderDoc = "bystander/notes"

// guard writes the bystander's document on the server at addr through
// stock yjs clients, reads it back as the baseline, and starts watching
// the heap. Call it right before the attack and check right after.
func guard(t *testing.T, addr string, boundMB float64) *bystander {
	t.Helper()
	interoptest.Need(t)
	b := &bystander{t: t, s: &server{t: t, addr: addr}, url: "ws://" + addr + "/sync", boundMB: boundMB}
	interoptest.Run(t, "edit", b.url, bystanderDoc, "13")
	b.before = interoptest.Run(t, "read", b.url, bystanderDoc)
	if b.before.Text == "" && b.before.XML == "" {
		t.Fatalf("the bystander's document is empty: %+v", b.before)
	}
	if b.base = b.s.heap(); b.base == 0 {
		t.Fatal("the server's /metrics has no go_memstats_heap_alloc_bytes: the heap bound could not be checked")
	}
	b.stop = b.s.heapWatch()
	return b
}

// check asserts the heap bound over the attack, then that a fresh stock
// yjs client reads the bystander's document exactly as before.
func (b *bystander) check() {
	b.t.Helper()
	peak := b.stop()
	growth := (peak - b.base) / (1 << 20)
	b.t.Logf("heap %.1f MB before the attack, peak %.1f MB during (+%.1f MB, bound %.0f MB)",
		b.base/(1<<20), peak/(1<<20), growth, b.boundMB)
	if growth > b.boundMB {
		b.t.Errorf("the server's heap grew by %.1f MB during the attack, bound %.0f MB", growth, b.boundMB)
	}
	after := interoptest.Run(b.t, "read", b.url, bystanderDoc)
	if !reflect.DeepEqual(after, b.before) {
		b.t.Fatalf("the bystander's document changed:\n%+v\nwas\n%+v", after, b.before)
	}
}
