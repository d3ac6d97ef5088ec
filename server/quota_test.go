package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// dialRefused dials path and checks the upgrade is refused with status
// and code.
func dialRefused(t *testing.T, ts *testServer, path string, status int, code string) {
	t.Helper()
	wc, resp, err := dialDocWith(t, ts, path, nil)
	if err == nil {
		wc.c.CloseNow()
		t.Fatalf("%s: connected, want %d %s", path, status, code)
	}
	wantJSONError(t, resp, status, code)
}

func TestQuotaDocsPerSession(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.MaxDocsPerSession = 3 })
	for _, d := range []string{"a", "b", "c"} {
		dialDoc(t, ts, "q/"+d).synced()
	}
	dialRefused(t, ts, "q/d", http.StatusTooManyRequests, "too_many_documents")
	// An existing document still opens; another session is not affected.
	dialDoc(t, ts, "q/a").synced()
	dialDoc(t, ts, "other/d").synced()
}

// Fresh cookies do not reset the dev-mode creation quota: it counts per
// address.
func TestQuotaGuestCreations(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.GuestCreationsPerMinute = 3 })
	create := func() *http.Response {
		// No cookie: every request is a fresh guest.
		req, _ := http.NewRequest(http.MethodPost, ts.url+"/api/sessions", strings.NewReader(`{"title":"spam","time_zone":"UTC"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := range 3 {
		resp := create()
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("creation %d: %d", i, resp.StatusCode)
		}
	}
	resp := create()
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	wantJSONError(t, resp, http.StatusTooManyRequests, "too_many_creations")
	// New documents are creations too.
	dialRefused(t, ts, "fresh/notes", http.StatusTooManyRequests, "too_many_creations")
	if m := metricsOf(t, ts); !strings.Contains(m, `cocreate_refused_total{reason="too_many_creations"} 2`) {
		t.Fatal("refusals not counted")
	}
}

func TestQuotaSessionBytes(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.MaxSessionBytes = 10000 })
	a := dialSynced(t, ts, "big/a")
	a.insert(0, strings.Repeat("a", 6000))
	a.echoed()
	// Wait until it is stored: the quota counts stored bytes of the
	// session's other documents.
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, _ := ts.srv.store.Load(ctx, "big/a")
		if len(st.Updates) > 0 || st.Snapshot != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("big/a not stored")
		}
	}
	b := dialSynced(t, ts, "big/b")
	b.insert(0, strings.Repeat("b", 6000))
	if code, reason := b.closed(); code != websocket.StatusMessageTooBig || !strings.Contains(reason, "quota") {
		t.Fatalf("over the session quota: closed %d %q, want 1009", code, reason)
	}
	// Nothing of it is stored; small edits elsewhere still work.
	if st, _ := ts.srv.store.Load(ctx, "big/b"); len(st.Updates) != 0 || st.Snapshot != nil {
		t.Fatal("the refused update was stored")
	}
	c := dialSynced(t, ts, "big/c")
	c.insert(0, "small")
	c.until("the small edit", func(m yproto.Message) bool { return m.Type == yproto.TypeSync && m.Sync == yproto.SyncUpdate })
	// Once the session is near its quota, a client that comes back with
	// everything it has (a long sync step 2 holding nothing new) is not
	// refused: only growth counts.
	a2 := dialSynced(t, ts, "big/a")
	for a2.text() == "" {
		a2.next()
	}
	full, _ := a2.doc.EncodeStateAsUpdate(nil)
	a2.send(yproto.SyncStep2Message(full))
	a2.insert(0, "x")
	a2.echoed()
}

func TestQuotaAttendance(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.MaxAttendance = 2 })
	ts.mkSession(t, "full")
	// Public: every guest here may read it, and so attend.
	if _, err := ts.srv.store.UpdateSession(context.Background(), "full", func(s *notes.Session) error { s.Visibility = notes.VisibilityPublic; return nil }); err != nil {
		t.Fatal(err)
	}
	first, resp, err := dialDocWith(t, ts, "full/notes", nil)
	if err != nil {
		t.Fatal(err)
	}
	first.synced()
	cookie := resp.Cookies()[0]
	dialDoc(t, ts, "full/notes").synced()
	// The attendance is recorded asynchronously; wait until both are in.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		ts.srv.hubs.Do("full/meeting", func(d *crdt.Doc) error {
			n, _ = meeting.Attendance(d, "")
			return nil
		})
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("attendance not recorded")
		}
	}
	dialRefused(t, ts, "full/notes", http.StatusTooManyRequests, "attendance_full")
	// Someone already in the attendance comes back.
	hdr := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}
	again, _, err := dialDocWith(t, ts, "full/notes", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatalf("a listed person is refused: %v", err)
	}
	again.synced()
}

func TestAcceptBucket(t *testing.T) {
	b := newAcceptBucket(10, 3)
	now := time.Unix(1000, 0)
	for i := range 3 {
		if ok, _ := b.take(now); !ok {
			t.Fatalf("take %d of a burst of 3 refused", i)
		}
	}
	ok, wait := b.take(now)
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("4th take at once = %v, %v; want refused, 100ms to wait", ok, wait)
	}
	if ok, _ := b.take(now.Add(100 * time.Millisecond)); !ok {
		t.Fatal("a token 100ms later at 10/s refused")
	}
	if ok, _ := newAcceptBucket(0, 1).take(now); !ok {
		t.Fatal("rate 0 (no limit) refused")
	}
}

// TestAcceptRateLimit: upgrades beyond the bucket get 503 with
// Retry-After before any WebSocket is made.
func TestAcceptRateLimit(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.AcceptRate = 0.01; c.AcceptBurst = 2 })
	for range 2 {
		dialDoc(t, ts, "s/notes").synced()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/sync/s/notes", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("3rd upgrade: %v, %+v; want 503", err, resp)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q, want whole seconds ≥ 1", resp.Header.Get("Retry-After"))
	}
	if _, body := get(t, ts.url+"/metrics"); !strings.Contains(body, `cocreate_refused_total{reason="accept_rate"} 1`) {
		t.Fatal("the refusal is not counted in /metrics")
	}
}
