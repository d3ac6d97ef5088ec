package notes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
)

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
