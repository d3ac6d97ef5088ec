package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestGuestCookieNeverShown: a guest's cookie is a secret. A scripted
// session — create, join the notes, type, meeting commands, meeting,
// notes in every format, the reading page, versions and their diff,
// search, the session list — never shows the cookie's value in any
// response (but the Set-Cookie that hands it over), log line or stored
// document.
func TestGuestCookieNeverShown(t *testing.T) {
	logs := &lockedBuffer{}
	dir := t.TempDir()
	ts := startServerLog(t, dir, nil, logs, slog.LevelDebug)
	base := ts.url

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: &http.Transport{DisableKeepAlives: true}}
	var seen []string // every response, headers and body
	call := func(method, path, body string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		h := resp.Header.Clone()
		h.Del("Set-Cookie")
		var hb strings.Builder
		h.Write(&hb)
		seen = append(seen, method+" "+path+"\n"+hb.String()+"\n"+string(raw))
		return raw
	}

	call("GET", "/api/me", "")
	u, _ := url.Parse(base)
	var cookie string
	for _, c := range jar.Cookies(u) {
		if c.Name == guestCookie {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatal("no guest cookie minted")
	}
	var sess struct{ ID string }
	if err := json.Unmarshal(call("POST", "/api/sessions", createBody), &sess); err != nil {
		t.Fatal(err)
	}
	api := "/api/sessions/" + sess.ID

	// Join the notes with the cookie and type.
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	wsBase := "ws" + strings.TrimPrefix(base, "http") + "/sync"
	hdr := http.Header{"Cookie": {guestCookie + "=" + cookie}}
	c, err := client.Dial(dctx, wsBase, sess.ID+"/notes", client.Options{Header: hdr})
	if err != nil {
		t.Fatal(err)
	}
	c.Do(func(d *crdt.Doc) {
		p := crdt.NewXmlElement("paragraph")
		d.GetXmlFragment("default").Insert(0, p)
		txt := crdt.NewXmlText()
		p.Insert(0, txt)
		txt.Insert(0, "hello from a guest", nil)
	})

	call("POST", api+"/start", "")
	call("POST", api+"/commands", `{"type":"hand.raise"}`)
	call("POST", api+"/commands", `{"type":"agenda.add","title":"Guest topic"}`)
	call("POST", api+"/commands", `{"type":"timer.start","durationMs":60000}`)
	call("GET", api+"/meeting", "")
	call("GET", api, "")
	call("GET", "/api/sessions", "")
	call("POST", api+"/versions", `{"name":"first"}`)
	// Wait until the typed text is in the notes.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(string(call("GET", api+"/notes?format=md", "")), "hello from a guest"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("typed text never reached the notes")
		}
	}
	call("POST", api+"/end", "")
	for _, f := range []string{"md", "html", "json", "yjs"} {
		call("GET", api+"/notes?format="+f, "")
	}
	call("GET", "/notes/"+sess.ID, "")
	call("GET", api+"/versions", "")
	call("GET", api+"/versions/diff?from=1&to=2", "")
	call("GET", "/api/search?q=hello", "")
	call("GET", "/api/me", "")
	c.Close()

	for _, r := range seen {
		if strings.Contains(r, cookie) {
			t.Errorf("a response shows the guest cookie:\n%s", r)
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), cookie) {
		t.Errorf("the log shows the guest cookie:\n%s", logs.String())
	}
	// Stored documents: reopen the store.
	cfg := DefaultConfig()
	cfg.Data = dir
	st, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, doc := range []string{sess.ID + "/notes", sess.ID + "/meeting"} {
		state, err := st.Load(context.Background(), doc)
		if err != nil {
			t.Fatal(err)
		}
		all := bytes.Join(append([][]byte{state.Snapshot}, state.Updates...), nil)
		if len(all) == 0 || bytes.Contains(all, []byte(cookie)) {
			t.Errorf("%s: %d bytes stored, cookie present: %v", doc, len(all), bytes.Contains(all, []byte(cookie)))
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d responses checked", len(seen))
	}
}
