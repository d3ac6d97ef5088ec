package notes

import (
	"context"
	"sync"
	"testing"

	"github.com/cocreate/cocreate/crdt"
)

// testStore is the conformance suite every Store backend passes.
func testStore(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()

	// edits makes n updates of one Text, each inserting a letter.
	edits := func(t *testing.T, n int) (*crdt.Doc, [][]byte) {
		d := crdt.NewDoc(crdt.DocOptions{ClientID: 7})
		var ups [][]byte
		d.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { ups = append(ups, u) })
		txt := d.GetText("t")
		for i := range n {
			if err := txt.Insert(i, string(rune('a'+i%26)), nil); err != nil {
				t.Fatal(err)
			}
		}
		return d, ups
	}

	t.Run("unknown doc is empty", func(t *testing.T) {
		s := open(t)
		st, err := s.Load(ctx, "nope")
		if err != nil || st.Snapshot != nil || len(st.Updates) != 0 {
			t.Fatalf("Load = %+v, %v", st, err)
		}
		if n, err := s.Compact(ctx, "nope"); err != nil || n != 0 {
			t.Fatalf("Compact = %d, %v", n, err)
		}
	})

	t.Run("append load compact", func(t *testing.T) {
		s := open(t)
		d, ups := edits(t, 30)
		want := d.GetText("t").String()
		if err := s.Append(ctx, "a/notes", ups[:10]...); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, "a/notes", ups[10:]...); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, "other", []byte{0, 0}); err != nil {
			t.Fatal(err)
		}
		st, err := s.Load(ctx, "a/notes")
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Updates) != 30 || st.Snapshot != nil {
			t.Fatalf("loaded %d updates, snapshot %v", len(st.Updates), st.Snapshot)
		}
		if got := rebuildText(t, st); got != want {
			t.Fatalf("rebuilt %q, want %q", got, want)
		}
		n, err := s.Compact(ctx, "a/notes")
		if err != nil || n != 30 {
			t.Fatalf("Compact = %d, %v", n, err)
		}
		st, err = s.Load(ctx, "a/notes")
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Updates) != 0 || st.Snapshot == nil {
			t.Fatalf("after compaction: %d updates, snapshot %d bytes", len(st.Updates), len(st.Snapshot))
		}
		if got := rebuildText(t, st); got != want {
			t.Fatalf("rebuilt %q, want %q", got, want)
		}
		// More edits after the snapshot are kept on top of it.
		txt := d.GetText("t")
		var more [][]byte
		off := d.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { more = append(more, u) })
		txt.Insert(0, "XY", nil)
		off()
		if err := s.Append(ctx, "a/notes", more...); err != nil {
			t.Fatal(err)
		}
		st, _ = s.Load(ctx, "a/notes")
		if got := rebuildText(t, st); got != txt.String() {
			t.Fatalf("rebuilt %q, want %q", got, txt.String())
		}
		if n, err := s.Compact(ctx, "a/notes"); err != nil || n != 1 {
			t.Fatalf("second Compact = %d, %v", n, err)
		}
		st, _ = s.Load(ctx, "a/notes")
		if got := rebuildText(t, st); got != txt.String() {
			t.Fatalf("rebuilt %q after second compaction, want %q", got, txt.String())
		}
		// The other document is untouched.
		if st, _ := s.Load(ctx, "other"); len(st.Updates) != 1 {
			t.Fatalf("other doc has %d updates", len(st.Updates))
		}
	})

	t.Run("corrupt update fails compaction and loses nothing", func(t *testing.T) {
		s := open(t)
		_, ups := edits(t, 3)
		if err := s.Append(ctx, "d", append(ups, []byte{0xff, 0xff})...); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Compact(ctx, "d"); err == nil {
			t.Fatal("compaction of a corrupt log succeeded")
		}
		st, err := s.Load(ctx, "d")
		if err != nil || len(st.Updates) != 4 {
			t.Fatalf("Load = %d updates, %v", len(st.Updates), err)
		}
	})

	t.Run("concurrent appends", func(t *testing.T) {
		s := open(t)
		_, ups := edits(t, 40)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				for _, u := range ups[i*10 : i*10+10] {
					if err := s.Append(ctx, "c", u); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		st, err := s.Load(ctx, "c")
		if err != nil || len(st.Updates) != 40 {
			t.Fatalf("Load = %d updates, %v", len(st.Updates), err)
		}
	})
}

func TestSQLiteStore(t *testing.T) {
	testStore(t, func(t *testing.T) Store {
		s, err := OpenSQLite(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestSQLiteStoreReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(context.Background(), "x", []byte{0, 0}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Load(context.Background(), "x")
	if err != nil || len(st.Updates) != 1 {
		t.Fatalf("after reopen: %d updates, %v", len(st.Updates), err)
	}
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
}

func TestMemoryStore(t *testing.T) {
	testStore(t, func(t *testing.T) Store { return NewMemoryStore() })
}
