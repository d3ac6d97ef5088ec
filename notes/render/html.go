package render

import (
	"html"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/cocreate/cocreate/crdt"
)

// HTML renders a notes document as a safe HTML fragment, the markup
// TipTap's generateHTML produces for the same document (see Notes.HTML).
func HTML(doc *crdt.Doc) (string, error) { return renderDoc(doc, (*Notes).HTML) }

// HTML renders the document as a safe HTML fragment with TipTap's
// markup. Every text and attribute value is escaped; the only attributes
// written are the ones listed here (never one taken by name from the
// document, so never an event handler); link and image addresses are
// written only when safeURL accepts them. Unknown nodes and marks render
// as their text.
func (n *Notes) HTML() string {
	var b strings.Builder
	writeBlocks(&b, n.Root.Content, false)
	return b.String()
}

// writeBlocks writes block nodes; inList says they are the items of a
// list (an item anywhere else is wrapped in a list of its own).
func writeBlocks(b *strings.Builder, nodes []*Node, inList bool) {
	// Inline nodes met at block level (an unknown wrapper's text) are
	// gathered into a paragraph.
	var run []*Node
	flush := func() {
		if len(run) > 0 {
			b.WriteString("<p>")
			writeInline(b, run)
			b.WriteString("</p>")
			run = nil
		}
	}
	for _, n := range nodes {
		if isInline(n) {
			run = append(run, n)
			continue
		}
		flush()
		switch {
		case inList || (n.Type != "listItem" && n.Type != "taskItem"):
			writeBlock(b, n)
		case n.Type == "taskItem":
			b.WriteString(`<ul data-type="taskList">`)
			writeBlock(b, n)
			b.WriteString("</ul>")
		default:
			b.WriteString("<ul>")
			writeBlock(b, n)
			b.WriteString("</ul>")
		}
	}
	flush()
}

func writeBlock(b *strings.Builder, n *Node) {
	switch n.Type {
	case "paragraph":
		b.WriteString("<p>")
		writeInline(b, n.Content)
		b.WriteString("</p>")
	case "heading":
		tag := "h" + strconv.Itoa(n.headingLevel())
		b.WriteString("<" + tag + ">")
		writeInline(b, n.Content)
		b.WriteString("</" + tag + ">")
	case "blockquote":
		wrap(b, "<blockquote>", n, "</blockquote>")
	case "bulletList":
		wrapList(b, "<ul>", n, "</ul>")
	case "orderedList":
		b.WriteString("<ol")
		if s, ok := attrInt(n.Attrs["start"]); ok && s != 1 {
			b.WriteString(` start="` + strconv.FormatInt(s, 10) + `"`)
		}
		if t := n.attrString("type"); t == "1" || t == "a" || t == "A" || t == "i" || t == "I" {
			b.WriteString(` type="` + t + `"`)
		}
		b.WriteString(">")
		writeBlocks(b, n.Content, true)
		b.WriteString("</ol>")
	case "listItem":
		wrap(b, "<li>", n, "</li>")
	case "taskList":
		wrapList(b, `<ul data-type="taskList">`, n, "</ul>")
	case "taskItem":
		if n.attrBool("checked") {
			b.WriteString(`<li data-checked="true" data-type="taskItem"><label><input type="checkbox" checked="checked"><span></span></label><div>`)
		} else {
			b.WriteString(`<li data-checked="false" data-type="taskItem"><label><input type="checkbox"><span></span></label><div>`)
		}
		writeBlocks(b, n.Content, false)
		b.WriteString("</div></li>")
	case "codeBlock":
		b.WriteString("<pre><code")
		if lang := n.attrString("language"); lang != "" {
			writeAttr(b, "class", "language-"+lang)
		}
		b.WriteString(">")
		b.WriteString(html.EscapeString(plainText(n)))
		b.WriteString("</code></pre>")
	case "horizontalRule":
		b.WriteString("<hr>")
	case "image":
		writeImage(b, n)
	default:
		if hasInline(n) {
			b.WriteString("<p>")
			writeInline(b, n.Content)
			b.WriteString("</p>")
			return
		}
		writeBlocks(b, n.Content, false)
	}
}

