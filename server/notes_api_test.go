package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// getRaw fetches url with a bearer token.
func getRaw(t *testing.T, url, token string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

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
