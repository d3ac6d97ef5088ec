package attack

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/interoptest"
)

// hygieneServe starts `cocreate serve` (the binary TestMain built) with a
// data directory of its own and args; it returns the address.
func hygieneServe(t *testing.T, args ...string) string {
	t.Helper()
	return start(t, args...).addr
}

// closedWithin waits (generously: this is a bound on a hostile client's
// hold, not a performance figure) until the server closes conn, reading
// whatever it answers, and reports the answer's first line.
func closedWithin(t *testing.T, conn net.Conn, limit time.Duration) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(limit))
	r := bufio.NewReader(conn)
	first, _ := r.ReadString('\n')
	_, err := io.Copy(io.Discard, r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection is still open after %v (answer so far %q)", limit, first)
	}
	return strings.TrimSpace(first)
}

// Slow HTTP clients are cut off: a POST whose body trickles in past
// --read-timeout, and an idle keep-alive connection past --idle-timeout.
// Meanwhile a bystander is served, and a WebSocket (not bound by those
// timeouts) keeps working well past them. The server's heap peaks at
// most 64 MB above its level before, and a bystander document (stock yjs)
// reads back unchanged.
func TestSlowHTTPClientsAreCutOff(t *testing.T) {
	addr := hygieneServe(t, "--read-timeout", "1s", "--write-timeout", "1s", "--idle-timeout", "1s")
	g := guard(t, addr, 64)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, err := client.Dial(ctx, "ws://"+addr+"/sync", "slow/notes", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}

	// Slow bodies: 20 of them at once, each promising 1000 bytes and
	// sending one byte a second.
	var wg sync.WaitGroup
	answers := make([]string, 20)
	for i := range answers {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST /api/sessions HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		wg.Go(func() {
			stop := make(chan struct{})
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(time.Second):
						if _, err := conn.Write([]byte(" ")); err != nil {
							return
						}
					}
				}
			}()
			answers[i] = closedWithin(t, conn, 15*time.Second)
			close(stop)
		})
	}
	// A bystander is served meanwhile.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("bystander during the slow bodies: %v %v", resp, err)
	}
	resp.Body.Close()
	wg.Wait()
	for i, a := range answers {
		if strings.Contains(a, " 201 ") {
			t.Fatalf("slow body %d created a session: %q", i, a)
		}
	}

	// An idle keep-alive connection is closed.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
	r := bufio.NewReader(conn)
	if line, _ := r.ReadString('\n'); !strings.Contains(line, "200") {
		t.Fatalf("keep-alive request: %q", line)
	}
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		if _, err := r.ReadByte(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("an idle keep-alive connection stays open")
			}
			break
		}
	}

	// The WebSocket outlived every HTTP timeout and still edits.
	ws.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "still here", nil) })
	other, err := client.Dial(ctx, "ws://"+addr+"/sync", "slow/notes", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Wait(ctx, func(d *crdt.Doc) bool { return d.GetText("t").String() == "still here" }); err != nil {
		t.Fatalf("the long-lived socket's edit: %v", err)
	}
	if ws.Connects() != 1 {
		t.Fatalf("the socket reconnected %d times: an HTTP timeout hit it", ws.Connects()-1)
	}
	g.check()
}

