package crdt

import (
	"errors"
	"reflect"
	"testing"
)

// pair returns two docs wired so that every update of one reaches the other.
func pair(t *testing.T) (*Doc, *Doc) {
	a := NewDoc(DocOptions{ClientID: 10})
	b := NewDoc(DocOptions{ClientID: 20})
	a.OnUpdate(func(u []byte, origin any, _ *Transaction) {
		if origin != "sync" {
			if err := b.ApplyUpdate(u, "sync"); err != nil {
				t.Fatal(err)
			}
		}
	})
	b.OnUpdate(func(u []byte, origin any, _ *Transaction) {
		if origin != "sync" {
			if err := a.ApplyUpdate(u, "sync"); err != nil {
				t.Fatal(err)
			}
		}
	})
	return a, b
}

func TestTextEditing(t *testing.T) {
	a, b := pair(t)
	ta, tb := a.GetText("t"), b.GetText("t")
	must(t, ta.Insert(0, "hello", nil))
	must(t, tb.Insert(5, " world", Attributes{"italic": true}))
	must(t, ta.Format(0, 5, Attributes{"bold": true}))
	must(t, tb.InsertEmbed(5, map[string]any{"image": "a.png"}, nil))
	must(t, ta.Delete(0, 1))
	want := []Delta{
		{Insert: "ello", Attributes: map[string]any{"bold": true}},
		{Insert: map[string]any{"image": "a.png"}, Attributes: map[string]any{"bold": true}},
		{Insert: " world", Attributes: map[string]any{"italic": true}},
	}
	for _, d := range []*Doc{a, b} {
		if got := d.GetText("t").ToDelta(); !reflect.DeepEqual(got, want) {
			t.Fatalf("delta %+v, want %+v", got, want)
		}
	}
	if ta.String() != "ello world" || ta.Len() != 11 {
		t.Fatalf("text %q len %d", ta.String(), ta.Len())
	}
	// Surrogate pairs count as two UTF-16 units, as in yjs.
	must(t, ta.Insert(0, "😀", nil))
	if ta.Len() != 13 || tb.String() != "😀ello world" {
		t.Fatalf("after emoji: %q len %d", tb.String(), ta.Len())
	}
	if err := ta.Insert(99, "x", nil); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("insert out of range: %v", err)
	}
	if err := ta.Delete(10, 99); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("delete out of range: %v", err)
	}
}

func TestApplyDelta(t *testing.T) {
	d := NewDoc(DocOptions{ClientID: 1})
	txt := d.GetText("t")
	must(t, txt.ApplyDelta([]Delta{{Insert: "abc"}, {Insert: "def", Attributes: map[string]any{"bold": true}}}))
	must(t, txt.ApplyDelta([]Delta{{Retain: 1}, {Delete: 1}, {Retain: 1, Attributes: map[string]any{"italic": true}}}))
	want := []Delta{
		{Insert: "a"},
		{Insert: "c", Attributes: map[string]any{"italic": true}},
		{Insert: "def", Attributes: map[string]any{"bold": true}},
	}
	if got := txt.ToDelta(); !reflect.DeepEqual(got, want) {
		t.Fatalf("delta %+v, want %+v", got, want)
	}
}

func TestMapArrayNested(t *testing.T) {
	a, b := pair(t)
	m := a.GetMap("m")
	must(t, m.Set("n", 1))
	must(t, m.Set("s", "x"))
	must(t, m.Set("bin", []byte{1, 2}))
	must(t, m.Set("obj", map[string]any{"k": []any{true, nil, 2.5}}))
	inner := NewArray()
	must(t, inner.Push("prelim")) // edits before integration are kept
	must(t, m.Set("list", inner))
	must(t, inner.Push("after"))
	m.Delete("s")
	want := map[string]any{
		"n":    int64(1),
		"bin":  []byte{1, 2},
		"obj":  map[string]any{"k": []any{true, nil, 2.5}},
		"list": []any{"prelim", "after"},
	}
	if got := b.GetMap("m").ToJSON(); !reflect.DeepEqual(got, want) {
		t.Fatalf("map %#v, want %#v", got, want)
	}
	arr := b.GetArray("a")
	must(t, arr.Push(1, 2, 3))
	must(t, arr.Insert(1, "x"))
	must(t, arr.Delete(2, 1))
	if got := a.GetArray("a").ToJSON(); !reflect.DeepEqual(got, []any{int64(1), "x", int64(3)}) {
		t.Fatalf("array %v", got)
	}
	if v, ok := a.GetArray("a").Get(1); !ok || v != "x" {
		t.Fatalf("Get(1) = %v, %v", v, ok)
	}
	if err := m.Set("bad", make(chan int)); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("storing a channel: %v", err)
	}
}

