package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
)

// TestWebhookSessionEvents: the owner of a session's space subscribes a
// real local receiver through the API (a member may not); the session's
// change, start and end reach it as signed events, with the
// post-meeting version, once each; the deliveries log shows them; a
// deleted webhook takes its deliveries with it.
func TestWebhookSessionEvents(t *testing.T) {
	const hookSecret = "whsec-server-test"
	recv := newReceiver(t, hookSecret)
	ts := startServer(t, t.TempDir(), func(c *Config) { withAuth(c); c.WebhookAllowPrivate = true })
	ctx := context.Background()
	alice := sign(t, jwt.SigningMethodHS256, testSecret, claims("alice", time.Hour, nil))
	bob := sign(t, jwt.SigningMethodHS256, testSecret, claims("bob", time.Hour, nil))
	var sess notes.Session
	code, b := callAPI(t, "POST", ts.url+"/api/sessions", alice, `{"title":"Hooked","time_zone":"Europe/Berlin","scheduled_at":"2026-12-03T14:00:00Z"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &sess) != nil {
		t.Fatalf("create session: %d %s", code, b)
	}
	hooks := ts.url + "/api/spaces/" + sess.SpaceID + "/webhooks"
	if code, b := callAPI(t, "PUT", ts.url+"/api/spaces/"+sess.SpaceID+"/members/bob", alice, `{"role":"member"}`); code != http.StatusOK {
		t.Fatalf("add bob: %d %s", code, b)
	}
	// A member may not subscribe or read the webhooks; bad input is refused.
	if code, _ := callAPI(t, "POST", hooks, bob, `{"url":"`+recv.URL+`","events":["session.started"]}`); code != http.StatusForbidden {
		t.Errorf("a member subscribed: %d", code)
	}
	for _, body := range []string{
		`{"url":"ftp://x/","events":["session.started"]}`,
		`{"url":"` + recv.URL + `","events":[]}`,
		`{"url":"` + recv.URL + `","events":["session.exploded"]}`,
		`{"url":"` + recv.URL + `","events":["session.started"],"secret":"short"}`,
	} {
		if code, b := callAPI(t, "POST", hooks, alice, body); code != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s", body, code, b)
		}
	}
	var hook struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	code, b = callAPI(t, "POST", hooks, alice, `{"url":"`+recv.URL+`/in","secret":"`+hookSecret+`",
		"events":["session.updated","session.started","session.ended","notes.version_created"]}`)
	if code != http.StatusCreated || json.Unmarshal(b, &hook) != nil || hook.Secret != hookSecret {
		t.Fatalf("subscribe: %d %s", code, b)
	}
	if code, b := callAPI(t, "GET", hooks, alice, ""); code != http.StatusOK || !strings.Contains(string(b), hook.ID) || strings.Contains(string(b), hookSecret) {
		t.Errorf("list: %d %s", code, b)
	}
	base := ts.url + "/api/sessions/" + sess.ID
	for _, step := range []struct{ method, url, body string }{
		{"PATCH", base, `{"title":"Hooked, renamed"}`},
		{"POST", base + "/start", ""},
		{"POST", base + "/end", ""},
	} {
		if code, b := callAPI(t, step.method, step.url, alice, step.body); code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", step.method, step.url, code, b)
		}
	}
	want := []string{webhook.SessionUpdated, webhook.SessionStarted, webhook.SessionEnded, webhook.NotesVersionCreated}
	got := recv.wait(t, "the session's events", func(ps []webhook.Payload) bool { return len(ps) >= len(want) })
	seen := map[string]webhook.Payload{}
	for _, p := range got {
		if _, dup := seen[p.Type]; dup {
			t.Errorf("%s received twice", p.Type)
		}
		seen[p.Type] = p
	}
	for _, typ := range want {
		p, ok := seen[typ]
		var data struct {
			SessionID string            `json:"session_id"`
			Title     string            `json:"title"`
			Version   int               `json:"version"`
			Links     map[string]string `json:"links"`
		}
		if !ok || json.Unmarshal(p.Data, &data) != nil || data.SessionID != sess.ID || data.Links["room"] != "/s/"+sess.ID || p.SpaceID != sess.SpaceID {
			t.Errorf("%s: %+v", typ, p)
		}
		if typ == webhook.NotesVersionCreated && data.Version < 1 {
			t.Errorf("version event without a version: %s", p.Data)
		}
	}
	var log struct{ Deliveries []notes.Delivery }
	code, b = callAPI(t, "GET", hooks+"/"+hook.ID+"/deliveries", alice, "")
	if code != http.StatusOK || json.Unmarshal(b, &log) != nil || len(log.Deliveries) != len(want) {
		t.Fatalf("deliveries log: %d %s", code, b)
	}
	if code, _ := callAPI(t, "GET", hooks+"/"+hook.ID+"/deliveries", bob, ""); code != http.StatusForbidden {
		t.Errorf("a member read the deliveries: %d", code)
	}
	if code, _ := callAPI(t, "DELETE", hooks+"/"+hook.ID, alice, ""); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := callAPI(t, "GET", hooks+"/"+hook.ID+"/deliveries", alice, ""); code != http.StatusNotFound {
		t.Errorf("deliveries of a deleted webhook: %d", code)
	}
	if ds, _ := ts.srv.store.Deliveries(ctx, hook.ID, 10); len(ds) != 0 {
		t.Errorf("a deleted webhook keeps %d deliveries", len(ds))
	}
}

// receiver is a real local webhook receiver: it verifies each
// delivery's signature with its secret and keeps the payloads.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []webhook.Payload
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := webhook.Verify(req.Header.Get(webhook.SignatureHeader), secret, body, time.Now(), time.Minute); err != nil {
			t.Errorf("receiver: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("receiver: %v", err)
		}
		r.mu.Lock()
		r.got = append(r.got, p)
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

// wait returns the payloads received once cond holds for them, and
// fails the test if it does not within 30 s.
func (r *receiver) wait(t *testing.T, what string, cond func([]webhook.Payload) bool) []webhook.Payload {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r.mu.Lock()
		got := slices.Clone(r.got)
		r.mu.Unlock()
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never came: %d payloads", what, len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookRefusesPrivateURL: without --webhook-allow-private a
// loopback or private URL is refused when subscribing.
func TestWebhookRefusesPrivateURL(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	alice := sign(t, jwt.SigningMethodHS256, testSecret, claims("alice", time.Hour, nil))
	var sp struct{ ID string }
	code, b := callAPI(t, "POST", ts.url+"/api/spaces", alice, `{"name":"Mine"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &sp) != nil {
		t.Fatalf("space: %d %s", code, b)
	}
	for _, u := range []string{"http://127.0.0.1:9/in", "http://[::1]/in", "http://10.0.0.1/in", "http://169.254.169.254/latest/meta-data"} {
		code, b := callAPI(t, "POST", ts.url+"/api/spaces/"+sp.ID+"/webhooks", alice, `{"url":"`+u+`","events":["session.started"]}`)
		if code != http.StatusBadRequest || !strings.Contains(string(b), "private") {
			t.Errorf("%s: %d %s", u, code, b)
		}
	}
}
