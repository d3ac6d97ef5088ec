package render

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// inl is inline content as a tree: mark nodes hold the text they format.
type inl struct {
	mark *Mark
	node *Node // a leaf: text, hardBreak, image or an unknown inline node
	text string
	kids []*inl
}

// mdInlineLine renders inline nodes as Markdown; hard breaks become
// "\\\n" (a line break inside the paragraph), or <br> in headings and at
// the end.
func mdInlineLine(nodes []*Node, heading bool) string {
	r := mdInline{heading: heading}
	return strings.TrimRight(r.render(hoist(buildInline(nodes)), 0, 0), " \t")
}

// buildInline nests marks as ProseMirror does (marks shared with the
// previous node stay open), except that code is always innermost, since
// a Markdown code span cannot hold other markup.
func buildInline(nodes []*Node) []*inl {
	root := &inl{}
	stack := []*inl{root}
	var active []Mark
	for _, n := range nodes {
		var marks []Mark
		if n.Type == "text" {
			marks = slices.Clone(knownMarks(n.Marks))
			slices.SortStableFunc(marks, func(a, b Mark) int {
				ca, cb := a.Type == "code", b.Type == "code"
				switch {
				case ca == cb:
					return 0
				case ca:
					return 1
				}
				return -1
			})
		}
		keep := 0
		for keep < len(active) && keep < len(marks) && sameMark(active[keep], marks[keep]) {
			keep++
		}
		active = active[:keep]
		stack = stack[:keep+1]
		for _, m := range marks[keep:] {
			mk := &inl{mark: &m}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, mk)
			stack = append(stack, mk)
			active = append(active, m)
		}
		leaf := &inl{node: n, text: n.Text}
		top := stack[len(stack)-1]
		top.kids = append(top.kids, leaf)
	}
	return root.kids
}

func isEmphasis(m *Mark) bool {
	return m != nil && (m.Type == "bold" || m.Type == "italic" || m.Type == "strike")
}

// hoist moves whitespace at the edges of emphasis out of it (CommonMark
// does not let "** x**" open) and drops emphasis left empty.
func hoist(kids []*inl) []*inl {
	var out []*inl
	for _, k := range kids {
		if k.mark == nil {
			out = append(out, k)
			continue
		}
		if k.mark.Type != "code" {
			k.kids = hoist(k.kids)
		}
		if !isEmphasis(k.mark) {
			out = append(out, k)
			continue
		}
		var lead, trail string
		for len(k.kids) > 0 && isTextLeaf(k.kids[0]) {
			t := k.kids[0].text
			s := strings.TrimLeftFunc(t, unicode.IsSpace)
			lead += t[:len(t)-len(s)]
			if s != "" {
				k.kids[0] = &inl{node: k.kids[0].node, text: s}
				break
			}
			k.kids = k.kids[1:]
		}
		for len(k.kids) > 0 && isTextLeaf(k.kids[len(k.kids)-1]) {
			i := len(k.kids) - 1
			t := k.kids[i].text
			s := strings.TrimRightFunc(t, unicode.IsSpace)
			trail = t[len(s):] + trail
			if s != "" {
				k.kids[i] = &inl{node: k.kids[i].node, text: s}
				break
			}
			k.kids = k.kids[:i]
		}
		if lead != "" {
			out = append(out, &inl{node: &Node{Type: "text"}, text: lead})
		}
		if len(k.kids) > 0 {
			out = append(out, k)
		}
		if trail != "" {
			out = append(out, &inl{node: &Node{Type: "text"}, text: trail})
		}
	}
	return out
}

func isTextLeaf(k *inl) bool { return k.mark == nil && k.node.Type == "text" }

type mdInline struct{ heading bool }

// punctAhead stands for the first character of emphasis not rendered
// yet: it always starts with punctuation (a delimiter or a tag).
const punctAhead = '¡'

// render writes kids between the characters prev and next (0 is the
// start or end of a line).
func (r mdInline) render(kids []*inl, prev, next rune) string {
	var b strings.Builder
	last := prev
	for i, k := range kids {
		nx := next
		if i+1 < len(kids) {
			nx = r.peek(kids[i+1])
		}
		s := r.one(k, last, nx)
		if s != "" {
			b.WriteString(s)
			last, _ = utf8.DecodeLastRuneInString(s)
		}
	}
	return b.String()
}

func (r mdInline) peek(k *inl) rune {
	if k.mark == nil {
		switch k.node.Type {
		case "hardBreak":
			return '\n'
		case "image":
			return '!'
		}
		s := r.escape(k.text, 'x')
		if s == "" {
			return 0
		}
		c, _ := utf8.DecodeRuneInString(s)
		return c
	}
	switch k.mark.Type {
	case "code":
		return '`'
	case "underline":
		return '<'
	case "link":
		if safeLink(k.mark) {
			return '['
		}
		if len(k.kids) > 0 {
			return r.peek(k.kids[0])
		}
		return 0
	}
	return punctAhead
}

