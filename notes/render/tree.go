package render

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cocreate/cocreate/crdt"
)

// Node is one node of a notes document in ProseMirror's terms: Type is
// the node type name ("doc", "paragraph", "text", ...), Attrs its
// attributes, Content its children; text nodes carry Text and Marks.
type Node struct {
	Type    string
	Attrs   map[string]any
	Content []*Node
	Text    string
	Marks   []Mark
}

// Mark is a formatting mark on a text node (bold, link, ...).
type Mark struct {
	Type  string
	Attrs map[string]any
	key   string // the formatting attribute it was read from
}

// markRank is TipTap's mark order (StarterKit + task list + image
// schema): when marks nest, the earlier one is outside. Unknown marks
// are dropped (their text stays).
var markRank = map[string]int{"link": 0, "bold": 1, "code": 2, "italic": 3, "strike": 4, "underline": 5}

// Notes is a notes document read once, ready to render several ways.
type Notes struct {
	// Root is the "doc" node.
	Root *Node
}

// ReadNotes reads a notes document: the XmlFragment "default" in the
// TipTap/ProseMirror layout or, when that has no nodes, another root
// XmlFragment, then a root Y.Text ("default" first). doc is not changed:
// it is read through a private copy, so a root's kind is never fixed on
// the caller's document.
func ReadNotes(doc *crdt.Doc) (*Notes, error) { return viaUpdate(doc, "notes", ReadNotesUpdate) }

// renderDoc reads a notes document and renders it with render.
func renderDoc(doc *crdt.Doc, render func(*Notes) string) (string, error) {
	n, err := ReadNotes(doc)
	if err != nil {
		return "", err
	}
	return render(n), nil
}

// viaUpdate reads a (notes or meeting) document through a private copy:
// read gets its state as one update, so doc is never changed.
func viaUpdate[T any](doc *crdt.Doc, what string, read func([]byte) (T, error)) (T, error) {
	u, err := doc.EncodeStateAsUpdate(nil)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("render: encode %s document: %w", what, err)
	}
	return read(u)
}

// loadUpdate loads a (notes or meeting) document given as one update.
func loadUpdate(update []byte, what string) (*crdt.Doc, error) {
	d := crdt.NewDoc(crdt.DocOptions{})
	if err := d.ApplyUpdate(update, nil); err != nil {
		return nil, fmt.Errorf("render: load %s update: %w", what, err)
	}
	return d, nil
}

// ReadNotesUpdate is ReadNotes for a document given as one v1 update
// (as stored).
func ReadNotesUpdate(update []byte) (*Notes, error) {
	load := func() (*crdt.Doc, error) { return loadUpdate(update, "notes") }
	d, err := load()
	if err != nil {
		return nil, err
	}
	root := &Node{Type: "doc"}
	names := d.RootNames()
	slices.SortStableFunc(names, func(a, b string) int {
		// "default" first, then the order in which roots were first seen.
		if a == b || (a != "default" && b != "default") {
			return 0
		}
		if a == "default" {
			return -1
		}
		return 1
	})
	if !slices.Contains(names, "default") {
		names = append([]string{"default"}, names...)
	}
	if kids := d.GetXmlFragment("default").Children(); len(kids) > 0 {
		root.Content = readXmlNodes(kids, 0)
		return &Notes{Root: root}, nil
	}
	// Every root of a fresh copy has no kind yet, so each may be read as
	// text once; a root that is really a fragment reads as empty text.
	td, err := load()
	if err != nil {
		return nil, err
	}
	var fragments []string
	for _, name := range names {
		txt := td.GetText(name)
		if txt.String() != "" {
			root.Content = textBlocks(txt.ToDelta())
			return &Notes{Root: root}, nil
		}
		if name != "default" && txt.Len() > 0 {
			fragments = append(fragments, name)
		}
	}
	for _, name := range fragments {
		fd, err := load()
		if err != nil {
			return nil, err
		}
		if kids := fd.GetXmlFragment(name).Children(); len(kids) > 0 {
			root.Content = readXmlNodes(kids, 0)
			return &Notes{Root: root}, nil
		}
	}
	return &Notes{Root: root}, nil
}

// maxDepth bounds nesting so a hostile document cannot exhaust the stack
// of the renderers; deeper nodes are dropped.
const maxDepth = 64

