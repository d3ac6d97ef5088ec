package render

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
)

// commonmark parses Markdown with goldmark (CommonMark plus the two GFM
// extensions we write: strikethrough and task lists). Raw HTML is let
// through on purpose: any escaping mistake of ours would then show up as
// markup in the tree instead of being hidden by the parser.
func commonmark(t *testing.T, md string) string {
	t.Helper()
	gm := goldmark.New(
		goldmark.WithExtensions(extension.Strikethrough, extension.TaskList),
		goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
	)
	var buf bytes.Buffer
	if err := gm.Convert([]byte(md), &buf); err != nil {
		t.Fatalf("goldmark: %v", err)
	}
	return buf.String()
}

// TestMarkdownMatchesTipTap parses our Markdown of every fixture back
// with a CommonMark parser and compares the result with TipTap's HTML:
// the same element tree and text, once the differences Markdown cannot
// avoid are normalised on both sides (see structure). Our Markdown
// writes no link or image address we refuse, so TipTap's links without
// a safe address count as their text, and unsafe image sources are
// dropped, as in TestHTMLMatchesTipTap.
func TestMarkdownMatchesTipTap(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			md := fx.notes(t).Markdown()
			back := commonmark(t, md)
			got, want := structure(t, back), structure(t, fx.HTML)
			if got != want {
				t.Errorf("Markdown does not read back as TipTap's document\n got: %s\nwant: %s\n  md:\n%s\nhtml: %s", got, want, md, back)
			}
			if g, w := textContent(t, back), textContent(t, fx.HTML); g != w {
				t.Errorf("text differs\n got: %q\nwant: %q", g, w)
			}
		})
	}
}

// structure writes an HTML fragment as a canonical tree of elements and
// text, ignoring what Markdown cannot say or says another way:
//   - list items: a <p> directly inside <li> is unwrapped (tight and
//     loose lists), empty paragraphs are dropped, a <p> holding only an
//     image is unwrapped;
//   - task items: TipTap's <li data-type="taskItem"><label>…</label><div>
//     and GFM's <li><input type="checkbox"> both become <li task="…">;
//   - <del> is <s>; only href, src, alt, title, start and a code block's
//     language class are kept, the class reduced to the characters a
//     Markdown info string keeps;
//   - text is trimmed at element edges and its whitespace collapsed
//     (except inside pre, where one final newline is dropped).
func structure(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for _, n := range parseFragment(t, s) {
		writeStructure(&b, n, false)
	}
	return b.String()
}

func attr(n *html.Node, k string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == k {
			return a.Val, true
		}
	}
	return "", false
}

func isEmptyP(n *html.Node) bool {
	if n.Type != html.ElementNode || n.Data != "p" {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode || strings.TrimSpace(c.Data) != "" {
			return false
		}
	}
	return true
}

func onlyImage(n *html.Node) bool {
	var el *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "":
		case c.Type == html.ElementNode && c.Data == "img" && el == nil:
			el = c
		default:
			return false
		}
	}
	return el != nil
}

// taskState returns "x" or " " for a task item of either dialect, and
// removes the checkbox of the GFM one.
func taskState(n *html.Node) (string, bool) {
	if v, ok := attr(n, "data-type"); ok && v == "taskItem" {
		if c, _ := attr(n, "data-checked"); c == "true" {
			return "x", true
		}
		return " ", true
	}
	box := n.FirstChild
	for box != nil && box.Type == html.TextNode && strings.TrimSpace(box.Data) == "" {
		box = box.NextSibling
	}
	if box != nil && box.Type == html.ElementNode && box.Data == "p" {
		box = box.FirstChild
	}
	if box != nil && box.Type == html.ElementNode && box.Data == "input" {
		if ty, _ := attr(box, "type"); ty == "checkbox" {
			_, checked := attr(box, "checked")
			box.Parent.RemoveChild(box)
			if checked {
				return "x", true
			}
			return " ", true
		}
	}
	return "", false
}

func keepLang(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-_.#", r) {
			return r
		}
		return -1
	}, s)
}

func normURL(u string) string {
	if v, err := url.PathUnescape(u); err == nil {
		return v
	}
	return u
}

func writeStructure(b *strings.Builder, n *html.Node, pre bool) {
	switch n.Type {
	case html.TextNode:
		s := n.Data
		if pre {
			s = strings.TrimSuffix(s, "\n")
		} else {
			s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
		}
		if s != "" {
			b.WriteString("«" + s + "»")
		}
		return
	case html.ElementNode:
	default:
		return
	}
	kids := func() {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			writeStructure(b, c, pre || n.Data == "pre")
		}
	}
	parentLi := n.Parent != nil && n.Parent.Type == html.ElementNode && (n.Parent.Data == "li" || n.Parent.Data == "div")
	switch n.Data {
	case "label":
		return
	case "div":
		kids()
		return
	case "p":
		if isEmptyP(n) {
			return
		}
		if parentLi || onlyImage(n) {
			kids()
			return
		}
	case "a":
		href, _ := attr(n, "href")
		if href == "" || !safeURL(href) {
			kids()
			return
		}
		b.WriteString("<a href=" + normURL(href) + ">")
		kids()
		b.WriteString("</a>")
		return
	case "img":
		b.WriteString("<img")
		if src, _ := attr(n, "src"); src != "" && safeURL(src) {
			b.WriteString(" src=" + normURL(src))
		}
		for _, k := range []string{"alt", "title"} {
			if v, ok := attr(n, k); ok && v != "" {
				b.WriteString(" " + k + "=" + v)
			}
		}
		b.WriteString(">")
		return
	case "li":
		if st, ok := taskState(n); ok {
			b.WriteString("<li task=[" + st + "]>")
			kids()
			b.WriteString("</li>")
			return
		}
	case "ol":
		if s, ok := attr(n, "start"); ok && s != "1" {
			b.WriteString("<ol start=" + s + ">")
			kids()
			b.WriteString("</ol>")
			return
		}
	case "code":
		if c, ok := attr(n, "class"); ok && strings.HasPrefix(c, "language-") {
			if l := keepLang(strings.TrimPrefix(c, "language-")); l != "" {
				b.WriteString("<code lang=" + l + ">")
				kids()
				b.WriteString("</code>")
				return
			}
		}
	case "del":
		b.WriteString("<s>")
		kids()
		b.WriteString("</s>")
		return
	}
	b.WriteString("<" + n.Data + ">")
	kids()
	b.WriteString("</" + n.Data + ">")
}

// textContent is the whitespace-collapsed text of a fragment, blocks
// and breaks separated by a space: it catches words run together.
func textContent(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		block := n.Type == html.ElementNode && n.Data != "a" && n.Data != "strong" && n.Data != "em" &&
			n.Data != "s" && n.Data != "del" && n.Data != "u" && n.Data != "code"
		if block {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	for _, n := range parseFragment(t, s) {
		walk(n)
	}
	return strings.TrimSpace(spaces.ReplaceAllString(b.String(), " "))
}
