package render_test

import (
	"fmt"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes/render"
)

// A notes document in the TipTap layout rendered three ways.
func Example() {
	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	h := crdt.NewXmlElement("heading")
	_ = h.SetAttribute("level", 2)
	ht := crdt.NewXmlText()
	_ = ht.Insert(0, "Decisions", nil)
	_ = h.Insert(0, ht)
	p := crdt.NewXmlElement("paragraph")
	pt := crdt.NewXmlText()
	_ = p.Insert(0, pt)
	_ = doc.GetXmlFragment("default").Insert(0, h, p)
	// Marks are formatting attributes whose value is the mark's attrs.
	_ = pt.Insert(0, "Ship <b>it</b> ", nil)
	_ = pt.Insert(15, "today", crdt.Attributes{"bold": map[string]any{}})

	notes, err := render.ReadNotes(doc)
	if err != nil {
		panic(err)
	}
	fmt.Println(notes.HTML())
	fmt.Print(notes.Markdown())
	fmt.Println(notes.Text())
	// Output:
	// <h2>Decisions</h2><p>Ship &lt;b&gt;it&lt;/b&gt; <strong>today</strong></p>
	// ## Decisions
	//
	// Ship \<b\>it\</b\> **today**
	// Decisions
	// Ship <b>it</b> today
}

// Two versions of the notes, compared line by line.
func ExampleDiffMarkdown() {
	fmt.Print(render.DiffMarkdown("# Notes\n- one\n- two\n", "# Notes\n- one\n- 2\n- three\n"))
	// Output:
	// --- a
	// +++ b
	// @@ -1,3 +1,4 @@
	//  # Notes
	//  - one
	// -- two
	// +- 2
	// +- three
}
