package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
)

// TestWebhookSessionEvents: a session in a space with a webhook; its
// change, start and end through the API reach a real local receiver as
// signed events, with the post-meeting version, in order of emission.
// (Subscribing through /api/spaces/{id}/webhooks comes with spaces; the
// webhook is stored directly here.)
func TestWebhookSessionEvents(t *testing.T) {
	const hookSecret = "whsec-server-test"
	var mu sync.Mutex
	var got []webhook.Payload
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(r.Header.Get(webhook.SignatureHeader), hookSecret, body, time.Now(), time.Minute); err != nil {
			t.Errorf("receiver: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("receiver: %v", err)
		}
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer recv.Close()

	ts := startServer(t, t.TempDir(), func(c *Config) { withAuth(c); c.WebhookAllowPrivate = true })
	ctx := context.Background()
	sess := notes.Session{ID: "hooked", Title: "Hooked", Host: "alice", State: notes.StateScheduled, TimeZone: "Europe/Berlin",
		CreatedAt: time.Now().UTC(), Agenda: []notes.AgendaItem{}, SpaceID: "sp1"}
	if err := ts.srv.store.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	hook := notes.Webhook{ID: "h1", SpaceID: "sp1", URL: recv.URL + "/in", Secret: hookSecret, CreatedBy: "alice", CreatedAt: time.Now(),
		Events: []string{webhook.SessionUpdated, webhook.SessionStarted, webhook.SessionEnded, webhook.NotesVersionCreated}}
	if err := ts.srv.store.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	alice := sign(t, jwt.SigningMethodHS256, testSecret, claims("alice", time.Hour, nil))
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
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d of %d events", n, len(want))
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
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
		if !ok || json.Unmarshal(p.Data, &data) != nil || data.SessionID != "hooked" || data.Links["room"] != "/s/hooked" || p.SpaceID != "sp1" {
			t.Errorf("%s: %+v", typ, p)
		}
		if typ == webhook.NotesVersionCreated && data.Version < 1 {
			t.Errorf("version event without a version: %s", p.Data)
		}
	}
	ds, err := ts.srv.store.Deliveries(ctx, "h1", 10)
	if err != nil || len(ds) != len(want) {
		t.Fatalf("deliveries log: %d, %v", len(ds), err)
	}
}
