package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
)

// TestPostMeetingNotes: the notes of a session as Markdown, HTML, JSON
// (with the meeting record) and raw Yjs, and as a page for people;
// hostile content renders inert.
func TestPostMeetingNotes(t *testing.T) {
	ts, id, tok := liveSession(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/sync", id+"/notes",
		client.Options{Header: http.Header{"Authorization": {"Bearer " + tok("mia")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	c.Do(func(d *crdt.Doc) {
		frag := d.GetXmlFragment("default")
		p := crdt.NewXmlElement("paragraph")
		txt := crdt.NewXmlText()
		must(t, p.Insert(0, txt))
		must(t, frag.Insert(frag.Len(), p))
		must(t, txt.Insert(0, "Decided: ship <script>alert(1)</script> on Friday", nil))
		must(t, txt.Format(0, 8, crdt.Attributes{"bold": map[string]any{}}))
		evil := crdt.NewXmlElement("paragraph")
		et := crdt.NewXmlText()
		must(t, evil.Insert(0, et))
		must(t, frag.Insert(frag.Len(), evil))
		must(t, et.Insert(0, "click", crdt.Attributes{"link": map[string]any{"href": "javascript:alert(1)"}}))
		task := crdt.NewXmlElement("taskList")
		item := crdt.NewXmlElement("taskItem")
		must(t, item.SetAttribute("checked", false))
		para := crdt.NewXmlElement("paragraph")
		tt := crdt.NewXmlText()
		must(t, para.Insert(0, tt))
		must(t, item.Insert(0, para))
		must(t, task.Insert(0, item))
		must(t, frag.Insert(frag.Len(), task))
		must(t, tt.Insert(0, "write the release notes", nil))
	})
	call(t, "POST", ts.url+"/api/sessions/"+id+"/commands", tok("hana"), `{"type":"session.start"}`)
	call(t, "POST", ts.url+"/api/sessions/"+id+"/commands", tok("hana"), `{"type":"agenda.next"}`)
	base := ts.url + "/api/sessions/" + id + "/notes"

	// The client's edit reaches the server (echo) before we read.
	deadline := time.Now().Add(10 * time.Second)
	var md string
	for {
		code, hdr, body := getRaw(t, base+"?format=md", tok("hana"))
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/markdown") {
			t.Fatalf("md: %d %s", code, hdr.Get("Content-Type"))
		}
		md = body
		if strings.Contains(md, "release notes") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"# Live", "### Attendees", "Intro", "**Decided:**", "- [ ] write the release notes", "## Notes"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	_, _, html := getRaw(t, base+"?format=html", tok("hana"))
	for _, bad := range []string{"<script", "javascript:"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Fatalf("html contains %q:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "<strong>Decided:</strong>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Fatalf("html:\n%s", html)
	}
	code, out := call(t, "GET", base+"?format=json", tok("hana"), "")
	if code != 200 {
		t.Fatalf("json: %d", code)
	}
	rec := out["record"].(map[string]any)
	if len(rec["attendees"].([]any)) == 0 || len(rec["agenda"].([]any)) != 2 ||
		rec["open_tasks"].([]any)[0] != "write the release notes" || out["version"] != nil {
		t.Fatalf("record %v", rec)
	}
	code, _, raw := getRaw(t, base+"?format=yjs", tok("hana"))
	d := crdt.NewDoc(crdt.DocOptions{})
	if code != 200 || d.ApplyUpdate([]byte(raw), nil) != nil || !strings.Contains(d.GetXmlFragment("default").String(), "release notes") {
		t.Fatalf("yjs: %d", code)
	}

	// The page for people, and its download.
	code, hdr, page := getRaw(t, ts.url+"/notes/"+id, tok("hana"))
	if code != 200 || !strings.HasPrefix(page, "<!doctype html>") || strings.Contains(page, "<script") ||
		!strings.Contains(page, "<title>Live — cocreate notes</title>") || hdr.Get("Content-Security-Policy") == "" {
		t.Fatalf("page: %d\n%s", code, page)
	}
	// The page's task checkboxes are read-only; the API's HTML is render's, unchanged.
	if n := strings.Count(page, `<input type="checkbox"`); n == 0 || n != strings.Count(page, `<input type="checkbox" disabled`) {
		t.Fatalf("page checkboxes (%d) not all disabled:\n%s", n, page)
	}
	if !strings.Contains(html, `<input type="checkbox">`) || strings.Contains(html, "disabled") {
		t.Fatalf("the API's html changed:\n%s", html)
	}
	code, hdr, dl := getRaw(t, ts.url+"/notes/"+id+"?download=1", tok("hana"))
	if code != 200 || hdr.Get("Content-Disposition") != `attachment; filename="Live.md"` || dl != md {
		t.Fatalf("download: %d %q", code, hdr.Get("Content-Disposition"))
	}

	// Bad requests.
	for _, tc := range []struct {
		url    string
		status int
		code   string
	}{
		{base + "?format=pdf", 400, "bad_format"},
		{base + "?version=0", 400, "bad_version"},
		{base + "?version=x", 400, "bad_version"},
		{base + "?version=99", 404, "version_not_found"},
		{ts.url + "/api/sessions/nope/notes", 404, "not_found"},
		{ts.url + "/notes/nope", 404, "not_found"},
		{ts.url + "/notes/" + id + "?version=-1", 400, "bad_version"},
	} {
		if code, out := call(t, "GET", tc.url, tok("hana"), ""); code != tc.status || out["code"] != tc.code {
			t.Errorf("%s: %d %v, want %d %s", tc.url, code, out, tc.status, tc.code)
		}
	}
	if code, _ := call(t, "GET", ts.url+"/notes/"+id, "", ""); code != http.StatusUnauthorized {
		t.Errorf("page without a token: %d", code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

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
