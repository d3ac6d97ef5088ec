package render

import (
	"slices"
	"strings"
	"testing"

	"github.com/cocreate/cocreate/crdt"
)

func fixtureNamed(t *testing.T, name string) fixture {
	t.Helper()
	for _, fx := range loadFixtures(t) {
		if fx.Name == name {
			return fx
		}
	}
	t.Fatalf("no fixture %q", name)
	return fixture{}
}

func TestOpenTasks(t *testing.T) {
	for _, c := range []struct {
		fixture string
		want    []string
	}{
		{"task-list", []string{"Write the minutes", "Plan next steps", "Nested open task", "Second list, right after"}},
		{"mixed", []string{"Alice: write the release notes"}},
		{"paragraphs", []string{}},
	} {
		got := fixtureNamed(t, c.fixture).notes(t).OpenTasks()
		if !slices.Equal(got, c.want) || got == nil {
			t.Errorf("%s: OpenTasks = %q, want %q", c.fixture, got, c.want)
		}
	}
}

func TestText(t *testing.T) {
	got := fixtureNamed(t, "mixed").notes(t).Text()
	want := strings.Join([]string{
		"Weekly sync", "Attendees: Alice, Bob", "Agenda", "Review", "Planning\ncontinued",
		"Decision: ship it", "Alice: write the release notes", "Bob: tag v1", "make test", "Done.",
	}, "\n")
	if got != want {
		t.Errorf("Text =\n%q\nwant\n%q", got, want)
	}
	// Hostile markup is text too: the index gets it as written.
	if h := fixtureNamed(t, "hostile").notes(t).Text(); !strings.Contains(h, "<script>alert(1)</script>") || !strings.Contains(h, `" onerror="alert(1)`) {
		t.Errorf("hostile Text lost its text:\n%s", h)
	}
}

// TestPlainTextDocument: a document with an empty fragment and a root
// Y.Text (Quill-style, with formatting) renders that text.
func TestPlainTextDocument(t *testing.T) {
	src := crdt.NewDoc(crdt.DocOptions{ClientID: 5})
	txt := src.GetText("default")
	if err := txt.Insert(0, "First line <b>\nSecond bold line\n\nlink here\n", nil); err != nil {
		t.Fatal(err)
	}
	if err := txt.Format(22, 9, crdt.Attributes{"bold": true}); err != nil {
		t.Fatal(err)
	}
	if err := txt.Format(33, 4, crdt.Attributes{"link": "https://example.com"}); err != nil {
		t.Fatal(err)
	}
	// Loaded from bytes, as the store does: the kind of "default" is
	// not known until read.
	u, err := src.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := crdt.NewDoc(crdt.DocOptions{})
	if err := d.ApplyUpdate(u, nil); err != nil {
		t.Fatal(err)
	}
	n, err := ReadNotes(d)
	if err != nil {
		t.Fatal(err)
	}
	wantHTML := `<p>First line &lt;b&gt;</p><p>Second <strong>bold line</strong></p><p></p>` +
		`<p><a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com">link</a> here</p>`
	if got := n.HTML(); got != wantHTML {
		t.Errorf("HTML =\n%s\nwant\n%s", got, wantHTML)
	}
	if got, want := n.Markdown(), "First line \\<b\\>\n\nSecond **bold line**\n\n[link](https://example.com) here\n"; got != want {
		t.Errorf("Markdown =\n%q\nwant\n%q", got, want)
	}
	if got, want := n.Text(), "First line <b>\nSecond bold line\nlink here"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	// The caller's doc is untouched: "default" can still be read as text.
	if s := d.GetText("default").String(); !strings.HasPrefix(s, "First line") {
		t.Errorf("caller's doc reads %q", s)
	}
}

// TestOtherRoots: text under another root name, and a fragment under
// y-prosemirror's default name "prosemirror", are found too.
func TestOtherRoots(t *testing.T) {
	a := crdt.NewDoc(crdt.DocOptions{ClientID: 9})
	_ = a.GetText("notes").Insert(0, "from another root", nil)
	if got, _ := Text(a); got != "from another root" {
		t.Errorf("Text of a Y.Text named notes = %q", got)
	}

	b := crdt.NewDoc(crdt.DocOptions{ClientID: 10})
	p := crdt.NewXmlElement("paragraph")
	x := crdt.NewXmlText()
	_ = x.Insert(0, "prosemirror root", crdt.Attributes{"italic": map[string]any{}})
	_ = p.Insert(0, x)
	_ = b.GetXmlFragment("prosemirror").Insert(0, p)
	if got, _ := HTML(b); got != "<p><em>prosemirror root</em></p>" {
		t.Errorf("HTML of a fragment named prosemirror = %q", got)
	}

	empty := crdt.NewDoc(crdt.DocOptions{ClientID: 11})
	for name, f := range map[string]func(*crdt.Doc) (string, error){"HTML": HTML, "Markdown": Markdown, "Text": Text} {
		if got, err := f(empty); err != nil || got != "" {
			t.Errorf("%s of an empty doc = %q, %v", name, got, err)
		}
	}
}

// TestReadNotesBadUpdate: a malformed update is an error, not a panic
// or an empty document.
func TestReadNotesBadUpdate(t *testing.T) {
	if _, err := ReadNotesUpdate([]byte{0xff, 0xff, 0xff}); err == nil {
		t.Error("malformed update: no error")
	}
	if _, err := RecordUpdate([]byte{1, 2}); err == nil {
		t.Error("malformed meeting update: no error")
	}
}
