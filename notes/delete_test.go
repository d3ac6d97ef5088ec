package notes

import (
	"context"
	"errors"
	"strings"
	"testing"
)

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
