package render

import (
	"strings"

	"github.com/cocreate/cocreate/crdt"
)

// Text returns the plain text of a notes document for the search index
// (see Notes.Text).
func Text(doc *crdt.Doc) (string, error) { return renderDoc(doc, (*Notes).Text) }

// Text returns the document's plain text: one line per textblock (hard
// breaks start a new line), images as their alt text, no markup.
func (n *Notes) Text() string {
	var lines []string
	var walk func(*Node, int)
	walk = func(x *Node, depth int) {
		if depth > maxDepth {
			return
		}
		switch {
		case x.Type == "image":
			if alt := x.attrString("alt"); alt != "" {
				lines = append(lines, alt)
			}
			return
		case x.Type == "codeBlock" || hasInline(x):
			if s := strings.TrimSpace(inlineText(x)); s != "" {
				lines = append(lines, s)
			}
			return
		}
		for _, c := range x.Content {
			walk(c, depth+1)
		}
	}
	walk(n.Root, 0)
	return strings.Join(lines, "\n")
}

// inlineText is the text of a textblock; inline images count as their
// alt text.
func inlineText(n *Node) string {
	var b strings.Builder
	for _, c := range n.Content {
		switch c.Type {
		case "image":
			b.WriteString(c.attrString("alt"))
		default:
			b.WriteString(plainText(c))
		}
	}
	return b.String()
}

// OpenTasks returns the text of every unchecked task item of a notes
// document (see Notes.OpenTasks).
func OpenTasks(doc *crdt.Doc) ([]string, error) {
	n, err := ReadNotes(doc)
	if err != nil {
		return nil, err
	}
	return n.OpenTasks(), nil
}

// OpenTasks returns the text of every unchecked task item, in document
// order, whitespace collapsed. A nested task list belongs to its own
// items, not to the text of its parent; empty items are left out. It is
// never nil.
func (n *Notes) OpenTasks() []string {
	out := []string{}
	var walk func(*Node, int)
	walk = func(x *Node, depth int) {
		if depth > maxDepth {
			return
		}
		if x.Type == "taskItem" && !x.attrBool("checked") {
			var parts []string
			for _, c := range x.Content {
				if c.Type != "taskList" && c.Type != "bulletList" && c.Type != "orderedList" {
					parts = append(parts, plainText(c))
				}
			}
			if s := strings.Join(strings.Fields(strings.Join(parts, " ")), " "); s != "" {
				out = append(out, s)
			}
		}
		for _, c := range x.Content {
			walk(c, depth+1)
		}
	}
	walk(n.Root, 0)
	return out
}
