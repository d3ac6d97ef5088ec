package render

import "testing"

func TestSafeURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://example.com":         true,
		"HTTP://EXAMPLE.COM":          true,
		"mailto:a@example.com":        true,
		"/relative/path":              true,
		"relative.png":                true,
		"#anchor":                     true,
		"?q=1":                        true,
		"//example.com/protocol-less": true,
		"javascript&#58;alert(1)":     true, // no scheme: a relative path, written escaped
		"1javascript:alert(1)":        true, // not a scheme (starts with a digit): relative
		"javascript:alert(1)":         false,
		"JaVaScRiPt:alert(1)":         false,
		" javascript:alert(1)":        false,
		"\x00\x01javascript:alert(1)": false,
		"java\tscript:alert(1)":       false,
		"java\nscript:alert(1)":       false,
		"java\rscript:alert(1)":       false,
		"javascript\t:alert(1)":       false,
		"data:text/html,<script>":     false,
		"vbscript:msgbox":             false,
		"file:///etc/passwd":          false,
		"ftp://example.com":           false,
		"blob:https://example.com/x":  false,
		"https\x00://example.com":     true, // NUL inside: not a scheme, so relative
		"":                            true,
	} {
		if got := safeURL(u); got != want {
			t.Errorf("safeURL(%q) = %v, want %v", u, got, want)
		}
	}
}

// TestUnknownMarksInTree: a tree built by hand with marks the renderer
// does not know renders their text only.
func TestUnknownMarksInTree(t *testing.T) {
	n := &Notes{Root: &Node{Type: "doc", Content: []*Node{{Type: "paragraph", Content: []*Node{
		{Type: "text", Text: "blink", Marks: []Mark{{Type: "blink"}, {Type: "bold"}}},
		{Type: "text", Text: " plain", Marks: []Mark{{Type: "onclick"}}},
	}}}}}
	if got, want := n.HTML(), "<p><strong>blink</strong> plain</p>"; got != want {
		t.Errorf("HTML = %q, want %q", got, want)
	}
	if got, want := n.Markdown(), "**blink** plain\n"; got != want {
		t.Errorf("Markdown = %q, want %q", got, want)
	}
}
