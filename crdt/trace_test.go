package crdt_test

import (
	"path/filepath"
	"testing"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/trace"
)

// tracesDir is ../shared/traces beside the repository (see README).
var tracesDir = filepath.Join("..", "..", "shared", "traces")

type textEditor struct{ t *crdt.Text }

func (e textEditor) Insert(i int, s string) error { return e.t.Insert(i, s, nil) }
func (e textEditor) Delete(i, n int) error        { return e.t.Delete(i, n) }

// replayTrace replays tr as local edits, one transaction per trace
// transaction, and returns the doc and the update of every transaction.
func replayTrace(tb testing.TB, tr *trace.Trace, collect bool) (*crdt.Doc, [][]byte) {
	tb.Helper()
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	text := d.GetText("text")
	if tr.StartContent != "" {
		if err := text.Insert(0, tr.StartContent, nil); err != nil {
			tb.Fatal(err)
		}
	}
	var updates [][]byte
	if collect {
		d.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { updates = append(updates, u) })
	}
	var apply func() error
	var applyErr error
	inTxn := func(*crdt.Transaction) { applyErr = apply() }
	err := trace.Replay(tr, textEditor{text}, func(a func() error) error {
		apply = a
		d.Transact(inTxn, nil)
		return applyErr
	})
	if err != nil {
		tb.Fatal(err)
	}
	return d, updates
}

func loadTraces(tb testing.TB) []string {
	paths, _ := filepath.Glob(filepath.Join(tracesDir, "*.json.gz"))
	if len(paths) == 0 {
		tb.Fatalf("no traces in %s: the repository expects ../shared/traces beside it", tracesDir)
	}
	return paths
}

// TestTraces replays every real editing trace as local edits, checks the
// final text, then applies the per-transaction updates one by one to a
// second document and loads the encoded state into a third.
func TestTraces(t *testing.T) {
	for _, path := range loadTraces(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tr, err := trace.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			d, updates := replayTrace(t, tr, true)
			if got := d.GetText("text").String(); got != tr.EndContent {
				t.Fatalf("local replay: final text differs from endContent (len %d vs %d)", len(got), len(tr.EndContent))
			}
			remote := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
			var echoed []byte
			remote.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { echoed = u })
			for i, u := range updates {
				echoed = nil
				if err := remote.ApplyUpdate(u, nil); err != nil {
					t.Fatalf("update %d: %v", i, err)
				}
				// What the receiver integrated, re-encoded, is what was sent.
				if string(echoed) != string(u) {
					t.Fatalf("update %d: the receiver's update event differs from the update it applied", i)
				}
			}
			if remote.GetText("text").String() != tr.EndContent {
				t.Fatal("remote apply: final text differs from endContent")
			}
			enc, err := d.EncodeStateAsUpdate(nil)
			if err != nil {
				t.Fatal(err)
			}
			loaded := crdt.NewDoc(crdt.DocOptions{ClientID: 3})
			if err := loaded.ApplyUpdate(enc, nil); err != nil {
				t.Fatal(err)
			}
			if loaded.GetText("text").String() != tr.EndContent {
				t.Fatal("load: final text differs from endContent")
			}
		})
	}
}

func benchTrace(b *testing.B, name string) *trace.Trace {
	tr, err := trace.Load(filepath.Join(tracesDir, name+".json.gz"))
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

func BenchmarkLocalReplay(b *testing.B) {
	tr := benchTrace(b, "automerge-paper")
	b.ReportAllocs()
	for b.Loop() {
		replayTrace(b, tr, false)
	}
}

func BenchmarkRemoteApply(b *testing.B) {
	tr := benchTrace(b, "automerge-paper")
	_, updates := replayTrace(b, tr, true)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
		for _, u := range updates {
			if err := d.ApplyUpdate(u, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(updates))*float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

func BenchmarkEncode(b *testing.B) {
	d, _ := replayTrace(b, benchTrace(b, "automerge-paper"), false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.EncodeStateAsUpdate(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	d, _ := replayTrace(b, benchTrace(b, "automerge-paper"), false)
	enc, _ := d.EncodeStateAsUpdate(nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := crdt.NewDoc(crdt.DocOptions{ClientID: 2}).ApplyUpdate(enc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLocalFastPathMatchesPlainPath replays traces twice, once with an
// observer on the text (which turns off appending typed text to the left
// item) and once without: every transaction's update and the final state
// must be byte-identical, so the fast path changes nothing peers can see.
func TestLocalFastPathMatchesPlainPath(t *testing.T) {
	for _, name := range []string{"sveltecomponent", "friendsforever_flat", "rustcode"} {
		t.Run(name, func(t *testing.T) {
			tr, err := trace.Load(filepath.Join(tracesDir, name+".json.gz"))
			if err != nil {
				t.Fatal(err)
			}
			run := func(observe bool) [][]byte {
				d := crdt.NewDoc(crdt.DocOptions{ClientID: 7})
				text := d.GetText("text")
				if observe {
					text.Observe(func(*crdt.Event) {})
				}
				var ups [][]byte
				d.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { ups = append(ups, u) })
				if err := trace.Replay(tr, textEditor{text}, func(apply func() error) error {
					var err error
					d.Transact(func(*crdt.Transaction) { err = apply() }, nil)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				enc, _ := d.EncodeStateAsUpdate(nil)
				return append(ups, enc)
			}
			fast, plain := run(false), run(true)
			if len(fast) != len(plain) {
				t.Fatalf("%d updates vs %d", len(fast), len(plain))
			}
			for i := range fast {
				if string(fast[i]) != string(plain[i]) {
					t.Fatalf("update %d differs", i)
				}
			}
		})
	}
}

// BenchmarkLocalReplayUpdates is LocalReplay with an update handler, as
// a server-side editor or bench-crdt runs it.
func BenchmarkLocalReplayUpdates(b *testing.B) {
	tr := benchTrace(b, "automerge-paper")
	b.ReportAllocs()
	for b.Loop() {
		replayTrace(b, tr, true)
	}
}
