package render

import (
	"strings"
	"time"
)

// DocumentMarkdown is the post-meeting document as one Markdown file, the
// way a reader wants it: the title as its only top-level heading, when
// the meeting took place and how long it ran, the notes (their headings
// moved one level down, so the title stays the only "#"), then the
// record of the meeting (attendees, agenda, polls, open tasks).
func DocumentMarkdown(r *MeetingRecord, n *Notes) string {
	var b strings.Builder
	b.WriteString("# " + mdInline{heading: true}.escape(r.title(), 'x') + "\n")
	if s := r.when(); s != "" {
		b.WriteString("\n" + mdCell(s) + "\n")
	}
	b.WriteString("\n## Notes\n\n")
	notes := (&Notes{Root: shiftHeadings(n.Root)}).Markdown()
	if notes == "" {
		notes = "No notes were taken.\n"
	}
	b.WriteString(notes)
	b.WriteString("\n## Meeting record\n")
	r.markdownSections(&b, "###")
	return b.String()
}

// when is the line under the document's title: the date and time the
// meeting started and how long it ran (or that it has not started yet).
func (r *MeetingRecord) when() string {
	if r.StartedAt == nil {
		if r.State == "" {
			return ""
		}
		return "Not started yet."
	}
	s := r.time(*r.StartedAt)
	switch {
	case r.EndedAt != nil:
		s += ", " + duration((*r.EndedAt-*r.StartedAt)/int64(time.Second/time.Millisecond))
	case r.State == "live":
		s += ", still running"
	}
	return s
}

// shiftHeadings copies a tree with every heading one level lower (h6
// stays h6); the other nodes are shared, not copied.
func shiftHeadings(n *Node) *Node {
	if n == nil {
		return &Node{Type: "doc"}
	}
	c := *n
	if n.Type == "heading" {
		c.Attrs = make(map[string]any, len(n.Attrs))
		for k, v := range n.Attrs {
			c.Attrs[k] = v
		}
		c.Attrs["level"] = int64(min(n.headingLevel()+1, 6))
		return &c
	}
	if len(n.Content) > 0 {
		c.Content = make([]*Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = shiftHeadings(ch)
		}
	}
	return &c
}
