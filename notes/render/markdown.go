package render

import (
	"strconv"
	"strings"

	"github.com/cocreate/cocreate/crdt"
)

// Markdown renders a notes document as CommonMark (see Notes.Markdown).
func Markdown(doc *crdt.Doc) (string, error) { return renderDoc(doc, (*Notes).Markdown) }

// Markdown renders the document as CommonMark, with two GitHub
// extensions: ~~strike~~ and task list items "- [ ]". Underline, which
// Markdown lacks, is written as <u>…</u>, and emphasis whose delimiters
// CommonMark would not recognise where they stand is written as an HTML
// tag too; all text is escaped, so the only raw HTML is those tags. Link
// and image addresses are written only when safe (see HTML); empty
// paragraphs, which Markdown cannot express, are left out.
func (n *Notes) Markdown() string {
	lines := mdBlocks(n.Root.Content, 0)
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// mdBlocks renders blocks as lines, separated by blank lines. Lists
// alternate their marker so that two lists in a row stay two lists.
func mdBlocks(nodes []*Node, depth int) []string {
	var out []string
	prevList := ""
	flip := false
	var run []*Node
	add := func(lines []string) {
		if len(lines) == 0 {
			return
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	flush := func() {
		if len(run) > 0 {
			add(mdParagraph(run))
			run = nil
			prevList = ""
		}
	}
	for _, n := range nodes {
		if isInline(n) {
			run = append(run, n)
			continue
		}
		flush()
		kind := listKind(n)
		flip = kind != "" && kind == prevList && !flip
		add(mdBlock(n, depth, flip))
		prevList = kind
	}
	flush()
	return out
}

// listKind groups list types by the Markdown marker they would share.
func listKind(n *Node) string {
	switch n.Type {
	case "bulletList", "taskList":
		return "bullet"
	case "orderedList":
		return "ordered"
	}
	return ""
}

func mdBlock(n *Node, depth int, flip bool) []string {
	if depth > maxDepth {
		return nil
	}
	switch n.Type {
	case "paragraph":
		return mdParagraph(n.Content)
	case "heading":
		s := mdInlineLine(n.Content, true)
		return []string{strings.Repeat("#", n.headingLevel()) + " " + s}
	case "blockquote":
		inner := mdBlocks(n.Content, depth+1)
		if len(inner) == 0 {
			inner = []string{""}
		}
		out := make([]string, len(inner))
		for i, l := range inner {
			if l == "" {
				out[i] = ">"
			} else {
				out[i] = "> " + l
			}
		}
		return out
	case "bulletList", "taskList":
		marker := "-"
		if flip {
			marker = "*"
		}
		return mdList(n, depth, func(int) string { return marker + " " })
	case "orderedList":
		start := orderedStart(n)
		delim := "."
		if flip {
			delim = ")"
		}
		return mdList(n, depth, func(i int) string { return strconv.FormatInt(start+int64(i), 10) + delim + " " })
	case "codeBlock":
		return mdCode(n)
	case "horizontalRule":
		return []string{"---"}
	case "image":
		// Nothing to show: no alt text and no address we would write.
		if src := n.attrString("src"); n.attrString("alt") == "" && (src == "" || !safeURL(src)) {
			return nil
		}
		return []string{mdImage(n)}
	default:
		if hasInline(n) {
			return mdParagraph(n.Content)
		}
		return mdBlocks(n.Content, depth+1)
	}
}

// orderedStart is the first number of an ordered list; CommonMark
// allows at most nine digits, for the last item too.
func orderedStart(n *Node) int64 {
	if s, ok := attrInt(n.Attrs["start"]); ok && s >= 0 && s+int64(len(n.Content)) <= 1e9 {
		return s
	}
	return 1
}

// mdList renders list items; the list is tight (no blank lines) unless
// an item holds two blocks that need a blank line between them.
func mdList(n *Node, depth int, marker func(int) string) []string {
	type item struct {
		lines []string
		loose bool
	}
	var items []item
	for i, it := range n.Content {
		var lines []string
		loose := false
		if it.Type == "listItem" || it.Type == "taskItem" {
			lines, loose = mdItemBody(it, depth)
		} else {
			lines = mdBlock(it, depth+1, false)
		}
		m := marker(i)
		if it.Type == "taskItem" {
			if it.attrBool("checked") {
				m += "[x] "
			} else {
				m += "[ ] "
			}
		}
		if len(lines) == 0 {
			lines = []string{""}
		}
		pad := strings.Repeat(" ", len(marker(i)))
		for j := range lines {
			switch {
			case j == 0:
				lines[j] = strings.TrimRight(m+lines[j], " ")
			case lines[j] != "":
				lines[j] = pad + lines[j]
			}
		}
		items = append(items, item{lines, loose})
	}
	loose := false
	for _, it := range items {
		loose = loose || it.loose
	}
	var out []string
	for i, it := range items {
		if i > 0 && loose {
			out = append(out, "")
		}
		out = append(out, it.lines...)
	}
	return out
}

// mdItemBody renders the blocks of a list item: a paragraph followed by
// nested lists stays tight; other sequences are separated by blank lines
// and make the list loose.
func mdItemBody(it *Node, depth int) ([]string, bool) {
	var out []string
	loose := false
	prevList, flip := "", false
	for _, c := range it.Content {
		kind := listKind(c)
		flip = kind != "" && kind == prevList && !flip
		lines := mdBlock(c, depth+1, flip)
		if len(lines) == 0 {
			continue
		}
		// Only a bullet list or an ordered list starting at 1 can
		// interrupt the paragraph above it without a blank line.
		interrupts := kind == "bullet" || kind == "ordered" && orderedStart(c) == 1
		if len(out) > 0 && (!interrupts || prevList != "") {
			out = append(out, "")
			loose = true
		}
		out = append(out, lines...)
		prevList = kind
	}
	return out, loose
}

func mdCode(n *Node) []string {
	text := plainText(n)
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	lang := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-_.#", r) {
			return r
		}
		return -1
	}, n.attrString("language"))
	out := []string{fence + lang}
	if text != "" {
		out = append(out, strings.Split(text, "\n")...)
	}
	return append(out, fence)
}

