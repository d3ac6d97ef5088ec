package attack

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
)

// TestSlowReaders: readers that read slowly while a writer types fast
// fall behind; they are not disconnected (their backlog is merged, and
// past its bound replaced by one diff), and each ends with the writer's
// exact document. The server's heap peaks at most 64 MB above its level
// before (the backlogs are bounded), and a bystander document (stock yjs)
// reads back unchanged.
func TestSlowReaders(t *testing.T) {
	s := start(t, "--rate-updates", "0", "--conn-rate-updates", "0", "--conn-queue", "32", "--conn-queue-bytes", "8192")
	const doc = "atk/slow"
	g := guard(t, s.addr, 64)
	w := dial(t, s, doc, true, 0)
	var slow []*peer
	for i := range 5 {
		slow = append(slow, dial(t, s, doc, true, time.Duration(i+1)*2*time.Millisecond))
	}
	fast := dial(t, s, doc, true, 0)
	roundTrip(w, fast)
	for i := range 3000 {
		w.do(func(d *crdt.Doc) {
			txt := d.GetText("t")
			pos := txt.Len()
			if i%10 == 9 {
				pos = i % (txt.Len() + 1)
			}
			txt.Insert(pos, fmt.Sprintf("%d ", i), nil)
			if i%100 == 99 {
				txt.Delete(0, 3)
			}
		})
	}
	want := w.text()
	for i, p := range append(slow, fast) {
		p.wait(fmt.Sprintf("reader %d's document", i), func(d *crdt.Doc, _ map[uint64]string) bool { return d.GetText("t").String() == want })
		if !bytes.Equal(p.state(), w.state()) {
			t.Fatalf("reader %d's state differs from the writer's", i)
		}
		if !p.isOpen() {
			t.Fatalf("reader %d was disconnected", i)
		}
	}
	m := s.metrics()
	t.Logf("resyncs %v, coalesced %v, slow-consumer disconnects %v", m["cocreate_resyncs_total"], m["cocreate_coalesced_messages_total"], m["cocreate_slow_consumer_disconnects_total"])
	if m["cocreate_slow_consumer_disconnects_total"] != 0 || m[`cocreate_refused_total{reason="write_timeout"}`] != 0 {
		t.Fatal("a reader was cut off")
	}
	if m["cocreate_resyncs_total"]+m["cocreate_coalesced_messages_total"] == 0 {
		t.Fatal("nothing was coalesced or resynced: the readers never fell behind")
	}
	g.check()
}