func TestConcurrentMapSetConverges(t *testing.T) {
	a := NewDoc(DocOptions{ClientID: 1})
	b := NewDoc(DocOptions{ClientID: 2})
	must(t, a.GetMap("m").Set("k", "from a"))
	must(t, b.GetMap("m").Set("k", "from b"))
	ua, _ := a.EncodeStateAsUpdate(nil)
	ub, _ := b.EncodeStateAsUpdate(nil)
	must(t, a.ApplyUpdate(ub, nil))
	must(t, b.ApplyUpdate(ua, nil))
	va, _ := a.GetMap("m").Get("k")
	vb, _ := b.GetMap("m").Get("k")
	if va != vb || va != "from b" { // the higher client id wins, as in yjs
		t.Fatalf("a=%v b=%v", va, vb)
	}
}

func TestObservers(t *testing.T) {
	a, b := pair(t)
	frag := b.GetXmlFragment("x")
	var keys []string
	var deep int
	frag.ObserveDeep(func(e *Event) { deep++ })
	p := NewXmlElement("paragraph")
	must(t, a.GetXmlFragment("x").Insert(0, p))
	bp := frag.Children()[0].(*XmlElement)
	bp.t.Observe(func(e *Event) { keys = append(keys, e.KeysChanged()...) })
	must(t, p.SetAttribute("align", "left"))
	if !reflect.DeepEqual(keys, []string{"align"}) || deep != 2 {
		t.Fatalf("keys %v, deep events %d", keys, deep)
	}
	var changes []Delta
	b.GetArray("arr").Observe(func(e *Event) { changes = e.Changes() })
	must(t, a.GetArray("arr").Push("a", "b"))
	if !reflect.DeepEqual(changes, []Delta{{Insert: []any{"a", "b"}}}) {
		t.Fatalf("changes %+v", changes)
	}
}

func TestPendingUpdates(t *testing.T) {
	src := NewDoc(DocOptions{ClientID: 1})
	var ups [][]byte
	src.OnUpdate(func(u []byte, _ any, _ *Transaction) { ups = append(ups, u) })
	txt := src.GetText("t")
	must(t, txt.Insert(0, "abc", nil))
	must(t, txt.Insert(3, "def", nil))
	must(t, txt.Delete(1, 2))
	dst := NewDoc(DocOptions{ClientID: 2})
	// Deliver in reverse: everything waits until the first update arrives.
	for i := len(ups) - 1; i >= 0; i-- {
		must(t, dst.ApplyUpdate(ups[i], nil))
		if i > 0 && dst.GetText("t").String() != "" {
			t.Fatalf("integrated before its dependencies: %q", dst.GetText("t").String())
		}
	}
	if got := dst.GetText("t").String(); got != "adef" {
		t.Fatalf("text %q, want adef", got)
	}
	if dst.store.pendingUpdate != nil || dst.store.pendingDS != nil {
		t.Fatal("pending left over")
	}
}

func TestGCSwitch(t *testing.T) {
	for _, disable := range []bool{false, true} {
		d := NewDoc(DocOptions{ClientID: 1, DisableGC: disable})
		txt := d.GetText("t")
		must(t, txt.Insert(0, "secret", nil))
		must(t, txt.Delete(0, 6))
		u, _ := d.EncodeStateAsUpdate(nil)
		dec, err := decodeUpdate(u)
		must(t, err)
		_, kept := dec.clients[0].refs[0].content.(*contentString)
		if kept != disable {
			t.Fatalf("DisableGC=%v: deleted content kept=%v", disable, kept)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestTransactionChanged(t *testing.T) {
	d := NewDoc(DocOptions{ClientID: 1})
	m := d.GetMap("m")
	txt := d.GetText("t")
	var got []Change
	var local bool
	var before, after StateVector
	d.OnAfterTransaction(func(tx *Transaction) {
		got, local, before, after = tx.Changed(), tx.Local, tx.BeforeState(), tx.AfterState()
	})
	d.Transact(func(*Transaction) {
		_ = m.Set("a", 1)
		_ = m.Set("b", 2)
		_ = txt.Insert(0, "x", nil)
	}, "me")
	if len(got) != 2 || !reflect.DeepEqual(got[0].Keys, []string{"a", "b"}) || got[0].List || !got[1].List || !local {
		t.Fatalf("changed %+v local %v", got, local)
	}
	if before[1] != 0 || after[1] != 3 {
		t.Fatalf("before %v after %v", before, after)
	}
}

// An observer that writes to the document starts a new transaction while
// the first is still being cleaned up; both must see their own changes.
func TestObserverWritesDuringCleanup(t *testing.T) {
	d := NewDoc(DocOptions{ClientID: 1})
	a := d.GetArray("a")
	m := d.GetMap("m")
	var mapEvents [][]string
	a.Observe(func(e *Event) {
		if a.Len() == 1 {
			_ = m.Set("echo", "from observer")
		}
	})
	m.Observe(func(e *Event) { mapEvents = append(mapEvents, e.KeysChanged()) })
	d.Transact(func(*Transaction) {
		_ = a.Push(1)
		_ = m.Set("own", 1)
	}, nil)
	if len(mapEvents) != 2 || mapEvents[0][0] != "own" || mapEvents[1][0] != "echo" {
		t.Fatalf("map events %v", mapEvents)
	}
}
