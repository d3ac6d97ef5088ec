package render

import (
	"strings"
	"testing"

	"github.com/cocreate/cocreate/crdt"
	"golang.org/x/net/html"
)

// allowedAttrs are the only attributes the notes HTML may carry.
var allowedAttrs = map[string]bool{
	"href": true, "target": true, "rel": true, "title": true, "src": true, "alt": true,
	"width": true, "height": true, "start": true, "type": true, "class": true,
	"data-type": true, "data-checked": true, "checked": true,
}

// assertInert checks an HTML fragment has no script or style element,
// no event handler or unexpected attribute, and no address with a
// scheme other than http, https or mailto.
func assertInert(t *testing.T, out string) {
	t.Helper()
	low := strings.ToLower(out)
	for _, bad := range []string{"<script", "<style", "javascript:", "vbscript:", "data:"} {
		if strings.Contains(low, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "iframe", "object", "embed", "svg", "math", "form":
				t.Errorf("element <%s> in output:\n%s", n.Data, out)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || !allowedAttrs[a.Key] {
					t.Errorf("attribute %s=%q on <%s>:\n%s", a.Key, a.Val, n.Data, out)
				}
				if (a.Key == "href" || a.Key == "src") && !safeURL(a.Val) {
					t.Errorf("unsafe %s=%q:\n%s", a.Key, a.Val, out)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range parseFragment(t, out) {
		walk(n)
	}
}

// TestHostileHTML: the hostile TipTap fixture (script and style text,
// javascript:/data: links, attribute injection through href, src, alt,
// title and a code block's language) renders inert, and so does its
// Markdown once a CommonMark parser turns it into HTML with raw HTML
// allowed.
func TestHostileHTML(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		if fx.Name != "hostile" {
			continue
		}
		n := fx.notes(t)
		out := n.HTML()
		assertInert(t, out)
		// The markup is escaped, not dropped: the text is still there.
		assertContains(t, "HTML", out, "&lt;script&gt;alert(1)&lt;/script&gt;", "click me", "&lt;img src=x onerror=alert(1)&gt;")
		assertInert(t, commonmark(t, n.Markdown()))
		return
	}
	t.Fatal("no hostile fixture")
}

// hostileDoc builds, with our own engine, what no TipTap editor would
// write but a hostile client can: unknown nodes named like dangerous
// elements with event-handler attributes, marks with odd names and
// values, attributes of the wrong type, a Quill-style link string.
func hostileDoc(t *testing.T) *crdt.Doc {
	t.Helper()
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 7})
	frag := d.GetXmlFragment("default")
	el := func(name string, attrs map[string]any, kids ...crdt.XmlNode) *crdt.XmlElement {
		e := crdt.NewXmlElement(name)
		for k, v := range attrs {
			if err := e.SetAttribute(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if len(kids) > 0 {
			if err := e.Insert(0, kids...); err != nil {
				t.Fatal(err)
			}
		}
		return e
	}
	txt := func(s string, attrs crdt.Attributes) *crdt.XmlText {
		x := crdt.NewXmlText()
		if err := x.Insert(0, s, attrs); err != nil {
			t.Fatal(err)
		}
		return x
	}
	nodes := []crdt.XmlNode{
		el("script", map[string]any{"onclick": "alert(1)", "src": "javascript:alert(1)"}, txt("alert('script node')", nil)),
		el("paragraph", map[string]any{"onmouseover": "alert(1)", "style": "x"},
			txt("styled", crdt.Attributes{"onclick": map[string]any{"x": "alert(1)"}, "bold": map[string]any{}}),
			txt("quill link", crdt.Attributes{"link": "javascript:alert(1)"}),
			txt(" ok link", crdt.Attributes{"link": "https://example.com/ok"}),
			txt(" hashed", crdt.Attributes{"link--abc123": map[string]any{"href": " JaVaScRiPt:alert(1)", "target": `" onclick="x`}}),
			el("mention", map[string]any{"id": `"><script>alert(1)</script>`}, txt("@someone", nil)),
			txt("two links", crdt.Attributes{"link--b": map[string]any{"href": "https://b.example"}, "link--a": map[string]any{"href": "https://a.example"}}),
		),
		el("heading", map[string]any{"level": "<script>"}, txt("level is not a number", nil)),
		el("image", map[string]any{"src": "vbscript:msgbox", "width": `1" onerror="alert(1)`, "alt": 5}),
		el("image", map[string]any{"src": "\x01javascript:alert(1)"}),
		el("codeBlock", map[string]any{"language": []any{"x", "y"}}, txt("<b>code</b>", nil)),
		el("orderedList", map[string]any{"start": "3 onclick=x", "type": "<i>"}, el("listItem", nil, el("paragraph", nil, txt("item", nil)))),
		el("iframe", map[string]any{"srcdoc": "<script>alert(1)</script>"}, el("paragraph", nil, txt("inside iframe", nil))),
		el("taskItem", map[string]any{"checked": "yes"}, el("paragraph", nil, txt("loose task", nil))),
	}
	if err := frag.Insert(0, nodes...); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestHostileDocument renders a document no editor would write; it must
// render inert, keep the text of unknown nodes and marks, and never fail.
func TestHostileDocument(t *testing.T) {
	d := hostileDoc(t)
	out, err := HTML(d)
	if err != nil {
		t.Fatal(err)
	}
	assertInert(t, out)
	assertContains(t, "HTML", out, "alert(&#39;script node&#39;)", "styled", "quill link", "@someone", "inside iframe",
		`<a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com/ok">`, "<h1>level is not a number</h1>",
		"&lt;b&gt;code&lt;/b&gt;", "<ol><li><p>item</p></li></ol>",
		// Two hashed link marks on one text: one link, the first by key.
		`href="https://a.example">two links</a>`,
		// An item outside a list gets a list of its own; "yes" is not true.
		`<ul data-type="taskList"><li data-checked="false" data-type="taskItem">`)
	md, err := Markdown(d)
	if err != nil {
		t.Fatal(err)
	}
	assertInert(t, commonmark(t, md))
	if !strings.Contains(md, "[ ok link](https://example.com/ok)") {
		t.Errorf("Markdown lacks the safe link:\n%s", md)
	}
	// The caller's document is read through a copy: its roots keep no
	// kind, so it can still be read as anything afterwards.
	if d.GetXmlFragment("default").Len() != len(d.GetXmlFragment("default").Children()) {
		t.Error("fragment changed")
	}
}

// TestDeepNesting: nesting far beyond any real document neither
// overflows nor fails; the levels past maxDepth are dropped.
func TestDeepNesting(t *testing.T) {
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 3})
	var inner crdt.XmlNode = func() crdt.XmlNode {
		p := crdt.NewXmlElement("paragraph")
		x := crdt.NewXmlText()
		_ = x.Insert(0, "bottom", nil)
		_ = p.Insert(0, x)
		return p
	}()
	for range 5000 {
		q := crdt.NewXmlElement("blockquote")
		_ = q.Insert(0, inner)
		inner = q
	}
	if err := d.GetXmlFragment("default").Insert(0, inner); err != nil {
		t.Fatal(err)
	}
	n, err := ReadNotes(d)
	if err != nil {
		t.Fatal(err)
	}
	out := n.HTML()
	if !strings.HasPrefix(out, "<blockquote><blockquote>") || strings.Contains(out, "bottom") {
		t.Errorf("deep nesting: got %d bytes starting %.60q", len(out), out)
	}
	_ = n.Markdown()
	_ = n.Text()
}
