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
