package render

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FuzzRender feeds arbitrary updates to the notes renderer: it must
// never panic, and whatever the document holds, the HTML has only the
// allowed attributes, no event handlers, no script or style elements
// and only safe addresses. Seeds are the TipTap fixtures.
func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob("testdata/tiptap/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		// The update is the only base64 string in a fixture long enough.
		s := string(data)
		if i := strings.Index(s, `"update": "`); i >= 0 {
			rest := s[i+len(`"update": "`):]
			if u, err := base64.StdEncoding.DecodeString(rest[:strings.IndexByte(rest, '"')]); err == nil {
				f.Add(u)
			}
		}
	}
	f.Fuzz(func(t *testing.T, update []byte) {
		n, err := ReadNotesUpdate(update)
		if err != nil {
			return
		}
		out := n.HTML()
		_ = n.Markdown()
		_ = n.Text()
		_ = n.OpenTasks()
		nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
		if err != nil {
			t.Fatal(err)
		}
		var walk func(*html.Node)
		walk = func(x *html.Node) {
			if x.Type == html.ElementNode {
				if x.Data == "script" || x.Data == "style" {
					t.Fatalf("<%s> in %s", x.Data, out)
				}
				for _, a := range x.Attr {
					if !allowedAttrs[a.Key] || ((a.Key == "href" || a.Key == "src") && !safeURL(a.Val)) {
						t.Fatalf("attribute %s=%q in %s", a.Key, a.Val, out)
					}
				}
			}
			for c := x.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		for _, x := range nodes {
			walk(x)
		}
	})
}
