package crdt

import (
	"errors"
	"testing"
)

func TestChanges(t *testing.T) {
	a := NewDoc(DocOptions{ClientID: 1})
	if err := a.GetText("t").Insert(0, "hello world", nil); err != nil {
		t.Fatal(err)
	}
	full, _ := a.EncodeStateAsUpdate(nil)
	b := NewDoc(DocOptions{ClientID: 2})
	if ch, err := b.Changes(full); err != nil || !ch {
		t.Fatalf("new content: %v %v", ch, err)
	}
	if err := b.ApplyUpdate(full, nil); err != nil {
		t.Fatal(err)
	}
	check := func(what string, u []byte, want bool) {
		t.Helper()
		ch, err := a.Changes(u)
		if err != nil || ch != want {
			t.Fatalf("%s: Changes = %v, %v; want %v", what, ch, err, want)
		}
	}
	// What a synced peer sends back in its sync step 2: nothing new.
	back, _ := b.EncodeStateAsUpdate(a.EncodeStateVector())
	check("empty diff", back, false)
	check("the empty update", []byte{0, 0}, false)
	bFull, _ := b.EncodeStateAsUpdate(nil)
	check("the whole known state", bFull, false)

	// A delete of content a has: a change, until a has applied it.
	if err := b.GetText("t").Delete(0, 6); err != nil {
		t.Fatal(err)
	}
	del, _ := b.EncodeStateAsUpdate(a.EncodeStateVector())
	check("a delete", del, true)
	if err := a.ApplyUpdate(del, nil); err != nil {
		t.Fatal(err)
	}
	check("an applied delete", del, false)
	// A state with deletions, repeated: still nothing new.
	bFull, _ = b.EncodeStateAsUpdate(nil)
	check("a known state with deletes", bFull, false)

	// New structs of a client a knows.
	if err := b.GetText("t").Insert(0, "!", nil); err != nil {
		t.Fatal(err)
	}
	ins, _ := b.EncodeStateAsUpdate(a.EncodeStateVector())
	check("an insert", ins, true)

	before, _ := a.EncodeStateAsUpdate(nil)
	if _, err := a.Changes([]byte{1, 5}); !errors.Is(err, ErrInvalidUpdate) {
		t.Fatalf("malformed: %v", err)
	}
	after, _ := a.EncodeStateAsUpdate(nil)
	if string(before) != string(after) {
		t.Fatal("Changes modified the document")
	}
}

// TestPrelimTextEdits: edits to a text not yet in a document are checked
// against what they will make and applied in order on insertion, as yjs
// queues them.
func TestPrelimTextEdits(t *testing.T) {
	d := NewDoc(DocOptions{ClientID: 1})
	p := NewXmlElement("paragraph")
	x := NewXmlText()
	for _, step := range []func() error{
		func() error { return x.Insert(0, "Ship ", nil) },
		func() error { return x.Insert(5, "today", nil) },
		func() error { return x.Format(0, 4, Attributes{"bold": map[string]any{}}) },
		func() error { return x.Delete(4, 1) },
		func() error { return x.Insert(4, " it ", nil) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Insert(99, "x", nil); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("insert past the prelim length: %v", err)
	}
	if err := p.Insert(0, x); err != nil {
		t.Fatal(err)
	}
	if err := d.GetXmlFragment("f").Insert(0, p); err != nil {
		t.Fatal(err)
	}
	if got := x.Text(); got != "Ship it today" {
		t.Fatalf("text %q", got)
	}
	// Like yjs, text inserted right after bold text continues it.
	if got := d.GetXmlFragment("f").String(); got != "<paragraph><bold>Ship it </bold>today</paragraph>" {
		t.Fatalf("xml %q", got)
	}
}
