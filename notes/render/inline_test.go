package render

import (
	"math/rand/v2"
	"testing"
)

// TestMarkdownInlineRandom writes random paragraphs of marked text
// (neighbouring marks, punctuation and delimiter characters at the
// edges, the cases where CommonMark's flanking rules bite) as Markdown,
// parses them back with goldmark and compares with our HTML, which
// TestHTMLMatchesTipTap holds to TipTap's. Seeds are fixed, so a failure
// replays.
func TestMarkdownInlineRandom(t *testing.T) {
	pieces := []string{"word", "a", "*", "_", "**x**", "foo_bar", " spaced ", "(paren)", "\"q\"", ".", ",",
		"1.", "# h", "- d", "&amp;", "&#58;", "`tick`", "\\", "ü", "🎉", "x ", " y", "[b]", "<i>", "~~", "|"}
	markSets := [][]Mark{
		nil, nil,
		{{Type: "bold"}},
		{{Type: "italic"}},
		{{Type: "bold"}, {Type: "italic"}},
		{{Type: "strike"}},
		{{Type: "italic"}, {Type: "strike"}},
		{{Type: "underline"}},
		{{Type: "bold"}, {Type: "underline"}},
		{{Type: "code"}},
		{{Type: "link", Attrs: map[string]any{"href": "https://example.com/x"}}},
		{{Type: "link", Attrs: map[string]any{"href": "https://example.com/x"}}, {Type: "bold"}},
		{{Type: "link", Attrs: map[string]any{"href": "https://example.com/y"}}, {Type: "italic"}},
	}
	for seed := uint64(1); seed <= 1500; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		var content []*Node
		for range 1 + r.IntN(6) {
			if r.IntN(12) == 0 && len(content) > 0 {
				content = append(content, &Node{Type: "hardBreak"})
			}
			text := ""
			for range 1 + r.IntN(3) {
				text += pieces[r.IntN(len(pieces))]
			}
			content = append(content, &Node{Type: "text", Text: text, Marks: markSets[r.IntN(len(markSets))]})
		}
		n := &Notes{Root: &Node{Type: "doc", Content: []*Node{{Type: "paragraph", Content: content}}}}
		md := n.Markdown()
		h := n.HTML()
		back := commonmark(t, md)
		if got, want := structure(t, back), structure(t, h); got != want {
			t.Fatalf("seed %d: Markdown reads back differently\n  md: %q\n got: %s\nwant: %s", seed, md, got, want)
		}
		if got, want := textContent(t, back), textContent(t, h); got != want {
			t.Fatalf("seed %d: text differs\n  md: %q\n got: %q\nwant: %q", seed, md, got, want)
		}
	}
}

// TestMarkdownBlocksRandom does the same for random block trees: lists
// of every kind in lists and quotes, code, rules, images and headings
// side by side, where list markers, indentation and blank lines matter.
func TestMarkdownBlocksRandom(t *testing.T) {
	words := []string{"alpha", "beta", "- dash", "1. one", "> gt", "# hash", "```", "text"}
	var block func(r *rand.Rand, depth int) *Node
	para := func(r *rand.Rand) *Node {
		return &Node{Type: "paragraph", Content: []*Node{{Type: "text", Text: words[r.IntN(len(words))]}}}
	}
	items := func(r *rand.Rand, depth int, typ string) []*Node {
		var out []*Node
		for range 1 + r.IntN(3) {
			it := &Node{Type: typ, Content: []*Node{para(r)}}
			if typ == "taskItem" {
				it.Attrs = map[string]any{"checked": r.IntN(2) == 0}
			}
			for range r.IntN(3) {
				if depth < 3 {
					it.Content = append(it.Content, block(r, depth+1))
				}
			}
			out = append(out, it)
		}
		return out
	}
	block = func(r *rand.Rand, depth int) *Node {
		k := r.IntN(10)
		if depth >= 3 {
			k = r.IntN(4)
		}
		switch k {
		case 0:
			return para(r)
		case 1:
			return &Node{Type: "codeBlock", Attrs: map[string]any{"language": "go"}, Content: []*Node{{Type: "text", Text: "x := 1\n\n  y"}}}
		case 2:
			return &Node{Type: "horizontalRule"}
		case 3:
			return &Node{Type: "image", Attrs: map[string]any{"src": "https://example.com/i.png", "alt": "pic"}}
		case 4:
			return &Node{Type: "heading", Attrs: map[string]any{"level": int64(1 + r.IntN(6))}, Content: []*Node{{Type: "text", Text: "head"}}}
		case 5:
			return &Node{Type: "bulletList", Content: items(r, depth, "listItem")}
		case 6:
			return &Node{Type: "orderedList", Attrs: map[string]any{"start": int64(r.IntN(12))}, Content: items(r, depth, "listItem")}
		case 7:
			return &Node{Type: "taskList", Content: items(r, depth, "taskItem")}
		default:
			q := &Node{Type: "blockquote"}
			for range 1 + r.IntN(3) {
				q.Content = append(q.Content, block(r, depth+1))
			}
			return q
		}
	}
	for seed := uint64(1); seed <= 1000; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		doc := &Node{Type: "doc"}
		for range 1 + r.IntN(5) {
			doc.Content = append(doc.Content, block(r, 0))
		}
		n := &Notes{Root: doc}
		md := n.Markdown()
		back := commonmark(t, md)
		if got, want := structure(t, back), structure(t, n.HTML()); got != want {
			t.Fatalf("seed %d: Markdown reads back differently\n  md:\n%s\n got: %s\nwant: %s", seed, md, got, want)
		}
	}
}
