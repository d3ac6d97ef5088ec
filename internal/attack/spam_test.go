package attack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/interoptest"
)

// guestPost sends a JSON POST without a cookie: a fresh guest each time.
func guestPost(t *testing.T, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Fresh-cookie spam with the default flags: an address that creates
// sessions and documents as fast as it can, a new guest every time, gets
// no more than its per-minute quota; the rest is refused with 429. What a
// bystander stored before is untouched, as a fresh stock yjs client reads,
// and the server's heap peaks at most 64 MB above its level before.
func TestFreshCookieSpam(t *testing.T) {
	addr := hygieneServe(t)
	base := "http://" + addr
	// A bystander's document, written before the attack.
	g := guard(t, addr, 64)

	created, refused := 0, 0
	for i := range 200 {
		code, body := guestPost(t, base+"/api/sessions", fmt.Sprintf(`{"title":"spam %d","time_zone":"UTC"}`, i))
		switch code {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
			refused++
			if !strings.Contains(body, "too_many_creations") {
				t.Fatalf("refusal without its reason: %s", body)
			}
		default:
			t.Fatalf("session %d: %d %s", i, code, body)
		}
	}
	// The default is 120 a minute; a few more may refill during the run.
	if created < 100 || created > 130 || refused == 0 {
		t.Fatalf("200 sessions from one address: %d created, %d refused; want about 120 created", created, refused)
	}
	// Documents are creations too: fresh documents are refused now.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 20 {
		c, resp, err := websocket.Dial(ctx, fmt.Sprintf("ws://%s/sync/spam%d/notes", addr, i), nil)
		if err == nil {
			c.CloseNow()
			t.Fatalf("fresh document %d opened during the spam", i)
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("fresh document %d: %v, want 429", i, err)
		}
	}
	// The bystander's document is as it was.
	g.check()
}

// The notes-schema poison: the 30-byte update (a bare string in
// the notes' default fragment, made by the real yjs) sent to a live
// session is refused with permission denied, and the session's notes read
// the same before and after. The server's heap peaks at most 64 MB above
// its level before, and a bystander document of no session (stock yjs)
// reads back unchanged.
func TestNotesSchemaPoison(t *testing.T) {
	poison := interoptest.SchemaUpdates(t)["poison_string"]

	addr := hygieneServe(t)
	base := "http://" + addr
	// The attacker is the session's host: one guest, one cookie.
	jar, _ := cookiejar.New(nil)
	guest := &http.Client{Jar: jar}
	resp, err := guest.Post(base+"/api/sessions", "application/json", strings.NewReader(`{"title":"Weekly","time_zone":"UTC","agenda":[{"id":"a","title":"Budget"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var sess struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	notes := func() string {
		resp, err := guest.Get(base + "/api/sessions/" + sess.ID + "/notes?format=md")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		// The notes proper, after the meeting record (whose attendance
		// the attacker's connection changes).
		// The notes proper, without the meeting record (whose attendance
		// the attacker's connection changes), wherever the record is.
		text, _, ok := strings.Cut(string(b), "\n## Meeting record\n")
		if !ok || !strings.Contains(text, "Budget") {
			t.Fatalf("no notes section in %s", b)
		}
		if _, after, ok := strings.Cut(text, "\n## Notes\n"); ok {
			text = after
		}
		return text
	}
	before := notes()
	g := guard(t, addr, 64)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/sync/"+sess.ID+"/notes", &websocket.DialOptions{HTTPClient: guest})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageBinary, yproto.UpdateMessage(poison)); err != nil {
		t.Fatal(err)
	}
	for {
		_, raw, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("no permission-denied answer: %v", err)
		}
		m, err := yproto.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == yproto.TypeAuth {
			if !strings.Contains(m.Reason, "notes schema") {
				t.Fatalf("refused with %q", m.Reason)
			}
			break
		}
		if m.Type == yproto.TypeSync && m.Sync == yproto.SyncUpdate {
			t.Fatal("the poison was broadcast back")
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
	if after := notes(); after != before {
		t.Fatalf("the notes changed:\n%s\nwas\n%s", after, before)
	}
	g.check()
}
