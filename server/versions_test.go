package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
)

// writer is a Go client editing a session's notes.
type writer struct {
	t *testing.T
	c *client.Client
}

func notesWriter(t *testing.T, ts *testServer, id, token string) *writer {
	t.Helper()
	return &writer{t, notesWriterDoc(t, ts, id+"/notes", token)}
}

func notesWriterDoc(t *testing.T, ts *testServer, doc, token string) *client.Client {
	t.Helper()
	return clienttest.Dial(t, 10*time.Second, "ws"+strings.TrimPrefix(ts.url, "http")+"/sync", doc,
		client.Options{Header: http.Header{"Authorization": {"Bearer " + token}}})
}

// paragraph appends a paragraph and waits until the server has it.
func (w *writer) paragraph(ts *testServer, id, token, text string) {
	w.t.Helper()
	w.c.Do(func(d *crdt.Doc) {
		frag := d.GetXmlFragment("default")
		p := crdt.NewXmlElement("paragraph")
		x := crdt.NewXmlText()
		must(w.t, p.Insert(0, x))
		must(w.t, frag.Insert(frag.Len(), p))
		must(w.t, x.Insert(0, text, nil))
	})
	needle, _, _ := strings.Cut(text, "<") // Markdown escapes the rest
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _, md := getRaw(w.t, ts.url+"/api/sessions/"+id+"/notes?format=md", token)
		if strings.Contains(md, needle) {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the server never had %q", text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestVersionsAndSearch: ending a session saves the post-meeting
// version; the notes stay editable; a host saves a named version; any
// version can be read and diffed; search finds words of the saved notes,
// with safe highlighted snippets; deleting the session removes it all.
func TestVersionsAndSearch(t *testing.T) {
	ts, id, tok := liveSession(t, nil)
	w := notesWriter(t, ts, id, tok("mia"))
	w.paragraph(ts, id, tok("mia"), "We agreed on the quarterly budget <b>now</b>")
	host := tok("hana")
	api := ts.url + "/api/sessions/" + id
	// Another document of the session: versioned at the end too.
	board := notesWriterDoc(t, ts, id+"/board", tok("mia"))
	board.Do(func(d *crdt.Doc) { must(t, d.GetText("t").Insert(0, "board text", nil)) })
	for _, c := range []string{"session.start", "agenda.next", "session.end"} {
		if code, out := call(t, "POST", api+"/commands", host, `{"type":"`+c+`"}`); code != 200 {
			t.Fatalf("%s: %d %v", c, code, out)
		}
	}
	code, out := call(t, "GET", api+"/versions", tok("mia"), "")
	vs, _ := out["versions"].([]any)
	if bv, err := ts.srv.store.ListVersions(t.Context(), id+"/board"); err != nil || len(bv) != 1 || bv[0].Kind != "post-meeting" {
		t.Fatalf("board versions: %v %v", bv, err)
	}
	if code != 200 || len(vs) != 1 || vs[0].(map[string]any)["kind"] != "post-meeting" || vs[0].(map[string]any)["n"] != float64(1) {
		t.Fatalf("versions after the end: %d %v", code, out)
	}
	// Follow-up after the meeting, then a named version.
	w.paragraph(ts, id, tok("mia"), "Addendum: hire an accountant")
	if code, out := call(t, "POST", api+"/versions", tok("mia"), `{"name":"x"}`); code != http.StatusForbidden {
		t.Fatalf("a member saved a version: %d %v", code, out)
	}
	if code, out := call(t, "POST", api+"/versions", host, `{"name":""}`); code != http.StatusBadRequest {
		t.Fatalf("empty name: %d %v", code, out)
	}
	code, out = call(t, "POST", api+"/versions", host, `{"name":"follow-up"}`)
	if code != http.StatusCreated || out["n"] != float64(2) || out["kind"] != "manual" || out["name"] != "follow-up" {
		t.Fatalf("save: %d %v", code, out)
	}
	// Version 1 is the notes as they were at the end, with its record.
	_, _, v1 := getRaw(t, api+"/notes?format=md&version=1", host)
	if !strings.Contains(v1, "quarterly budget") || strings.Contains(v1, "Addendum") || !strings.Contains(v1, "### Attendees") {
		t.Fatalf("version 1:\n%s", v1)
	}
	code, out = call(t, "GET", api+"/versions/diff?from=1&to=2", host, "")
	if diff, _ := out["diff"].(string); code != 200 || !strings.Contains(diff, "+Addendum: hire an accountant") {
		t.Fatalf("diff: %d %v", code, out)
	}
	for _, q := range []string{"from=0", "to=2", "from=1&to=x", "from=1&to=9"} {
		if code, out := call(t, "GET", api+"/versions/diff?"+q, host, ""); code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("diff?%s: %d %v", q, code, out)
		}
	}

	// Search: the saved notes, ranked, with safe snippets.
	search := func(q string) (int, []any, map[string]any) {
		code, out := call(t, "GET", ts.url+"/api/search?q="+url.QueryEscape(q), tok("ann"), "")
		res, _ := out["results"].([]any)
		return code, res, out
	}
	code, res, out := search("budgets")
	if code != 200 || len(res) != 1 {
		t.Fatalf("search budgets: %d %v", code, out)
	}
	hit := res[0].(map[string]any)
	snip := hit["snippet"].(string)
	if hit["session"] != id || hit["version"] != float64(2) || !strings.Contains(snip, "<mark>") || strings.Contains(snip, "<b>") {
		t.Fatalf("hit %v", hit)
	}
	if code, res, _ := search("accountant"); code != 200 || len(res) != 1 {
		t.Fatalf("search accountant: %d %v", code, res)
	}
	if code, res, _ := search("nonexistentword"); code != 200 || len(res) != 0 {
		t.Fatalf("search miss: %d %v", code, res)
	}
	if code, _, out := search(`"" AND (`); code != http.StatusBadRequest || out["code"] != "empty_query" {
		t.Fatalf("search of operators: %d %v", code, out)
	}
	if code, out := call(t, "GET", ts.url+"/api/search?q=budget&limit=0", host, ""); code != http.StatusBadRequest {
		t.Fatalf("limit 0: %d %v", code, out)
	}

	// Deleting the session removes its versions and index entries.
	if code, _ := call(t, "DELETE", api, host, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, res, _ := search("budget"); code != 200 || len(res) != 0 {
		t.Fatalf("search after delete: %d %v", code, res)
	}
	if n, err := ts.srv.store.ListVersions(t.Context(), id+"/notes"); err != nil || len(n) != 0 {
		t.Fatalf("versions after delete: %v %v", n, err)
	}
}

// TestAutoVersions: notes edited for longer than --version-every get an
// automatic version, and their latest text is searchable without one.
func TestAutoVersions(t *testing.T) {
	ts, id, tok := liveSession(t, func(c *Config) { c.VersionEvery = time.Second })
	w := notesWriter(t, ts, id, tok("mia"))
	w.paragraph(ts, id, tok("mia"), "first thoughts about gardening")
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, out := call(t, "GET", ts.url+"/api/sessions/"+id+"/versions", tok("mia"), "")
		vs, _ := out["versions"].([]any)
		_, sr := call(t, "GET", ts.url+"/api/search?q=gardening", tok("mia"), "")
		res, _ := sr["results"].([]any)
		if code == 200 && len(vs) >= 1 && vs[0].(map[string]any)["kind"] == "auto" && len(res) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no auto version or index entry: %v %v", out, sr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Edits within the interval make no second version at once.
	w.paragraph(ts, id, tok("mia"), "second thoughts")
	_, out := call(t, "GET", ts.url+"/api/sessions/"+id+"/versions", tok("mia"), "")
	if vs := out["versions"].([]any); len(vs) > 2 {
		t.Fatalf("versions %v", vs)
	}
}
