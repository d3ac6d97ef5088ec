package crdt

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// describe lists what Inspect reports, one line per insertion.
func describe(t *testing.T, d *Doc, update []byte) ([]string, error) {
	t.Helper()
	var out []string
	err := d.Inspect(update, func(in Insertion) error {
		p := in.Parent.Kind + ":" + in.Parent.NodeName
		if in.Parent.IsRoot {
			p = "root " + in.Parent.Root
		}
		c := in.Content.Kind
		switch c {
		case "type":
			c += " " + in.Content.Type.Kind + ":" + in.Content.Type.NodeName
		case "format":
			c += " " + in.Content.Key
		}
		key := ""
		if in.InMap {
			key = "[" + in.Key + "]"
		}
		out = append(out, fmt.Sprintf("%s in %s%s of %s", c, p, key, in.Parent.Root))
		return nil
	})
	return out, err
}

func TestInspect(t *testing.T) {
	peer := NewDoc(DocOptions{ClientID: 1})
	var updates [][]byte
	peer.OnUpdate(func(u []byte, _ any, _ *Transaction) { updates = append(updates, u) })
	frag := peer.GetXmlFragment("default")
	p := NewXmlElement("paragraph")
	if err := frag.Insert(0, p); err != nil {
		t.Fatal(err)
	}
	txt := NewXmlText()
	p.Insert(0, txt)
	txt.Insert(0, "hi", Attributes{"bold": true})
	p.SetAttribute("textAlign", "left")

	// All of it at once, against an empty document: the items depend on
	// each other inside the update.
	full, _ := peer.EncodeStateAsUpdate(nil)
	empty := NewDoc(DocOptions{ClientID: 2})
	got, err := describe(t, empty, full)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"type XmlElement:paragraph in root default of default",
		"type XmlText: in XmlElement:paragraph of default",
		"format bold in XmlText: of default",
		"string in XmlText: of default",
		"format bold in XmlText: of default",
		"any in XmlElement:paragraph[textAlign] of default",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Inspect =\n%q\nwant\n%q", got, want)
	}
	if empty.GetXmlFragment("default").Len() != 0 {
		t.Fatal("Inspect changed the document")
	}

	// One update at a time against a document holding the earlier ones:
	// only the new struct is reported, its parent found in the document.
	have := NewDoc(DocOptions{ClientID: 3})
	for _, u := range updates[:len(updates)-1] {
		if err := have.ApplyUpdate(u, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err = describe(t, have, updates[len(updates)-1])
	if err != nil || !slices.Equal(got, []string{"any in XmlElement:paragraph[textAlign] of default"}) {
		t.Fatalf("last update: %q, %v", got, err)
	}

	// A struct placed after one nobody has: unresolved.
	if _, err := describe(t, NewDoc(DocOptions{ClientID: 4}), updates[len(updates)-1]); !errors.Is(err, ErrUnresolved) {
		t.Fatalf("update without its dependencies: %v, want ErrUnresolved", err)
	}

	// A bare string straight in the root.
	bad := NewDoc(DocOptions{ClientID: 5})
	bad.GetText("default").Insert(0, "x", nil)
	u, _ := bad.EncodeStateAsUpdate(nil)
	got, err = describe(t, have, u)
	if err != nil || !slices.Equal(got, []string{"string in root default of default"}) {
		t.Fatalf("bare string: %q, %v", got, err)
	}
	if _, err := describe(t, have, []byte{1, 2, 3}); !errors.Is(err, ErrInvalidUpdate) {
		t.Fatalf("garbage: %v", err)
	}
}

// TestInspectAttributeSetAgain: an attribute set again (a checkbox
// ticked) is encoded without its key, after the old value; Inspect
// still reports it as that attribute, whether the old value is in the
// document or earlier in the same update.
func TestInspectAttributeSetAgain(t *testing.T) {
	src := NewDoc(DocOptions{ClientID: 5})
	el := NewXmlElement("taskItem")
	if err := src.GetXmlFragment("default").Insert(0, el); err != nil {
		t.Fatal(err)
	}
	if err := el.SetAttribute("checked", false); err != nil {
		t.Fatal(err)
	}
	base, _ := src.EncodeStateAsUpdate(nil)
	have := NewDoc(DocOptions{ClientID: 6})
	if err := have.ApplyUpdate(base, nil); err != nil {
		t.Fatal(err)
	}
	sv := src.EncodeStateVector()
	for i, v := range []bool{true, false} {
		if err := el.SetAttribute("checked", v); err != nil {
			t.Fatal(err)
		}
		u, _ := src.EncodeStateAsUpdate(sv)
		got, err := describe(t, have, u)
		want := []string{"any in XmlElement:taskItem[checked] of default"}
		if i == 1 { // the first value set again, since overwritten
			want = append([]string{"deleted in XmlElement:taskItem[checked] of default"}, want...)
		}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("set again %d: %q, %v", i+1, got, err)
		}
	}
	// AttributeID names the latest value: each set makes a new one.
	id, removed, ok := el.AttributeID("checked")
	if !ok || removed || id.Client != 5 {
		t.Fatalf("AttributeID = %v %v %v", id, removed, ok)
	}
	el.RemoveAttribute("checked")
	if id2, removed, ok := el.AttributeID("checked"); !ok || !removed {
		t.Fatalf("AttributeID after removal = %v %v %v", id2, removed, ok)
	}
	if _, _, ok := el.AttributeID("level"); ok {
		t.Fatal("AttributeID of an attribute never set")
	}
}

// FuzzInspect: Inspect never panics and never changes the document; its
// errors are ErrInvalidUpdate or ErrUnresolved.
func FuzzInspect(f *testing.F) {
	addSeedUpdates(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := baseDoc(t)
		before, _ := d.EncodeStateAsUpdate(nil)
		err := d.Inspect(b, func(Insertion) error { return nil })
		if err != nil && !errors.Is(err, ErrInvalidUpdate) && !errors.Is(err, ErrUnresolved) {
			t.Fatalf("unexpected error: %v", err)
		}
		after, _ := d.EncodeStateAsUpdate(nil)
		if string(before) != string(after) {
			t.Fatal("Inspect changed the document")
		}
	})
}