func mdParagraph(nodes []*Node) []string {
	s := mdInlineLine(nodes, false)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func mdImage(n *Node) string {
	src := n.attrString("src")
	if !safeURL(src) {
		src = ""
	}
	var b strings.Builder
	b.WriteString("![")
	b.WriteString(mdInline{}.escape(n.attrString("alt"), '['))
	b.WriteString("](")
	b.WriteString(mdDest(src))
	if t := n.attrString("title"); t != "" {
		b.WriteString(` "` + mdTitle(t) + `"`)
	}
	b.WriteString(")")
	return b.String()
}

// mdDest writes a link destination so that a CommonMark parser reads
// back u: characters with a meaning there are backslash-escaped, spaces
// and controls percent-encoded (which the browser reads the same way).
//
// An "&" that starts something entity-like ("&#", "&name;") is
// percent-encoded instead: some parsers (goldmark among them) decode
// entities in destinations even after a backslash, which would turn
// "javascript&#58;" into "javascript:".
func mdDest(u string) string {
	if u == "" {
		return "<>"
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == '&' && entityLike(u[i+1:]):
			b.WriteString("%26")
		case c <= ' ' || c == 0x7f:
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		case strings.IndexByte(`\()<>&`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func mdTitle(t string) string {
	var b strings.Builder
	for _, r := range t {
		switch r {
		case '"', '\\', '&', '<', '>':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// entityLike reports whether s (what follows an "&") could complete an
// HTML character reference: "#…" or letters and digits up to ";".
func entityLike(s string) bool {
	if strings.HasPrefix(s, "#") {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ';':
			return i > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return false
}