func safeLink(m *Mark) bool {
	href, _ := m.Attrs["href"].(string)
	return href != "" && safeURL(href)
}

func (r mdInline) one(k *inl, prev, next rune) string {
	if k.mark == nil {
		switch k.node.Type {
		case "text":
			return r.escape(k.text, prev)
		case "hardBreak":
			switch {
			case r.heading || next == 0:
				return "<br>"
			case prev == '\\':
				// After an escaped backslash some parsers (goldmark)
				// miss a backslash break.
				return "<br>\n"
			}
			return "\\\n"
		case "image":
			return mdImage(k.node)
		}
		return r.escape(plainText(k.node), prev)
	}
	if len(k.kids) == 0 {
		return ""
	}
	switch k.mark.Type {
	case "code":
		var t strings.Builder
		for _, c := range k.kids {
			t.WriteString(c.text)
		}
		return codeSpan(t.String())
	case "link":
		if !safeLink(k.mark) {
			return r.render(k.kids, prev, next)
		}
		href := k.mark.Attrs["href"].(string)
		s := "[" + r.render(k.kids, '[', ']') + "](" + mdDest(href)
		if t, _ := k.mark.Attrs["title"].(string); t != "" {
			s += ` "` + mdTitle(t) + `"`
		}
		return s + ")"
	case "underline":
		return "<u>" + r.render(k.kids, '>', '<') + "</u>"
	}
	var cands []string
	var tag string
	switch k.mark.Type {
	case "bold":
		cands, tag = []string{"**", "__"}, "strong"
	case "italic":
		cands, tag = []string{"_", "*"}, "em"
	case "strike":
		cands, tag = []string{"~~"}, "s"
	}
	for _, d := range cands {
		c := rune(d[0])
		inner := r.render(k.kids, c, c)
		if flankOK(c, prev, inner, next) {
			return d + inner + d
		}
	}
	return "<" + tag + ">" + r.render(k.kids, '>', '<') + "</" + tag + ">"
}

// flankOK reports whether delimiter runs of c around inner, between prev
// and next, open and close emphasis by CommonMark's flanking rules, and
// touch no other run of the same character (which would merge with it).
func flankOK(c, prev rune, inner string, next rune) bool {
	if inner == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(inner)
	last, _ := utf8.DecodeLastRuneInString(inner)
	if prev == c || next == c || first == c || last == c || prev == '\\' {
		return false
	}
	canOpen := leftFlanking(prev, first) && (c != '_' || !rightFlanking(prev, first) || isPunct(prev))
	canClose := rightFlanking(last, next) && (c != '_' || !leftFlanking(last, next) || isPunct(next))
	return canOpen && canClose
}

func isWS(r rune) bool { return r == 0 || unicode.IsSpace(r) }

func isPunct(r rune) bool {
	if r < 0x80 {
		return r > ' ' && r < 0x7f && !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// leftFlanking: a run between before and after may open.
func leftFlanking(before, after rune) bool {
	return !isWS(after) && (!isPunct(after) || isWS(before) || isPunct(before))
}

// rightFlanking: a run between before and after may close.
func rightFlanking(before, after rune) bool {
	return !isWS(before) && (!isPunct(before) || isWS(after) || isPunct(after))
}

func codeSpan(t string) string {
	t = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(t)
	if t == "" {
		return ""
	}
	longest, run := 0, 0
	for _, c := range t {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(t, "`") || strings.HasSuffix(t, "`") ||
		(strings.HasPrefix(t, " ") && strings.HasSuffix(t, " ") && strings.Trim(t, " ") != "") {
		t = " " + t + " "
	}
	return fence + t + fence
}

// escape writes text so that a CommonMark parser reads it back as text.
// At the start of a line (prev is 0 or a newline) leading blanks are
// dropped and characters that would start a block are escaped.
func (r mdInline) escape(s string, prev rune) string {
	lineStart := prev == 0 || prev == '\n'
	if lineStart {
		s = strings.TrimLeft(s, " \t")
	}
	var b strings.Builder
	// An ordered list marker at the start of a line: digits then . or ).
	digitsEnd := -1
	if lineStart {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
			digitsEnd = i
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("\\`*_[]<>~|", c) >= 0:
			b.WriteByte('\\')
		case c == '&':
			if i+1 < len(s) && (s[i+1] == '#' || unicode.IsLetter(rune(s[i+1]))) {
				b.WriteByte('\\')
			}
		case c == '#':
			if r.heading || (lineStart && i == 0) {
				b.WriteByte('\\')
			}
		case c == '-' || c == '+' || c == '=':
			if lineStart && i == 0 {
				b.WriteByte('\\')
			}
		case i == digitsEnd:
			b.WriteByte('\\')
		case c == '\n' || c == '\r':
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
