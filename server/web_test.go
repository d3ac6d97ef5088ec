package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cocreate/cocreate/client/web"
)

// TestWebRoutes: the pages of the browser workspace and their assets, or,
// in a binary built without the bundle, a page that says how to build it.
func TestWebRoutes(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	_, built := web.Files()
	for _, p := range []string{"/", "/s/abc", "/read/abc", "/invite/abc"} {
		code, body := get(t, ts.url+p)
		switch {
		case built && (code != 200 || !strings.Contains(body, `<div id="app">`) || !strings.Contains(body, "/assets/app.js")):
			t.Fatalf("%s: %d %.80q", p, code, body)
		case !built && (code != http.StatusServiceUnavailable || !strings.Contains(body, "make ui")):
			t.Fatalf("%s without a bundle: %d %.80q", p, code, body)
		}
	}
	if built {
		for _, a := range []string{"app.js", "app.css"} {
			if code, body := get(t, ts.url+"/assets/"+a); code != 200 || len(body) < 100 {
				t.Fatalf("asset %s: %d", a, code)
			}
		}
	}
	for _, a := range []string{"nope.js", "index.html", "..%2fembed.go"} {
		if code, _ := get(t, ts.url+"/assets/"+a); code != http.StatusNotFound {
			t.Fatalf("asset %s: %d", a, code)
		}
	}
}
