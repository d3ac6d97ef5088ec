package notes

import (
	"bytes"
	"context"
	"testing"

	"github.com/cocreate/cocreate/crdt"
)

// TestCompactForgetsDeleted: text typed then deleted is in the update
// log but not in the compacted snapshot row, on every backend, while the
// document still reads the same and later edits still merge.
func TestCompactForgetsDeleted(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.fresh(t)(t)
			ctx := context.Background()
			d := crdt.NewDoc(crdt.DocOptions{ClientID: 7})
			var updates [][]byte
			d.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { updates = append(updates, u) })
			txt := d.GetText("t")
			txt.Insert(0, "password: ", nil)
			txt.Insert(10, "hunter2", nil)
			txt.Delete(10, 7)
			txt.Insert(10, "(removed)", nil)
			if err := s.Append(ctx, "gc/notes", updates...); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Compact(ctx, "gc/notes"); err != nil || n != len(updates) {
				t.Fatalf("Compact = %d, %v", n, err)
			}
			st, err := s.Load(ctx, "gc/notes")
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Updates) != 0 || st.Snapshot == nil {
				t.Fatalf("after compaction: %d updates, snapshot %v", len(st.Updates), st.Snapshot != nil)
			}
			if bytes.Contains(st.Snapshot, []byte("hunter2")) {
				t.Fatalf("the compacted snapshot row still holds the deleted text: %q", st.Snapshot)
			}
			back := crdt.NewDoc(crdt.DocOptions{ClientID: 8})
			if err := back.ApplyUpdate(st.Snapshot, nil); err != nil {
				t.Fatal(err)
			}
			if got := back.GetText("t").String(); got != "password: (removed)" {
				t.Fatalf("compacted text = %q", got)
			}
			// An edit made against the old state still merges after
			// compaction (the deleted items' ids are kept).
			d.GetText("t").Insert(0, ">", nil)
			if err := back.ApplyUpdate(updates[len(updates)-1], nil); err != nil {
				t.Fatal(err)
			}
			if got := back.GetText("t").String(); got != ">password: (removed)" {
				t.Fatalf("after a later edit: %q", got)
			}
		})
	}
}