func readXmlNodes(kids []crdt.XmlNode, depth int) []*Node {
	if depth > maxDepth {
		return nil
	}
	var out []*Node
	for _, k := range kids {
		switch x := k.(type) {
		case *crdt.XmlElement:
			n := &Node{Type: x.Name(), Attrs: x.Attributes()}
			n.Content = readXmlNodes(x.Children(), depth+1)
			out = append(out, n)
		case *crdt.XmlText:
			out = append(out, textNodes(x.ToDelta())...)
		}
	}
	return out
}

// textNodes turns a delta into text nodes; formatting attributes are
// marks, as y-prosemirror stores them (the value is the mark's attrs; a
// "--hash" suffix marks overlapping marks of one type).
func textNodes(delta []crdt.Delta) []*Node {
	var out []*Node
	for _, d := range delta {
		s, ok := d.Insert.(string)
		if !ok || s == "" {
			continue
		}
		out = append(out, &Node{Type: "text", Text: s, Marks: marksOf(d.Attributes)})
	}
	return out
}

func marksOf(attrs map[string]any) []Mark {
	var ms []Mark
	for k, v := range attrs {
		name := k
		if i := strings.Index(k, "--"); i > 0 {
			name = k[:i]
		}
		if _, ok := markRank[name]; !ok || v == nil || v == false {
			continue
		}
		m := Mark{Type: name, key: k}
		switch a := v.(type) {
		case map[string]any:
			m.Attrs = a
		case string:
			if name == "link" { // Quill-style link: the value is the href
				m.Attrs = map[string]any{"href": a}
			}
		}
		ms = append(ms, m)
	}
	// One mark of a type: y-prosemirror's hashed keys can carry several
	// links, which neither HTML nor Markdown can nest. The first by key
	// wins, so the choice does not depend on map order.
	slices.SortFunc(ms, func(a, b Mark) int {
		return cmp.Or(markRank[a.Type]-markRank[b.Type], cmp.Compare(a.key, b.key))
	})
	ms = slices.CompactFunc(ms, func(a, b Mark) bool { return a.Type == b.Type })
	return ms
}

// textBlocks turns a plain Y.Text (Quill-style: lines end with "\n")
// into paragraphs.
func textBlocks(delta []crdt.Delta) []*Node {
	var out []*Node
	p := &Node{Type: "paragraph"}
	for _, n := range textNodes(delta) {
		for {
			i := strings.IndexByte(n.Text, '\n')
			if i < 0 {
				p.Content = append(p.Content, n)
				break
			}
			if i > 0 {
				p.Content = append(p.Content, &Node{Type: "text", Text: n.Text[:i], Marks: n.Marks})
			}
			out = append(out, p)
			p = &Node{Type: "paragraph"}
			n = &Node{Type: "text", Text: n.Text[i+1:], Marks: n.Marks}
			if n.Text == "" {
				break
			}
		}
	}
	if len(p.Content) > 0 {
		out = append(out, p)
	}
	return out
}

// attrString returns a string attribute, or "" when absent or not a string.
func (n *Node) attrString(k string) string {
	s, _ := n.Attrs[k].(string)
	return s
}

// attrInt returns an integral numeric attribute (ints arrive as int64,
// large or JSON numbers as float64).
func attrInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case crdt.BigInt:
		return int64(x), true
	}
	return 0, false
}

func (n *Node) attrBool(k string) bool {
	b, _ := n.Attrs[k].(bool)
	return b
}

// headingLevel is the level TipTap renders: 1..6, else 1.
func (n *Node) headingLevel() int {
	if l, ok := attrInt(n.Attrs["level"]); ok && l >= 1 && l <= 6 {
		return int(l)
	}
	return 1
}

// isInline reports whether a node type lives inside a textblock.
func isInline(n *Node) bool {
	return n.Type == "text" || n.Type == "hardBreak"
}

// hasInline reports whether a node's children include inline content,
// so an unknown node holding text is rendered as a paragraph.
func hasInline(n *Node) bool {
	for _, c := range n.Content {
		if isInline(c) {
			return true
		}
	}
	return false
}

// plainText returns the text of a node and its descendants.
func plainText(n *Node) string {
	var b strings.Builder
	var walk func(*Node)
	walk = func(n *Node) {
		switch n.Type {
		case "text":
			b.WriteString(n.Text)
		case "hardBreak":
			b.WriteByte('\n')
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