// post sends a POST with the given Content-Type and Origin ("" = none).
func post(t *testing.T, url, contentType, origin, body string, cookie *http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// In dev mode (guest cookies, no tokens) a page on another site must not
// act for a guest: state-changing requests from a forged Origin, and
// form or text/plain posts (the ones a browser sends cross-site without
// asking), are refused and create nothing; WebSockets from another
// Origin are refused. The same requests from the server's own page work.
// The server's heap peaks at most 64 MB above its level before, and a
// bystander document (stock yjs) reads back unchanged.
func TestForgedOrigins(t *testing.T) {
	addr := hygieneServe(t)
	base := "http://" + addr
	g := guard(t, addr, 64)
	// A guest's cookie, as a browser would hold it.
	resp, err := http.Get(base + "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "cocreate_guest" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no guest cookie")
	}
	body := `{"title":"forged","time_zone":"UTC"}`
	attacks := []struct {
		name, contentType, origin string
		want                      int
	}{
		{"JSON from another site", "application/json", "https://evil.example", http.StatusForbidden},
		{"form from another site", "application/x-www-form-urlencoded", "https://evil.example", http.StatusForbidden},
		{"text/plain from another site", "text/plain", "https://evil.example", http.StatusForbidden},
		{"opaque origin (sandboxed frame)", "application/json", "null", http.StatusForbidden},
		{"look-alike host", "application/json", "http://" + addr + ".evil.example", http.StatusForbidden},
		{"text/plain without Origin", "text/plain", "", http.StatusUnsupportedMediaType},
		{"form from the same host", "application/x-www-form-urlencoded", "http://" + addr, http.StatusUnsupportedMediaType},
	}
	for _, a := range attacks {
		if got := post(t, base+"/api/sessions", a.contentType, a.origin, body, cookie).StatusCode; got != a.want {
			t.Errorf("%s: %d, want %d", a.name, got, a.want)
		}
	}
	// A forged Origin cannot end a session either (no body at all).
	if got := post(t, base+"/api/sessions/x/end", "", "https://evil.example", "", cookie).StatusCode; got != http.StatusForbidden {
		t.Errorf("bodiless POST from another site: %d, want 403", got)
	}
	// Nothing was created.
	req, _ := http.NewRequest(http.MethodGet, base+"/api/sessions", nil)
	req.AddCookie(cookie)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(list), "forged") {
		t.Fatalf("a refused request created a session: %s", list)
	}
	// The server's own page may.
	if got := post(t, base+"/api/sessions", "application/json", "http://"+addr, body, cookie).StatusCode; got != http.StatusCreated {
		t.Fatalf("same-origin JSON POST: %d, want 201", got)
	}

	// WebSockets: another site's page is refused before the upgrade.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hdr := http.Header{"Origin": {"https://evil.example"}, "Cookie": {cookie.Name + "=" + cookie.Value}}
	c, resp, err := websocket.Dial(ctx, "ws://"+addr+"/sync/forged/notes", &websocket.DialOptions{HTTPHeader: hdr})
	if err == nil {
		c.CloseNow()
		t.Fatal("a WebSocket from another site connected")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("WebSocket from another site: %v, want 403", err)
	}
	hdr.Set("Origin", "http://"+addr)
	c, _, err = websocket.Dial(ctx, "ws://"+addr+"/sync/forged/notes", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatalf("same-origin WebSocket: %v", err)
	}
	c.CloseNow()
	g.check()
}

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

	start := time.Now()
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
	// The bucket refills at 2 a second, so a slow machine may let one
	// through now and then: never more than the time since the spam
	// began refilled.
	opened := 0
	for i := range 20 {
		c, resp, err := websocket.Dial(ctx, fmt.Sprintf("ws://%s/sync/spam%d/notes", addr, i), nil)
		if err == nil {
			c.CloseNow()
			opened++
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("fresh document %d: %v, want 429", i, err)
		}
	}
	if refilled := int(time.Since(start).Seconds()*2) + 1; opened > refilled {
		t.Fatalf("%d of 20 fresh documents opened during the spam, want at most the %d refilled since it began", opened, refilled)
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

// guest is a client keeping its cookie: one guest across requests.
type guest struct {
	t *testing.T
	c *http.Client
}

func newGuest(t *testing.T) *guest {
	jar, _ := cookiejar.New(nil)
	return &guest{t: t, c: &http.Client{Jar: jar}}
}

// do sends a request (a JSON body if body is not empty) and returns the
// answer's status, Retry-After and body.
func (g *guest) do(method, url, body string) (int, string, string) {
	g.t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.c.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// Session spam into one space: a guest creating sessions in its space
// as fast as it can gets --max-sessions-per-space-hour of them, then 429
// too_many_sessions with Retry-After, each refusal counted; the space
// holds no more than the limit; a bystander's session is unchanged and
// the bystander's own space still takes sessions. The server's heap peaks
// at most 64 MB above its level before, and a bystander document (stock
// yjs) reads back unchanged.
func TestSessionSpamIntoOneSpace(t *testing.T) {
	// No per-address quota, so this one alone decides.
	s := start(t, "--max-sessions-per-space-hour", "10", "--guest-creations-per-minute", "0")
	base := "http://" + s.addr + "/api/sessions"

	bystander := newGuest(t)
	code, _, body := bystander.do(http.MethodPost, base, `{"title":"Planning","time_zone":"UTC","agenda":[{"id":"a","title":"Budget"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("bystander's session: %d %s", code, body)
	}
	var bs struct {
		ID      string `json:"id"`
		SpaceID string `json:"space_id"`
	}
	json.Unmarshal([]byte(body), &bs)
	_, _, bystanderBefore := bystander.do(http.MethodGet, base+"/"+bs.ID, "")
	g := guard(t, s.addr, 64)

	attacker := newGuest(t)
	code, _, body = attacker.do(http.MethodPost, base, `{"title":"spam 0","time_zone":"UTC"}`)
	if code != http.StatusCreated {
		t.Fatalf("attacker's first session: %d %s", code, body)
	}
	var first struct {
		SpaceID string `json:"space_id"`
	}
	json.Unmarshal([]byte(body), &first)
	if first.SpaceID == "" || first.SpaceID == bs.SpaceID {
		t.Fatalf("attacker's space %q (bystander's %q)", first.SpaceID, bs.SpaceID)
	}

	created, refused := spamSessions(t, attacker, base, 1, 40, func(i int) string {
		return fmt.Sprintf(`{"title":"spam %d","time_zone":"UTC","space_id":%q}`, i, first.SpaceID)
	}, "too_many_sessions", "--max-sessions-per-space-hour", true)
	created++ // the first
	if created != 10 || refused != 30 {
		t.Fatalf("40 sessions into one space: %d created, %d refused; want 10 and 30", created, refused)
	}
	if n := s.refused("too_many_sessions"); n != 30 {
		t.Errorf(`cocreate_refused_total{reason="too_many_sessions"} = %v, want 30`, n)
	}

	// Nothing more is stored in the space than the limit.
	if n := listed(t, attacker, base+"?limit=200&space_id="+first.SpaceID, "sessions"); n != 10 {
		t.Errorf("the attacker's space holds %d sessions, want 10", n)
	}

	// The bystander's session is as it was, and its space takes more.
	if _, _, after := bystander.do(http.MethodGet, base+"/"+bs.ID, ""); after != bystanderBefore {
		t.Errorf("the bystander's session changed:\n%s\nwas\n%s", after, bystanderBefore)
	}
	code, _, body = bystander.do(http.MethodPost, base, fmt.Sprintf(`{"title":"Retro","time_zone":"UTC","space_id":%q}`, bs.SpaceID))
	if code != http.StatusCreated {
		t.Errorf("bystander's space refused a session after the attack: %d %s", code, body)
	}
	g.check()
}

// Space spam: a guest creating sessions without space_id (each makes a
// space of its own) gets --max-spaces-per-person spaces, then 429
// too_many_spaces, each refusal counted; it owns no more spaces than
// the limit; another guest still creates. The heap peaks at most 64 MB
// above its level before, and a bystander document reads back unchanged.
func TestSpaceSpamWithoutSpaceID(t *testing.T) {
	s := start(t, "--max-spaces-per-person", "5", "--guest-creations-per-minute", "0")
	base := "http://" + s.addr + "/api"
	g := guard(t, s.addr, 64)
	attacker := newGuest(t)
	created, refused := spamSessions(t, attacker, base+"/sessions", 0, 20, func(i int) string {
		return fmt.Sprintf(`{"title":"spam %d","time_zone":"UTC"}`, i)
	}, "too_many_spaces", "--max-spaces-per-person", false)
	if created != 5 || refused != 15 {
		t.Fatalf("20 sessions without space_id: %d created, %d refused; want 5 and 15", created, refused)
	}
	if n := s.refused("too_many_spaces"); n != 15 {
		t.Errorf(`cocreate_refused_total{reason="too_many_spaces"} = %v, want 15`, n)
	}
	if n := listed(t, attacker, base+"/spaces", "spaces"); n != 5 {
		t.Errorf("the attacker owns %d spaces, want 5", n)
	}
	if code, _, body := newGuest(t).do(http.MethodPost, base+"/spaces", `{"name":"Garden club"}`); code != http.StatusCreated {
		t.Errorf("another guest's space refused: %d %s", code, body)
	}
	g.check()
}

// spamSessions has g create sessions from..n-1 (POST url, body(i)):
// the first ones are created, then every one is refused with 429 and a
// body naming reason and flag (and, with retry, a Retry-After header).
// It returns how many were created and refused.
func spamSessions(t *testing.T, g *guest, url string, from, n int, body func(i int) string, reason, flag string, retry bool) (created, refused int) {
	t.Helper()
	for i := from; i < n; i++ {
		code, after, b := g.do(http.MethodPost, url, body(i))
		switch code {
		case http.StatusCreated:
			if refused > 0 {
				t.Fatalf("session %d created after a refusal", i)
			}
			created++
		case http.StatusTooManyRequests:
			refused++
			if !strings.Contains(b, `"`+reason+`"`) || !strings.Contains(b, flag) || (retry && after == "") {
				t.Fatalf("refusal without its reason or Retry-After (%q): %s", after, b)
			}
		default:
			t.Fatalf("session %d: %d %s", i, code, b)
		}
	}
	return created, refused
}

// listed is how many items g's GET of url lists under key.
func listed(t *testing.T, g *guest, url, key string) int {
	t.Helper()
	code, _, body := g.do(http.MethodGet, url, "")
	var list map[string][]json.RawMessage
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	return len(list[key])
}
