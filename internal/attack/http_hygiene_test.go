package attack

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
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
