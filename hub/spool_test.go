package hub

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cocreate/cocreate/notes"
)

// Spooled records come back in the store on replay; the file is removed.
// A record cut short (a crash mid-write) keeps what preceded it and the
// file is set aside as damaged.
func TestSpoolRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w := spoolWriter{dir: dir, name: spoolName("i1")}
	if err := w.write("a/notes", [][]byte{{1, 2}, {3}}); err != nil {
		t.Fatal(err)
	}
	if err := w.write("b/notes", [][]byte{{4}}); err != nil {
		t.Fatal(err)
	}
	if err := w.write("a/notes", [][]byte{{5}}); err != nil {
		t.Fatal(err)
	}
	w.close()

	// A second instance's file, cut in its second record.
	w2 := spoolWriter{dir: dir, name: spoolName("i2")}
	w2.write("c/notes", [][]byte{{6}})
	w2.write("c/notes", [][]byte{{7, 7, 7}})
	w2.close()
	p2 := filepath.Join(dir, spoolName("i2"))
	data, _ := os.ReadFile(p2)
	os.WriteFile(p2, data[:len(data)-3], 0o640)

	store := notes.NewMemoryStore()
	n, err := ReplaySpool(context.Background(), store, dir, nil)
	if err != nil || n != 3 {
		t.Fatalf("ReplaySpool = %d, %v; want 3 documents", n, err)
	}
	for doc, want := range map[string][][]byte{"a/notes": {{1, 2}, {3}, {5}}, "b/notes": {{4}}, "c/notes": {{6}}} {
		st, _ := store.Load(context.Background(), doc)
		if !reflect.DeepEqual(st.Updates, want) {
			t.Errorf("%s: stored %v, want %v", doc, st.Updates, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, spoolName("i1"))); !os.IsNotExist(err) {
		t.Errorf("replayed spool file still there: %v", err)
	}
	if _, err := os.Stat(p2 + ".damaged"); err != nil {
		t.Errorf("damaged spool file not set aside: %v", err)
	}
	// Nothing left to replay.
	if n, err := ReplaySpool(context.Background(), store, dir, nil); n != 0 || err != nil {
		t.Fatalf("second replay = %d, %v", n, err)
	}
}
