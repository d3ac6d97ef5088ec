package notes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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
	testStore(t, func(t *testing.T) Store { return openSQLite(t, t.TempDir()) })
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

func TestDocSizes(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.fresh(t)(t)
			ctx := context.Background()
			s.Append(ctx, "a/x", []byte("12345"), []byte("678"))
			s.Append(ctx, "a/y", []byte("1"))
			s.Append(ctx, "ab/z", []byte("1234567890"))
			got, err := s.(Sizer).DocSizes(ctx, "a/")
			if err != nil || len(got) != 2 || got["a/x"] != 8 || got["a/y"] != 1 {
				t.Fatalf("DocSizes(a/) = %v, %v", got, err)
			}
		})
	}
}

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

// DeletePrefix drops a session's documents, updates, versions and search
// entries, and nothing of other sessions.
func testDeleteAll(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)(t)
	ix, indexes := s.(Index)
	for _, doc := range []string{"d1/notes", "d1/meeting", "d10/notes"} {
		if err := s.Append(ctx, doc, snapshotOf(t, "x")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Compact(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, doc, snapshotOf(t, "y")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveVersion(ctx, Version{Doc: doc, Kind: KindManual}, snapshotOf(t, "z")); err != nil {
			t.Fatal(err)
		}
		if indexes {
			if err := ix.Index(ctx, Entry{Session: strings.Split(doc, "/")[0], Doc: doc, Title: "t", Text: "walrus"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.DeletePrefix(ctx, "d1/"); err != nil {
		t.Fatal(err)
	}
	for doc, kept := range map[string]bool{"d1/notes": false, "d1/meeting": false, "d10/notes": true} {
		st, err := s.Load(ctx, doc)
		if err != nil || (st.Snapshot != nil) != kept || (len(st.Updates) == 1) != kept {
			t.Fatalf("%s after delete: %+v, %v", doc, st, err)
		}
		_, err = s.LatestVersion(ctx, doc)
		if errors.Is(err, ErrVersionNotFound) == kept {
			t.Fatalf("%s versions after delete: %v", doc, err)
		}
	}
	if indexes {
		hits, err := ix.Search(ctx, Query{Q: "walrus"})
		if err != nil || len(hits) != 1 || hits[0].Doc != "d10/notes" {
			t.Fatalf("search after delete: %+v, %v", hits, err)
		}
	}
}

// snapshotOf returns a full update of a doc whose Text "t" is s.
func snapshotOf(t *testing.T, s string) []byte {
	t.Helper()
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 9})
	if err := d.GetText("t").Insert(0, s, nil); err != nil {
		t.Fatal(err)
	}
	u, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func testVersions(t *testing.T, b backend) {
	ctx := context.Background()
	open := b.fresh(t)
	s := open(t)
	t0 := time.Date(2026, 3, 4, 10, 0, 0, 123456789, time.UTC)

	if _, err := s.LatestVersion(ctx, "v/notes"); !errors.Is(err, ErrVersionNotFound) {
		t.Fatalf("LatestVersion of a doc without versions: %v", err)
	}
	if vs, err := s.ListVersions(ctx, "v/notes"); err != nil || vs == nil || len(vs) != 0 {
		t.Fatalf("ListVersions of a doc without versions = %#v, %v", vs, err)
	}
	for i, kind := range []string{KindPostMeeting, KindManual, KindAuto} {
		v, err := s.SaveVersion(ctx, Version{Doc: "v/notes", Kind: kind, Name: "name " + kind, CreatedAt: t0.Add(time.Duration(i) * time.Hour)},
			snapshotOf(t, fmt.Sprint("text ", i)))
		if err != nil {
			t.Fatal(err)
		}
		if v.N != i+1 || v.Kind != kind || v.Doc != "v/notes" {
			t.Fatalf("SaveVersion = %+v", v)
		}
	}
	// Numbers are per document.
	if v, err := s.SaveVersion(ctx, Version{Doc: "v/other", Kind: KindManual}, snapshotOf(t, "o")); err != nil || v.N != 1 {
		t.Fatalf("first version of another doc = %+v, %v", v, err)
	}
	// Bad input is refused and stores nothing.
	for name, tc := range map[string]struct {
		v    Version
		snap []byte
	}{
		"bad kind":       {Version{Doc: "v/notes", Kind: "weekly"}, snapshotOf(t, "x")},
		"no doc":         {Version{Kind: KindManual}, snapshotOf(t, "x")},
		"empty snapshot": {Version{Doc: "v/notes", Kind: KindManual}, nil},
		"not an update":  {Version{Doc: "v/notes", Kind: KindManual}, []byte{0xff, 0xff, 0xff}},
		"long name":      {Version{Doc: "v/notes", Kind: KindManual, Name: string(make([]byte, 201))}, snapshotOf(t, "x")},
	} {
		if _, err := s.SaveVersion(ctx, tc.v, tc.snap); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("%s: %v", name, err)
		}
	}
	vs, err := s.ListVersions(ctx, "v/notes")
	if err != nil || len(vs) != 3 {
		t.Fatalf("ListVersions = %+v, %v", vs, err)
	}
	for i, v := range vs {
		want := t0.Add(time.Duration(i) * time.Hour).Truncate(time.Microsecond)
		if v.N != i+1 || !v.CreatedAt.Equal(want) || v.CreatedAt.Location() != time.UTC || v.Name != "name "+v.Kind {
			t.Fatalf("version %d = %+v, want created %v", i+1, v, want)
		}
	}
	v, snap, err := s.GetVersion(ctx, "v/notes", 2)
	if err != nil || v.Kind != KindManual || v.N != 2 {
		t.Fatalf("GetVersion = %+v, %v", v, err)
	}
	if got := rebuildText(t, State{Snapshot: snap}); got != "text 1" {
		t.Fatalf("version 2 holds %q", got)
	}
	for _, n := range []int{0, 4, -1} {
		if _, _, err := s.GetVersion(ctx, "v/notes", n); !errors.Is(err, ErrVersionNotFound) {
			t.Fatalf("GetVersion(%d): %v", n, err)
		}
	}
	latest, err := s.LatestVersion(ctx, "v/notes")
	if err != nil || latest.N != 3 || latest.Kind != KindAuto {
		t.Fatalf("LatestVersion = %+v, %v", latest, err)
	}
	if AutoVersionDue(latest.CreatedAt, true, latest.CreatedAt.Add(59*time.Minute)) {
		t.Fatal("auto version due 59 minutes after the latest")
	}
	if !AutoVersionDue(latest.CreatedAt, true, latest.CreatedAt.Add(time.Hour)) {
		t.Fatal("auto version not due an hour after the latest")
	}

	// Two instances numbering versions of one doc at once: 1…n, no gaps,
	// no duplicates.
	stores := []Versions{s, open(t)}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range 5 {
				if _, err := stores[w%2].SaveVersion(ctx, Version{Doc: "v/race", Kind: KindAuto}, snapshotOf(t, "r")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	vs, err = s.ListVersions(ctx, "v/race")
	if err != nil || len(vs) != 20 {
		t.Fatalf("concurrent versions: %d, %v", len(vs), err)
	}
	for i, v := range vs {
		if v.N != i+1 {
			t.Fatalf("concurrent versions numbered %d at position %d", v.N, i)
		}
	}
}

func TestAutoVersionDue(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		latest  time.Time
		changed bool
		want    bool
	}{
		{time.Time{}, true, true},
		{time.Time{}, false, false},
		{now.Add(-time.Hour), true, true},
		{now.Add(-time.Hour + time.Second), true, false},
		{now.Add(-3 * time.Hour), false, false},
		{now.Add(time.Minute), true, false}, // clock skew: a version "from the future"
	} {
		if got := AutoVersionDue(tc.latest, tc.changed, now); got != tc.want {
			t.Errorf("AutoVersionDue(%v, %v) = %v, want %v", tc.latest, tc.changed, got, tc.want)
		}
	}
}