func wrap(b *strings.Builder, open string, n *Node, close string) {
	b.WriteString(open)
	writeBlocks(b, n.Content, false)
	b.WriteString(close)
}

func wrapList(b *strings.Builder, open string, n *Node, close string) {
	b.WriteString(open)
	writeBlocks(b, n.Content, true)
	b.WriteString(close)
}

func writeAttr(b *strings.Builder, name, value string) {
	b.WriteString(" " + name + `="` + html.EscapeString(value) + `"`)
}

func writeImage(b *strings.Builder, n *Node) {
	b.WriteString("<img")
	if src := n.attrString("src"); src != "" && safeURL(src) {
		writeAttr(b, "src", src)
	}
	for _, k := range []string{"alt", "title"} {
		if v, ok := n.Attrs[k].(string); ok {
			writeAttr(b, k, v)
		}
	}
	for _, k := range []string{"width", "height"} {
		if v, ok := attrInt(n.Attrs[k]); ok && v >= 0 {
			writeAttr(b, k, strconv.FormatInt(v, 10))
		}
	}
	b.WriteString(">")
}

// writeInline writes text nodes and inline nodes, nesting marks the way
// ProseMirror's DOMSerializer does: marks shared with the previous node
// (from the outside in) stay open, the rest are closed and reopened.
func writeInline(b *strings.Builder, nodes []*Node) {
	var active []Mark
	closeTo := func(keep int) {
		for i := len(active) - 1; i >= keep; i-- {
			b.WriteString(markClose(active[i]))
		}
		active = active[:keep]
	}
	for _, n := range nodes {
		marks := knownMarks(n.Marks)
		keep := 0
		for keep < len(active) && keep < len(marks) && sameMark(active[keep], marks[keep]) {
			keep++
		}
		closeTo(keep)
		for _, m := range marks[keep:] {
			b.WriteString(markOpen(m))
			active = append(active, m)
		}
		switch n.Type {
		case "text":
			b.WriteString(html.EscapeString(n.Text))
		case "hardBreak":
			b.WriteString("<br>")
		case "image":
			writeImage(b, n)
		default:
			// Unknown inline node: its text.
			b.WriteString(html.EscapeString(plainText(n)))
		}
	}
	closeTo(0)
}

// knownMarks drops marks the renderer does not know (a tree built by
// hand may have them; ReadNotes already leaves them out).
func knownMarks(ms []Mark) []Mark {
	for _, m := range ms {
		if _, ok := markRank[m.Type]; !ok {
			return slices.DeleteFunc(slices.Clone(ms), func(m Mark) bool {
				_, ok := markRank[m.Type]
				return !ok
			})
		}
	}
	return ms
}

func sameMark(a, b Mark) bool {
	return a.Type == b.Type && reflect.DeepEqual(a.Attrs, b.Attrs)
}

var markTags = map[string]string{"bold": "strong", "italic": "em", "strike": "s", "code": "code", "underline": "u", "link": "a"}

func markOpen(m Mark) string {
	if m.Type != "link" {
		return "<" + markTags[m.Type] + ">"
	}
	var b strings.Builder
	// TipTap's defaults for target and rel; the document's own values
	// are not copied.
	b.WriteString(`<a target="_blank" rel="noopener noreferrer nofollow"`)
	if href, _ := m.Attrs["href"].(string); href != "" && safeURL(href) {
		writeAttr(&b, "href", href)
	}
	if t, ok := m.Attrs["title"].(string); ok && t != "" {
		writeAttr(&b, "title", t)
	}
	b.WriteString(">")
	return b.String()
}

func markClose(m Mark) string { return "</" + markTags[m.Type] + ">" }
