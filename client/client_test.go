package client_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/servertest"
	"github.com/cocreate/cocreate/server"
)

// inProcess runs a server in this process on addr ("127.0.0.1:0" for any
// port) and returns its sync URL and a stop function.
func inProcess(t *testing.T, dir, addr string) (string, func()) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Data = dir
	cfg.PublicRooms = true // the client's tests use rooms of no session
	return inProcessConfig(t, cfg, addr)
}

// inProcessConfig is inProcess with a whole configuration.
func inProcessConfig(t *testing.T, cfg server.Config, addr string) (string, func()) {
	t.Helper()
	cfg.FlushInterval = 20 * time.Millisecond
	addr, stop := servertest.Serve(t, cfg, addr)
	return "ws://" + addr + "/sync", stop
}

func dial(t *testing.T, url, doc string) *client.Client {
	t.Helper()
	return clienttest.Dial(t, 5*time.Second, url, doc, client.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
}

func waitText(t *testing.T, c *client.Client, cond func(string) bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var s string
	err := c.Wait(ctx, func(d *crdt.Doc) bool { s = d.GetText("t").String(); return cond(s) })
	if err != nil {
		t.Fatalf("text is %q: %v", s, err)
	}
	return s
}

func TestManyClientsConverge(t *testing.T) {
	url, _ := inProcess(t, t.TempDir(), "127.0.0.1:0")
	const n, edits = 6, 30
	cs := make([]*client.Client, n)
	for i := range cs {
		cs[i] = dial(t, url, "s/notes")
	}
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			for j := range edits {
				c.Do(func(d *crdt.Doc) {
					txt := d.GetText("t")
					txt.Insert((j*7)%(txt.Len()+1), string(rune('a'+i)), nil)
				})
			}
		})
	}
	wg.Wait()
	full := func(s string) bool { return len(s) == n*edits }
	want := waitText(t, cs[0], full)
	for _, c := range cs[1:] {
		if got := waitText(t, c, full); got != want {
			t.Fatalf("diverged:\n%q\n%q", got, want)
		}
	}
	for i := range n {
		if strings.Count(want, string(rune('a'+i))) != edits {
			t.Fatalf("client %d's edits missing from %q", i, want)
		}
	}
	late := dial(t, url, "s/notes")
	if got := waitText(t, late, full); got != want {
		t.Fatalf("late joiner has %q, want %q", got, want)
	}
}

func TestReconnectAfterRestart(t *testing.T) {
	dir := t.TempDir()
	url, stop := inProcess(t, dir, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/sync")
	a := dial(t, url, "s/notes")
	a.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "before", nil) })
	b := dial(t, url, "s/notes")
	waitText(t, b, func(s string) bool { return s == "before" })
	stop()
	// Edited while the server is down: kept by the client, sent on
	// reconnect.
	a.Do(func(d *crdt.Doc) { d.GetText("t").Insert(6, " offline", nil) })
	inProcess(t, dir, addr)
	waitText(t, b, func(s string) bool { return s == "before offline" })
	if a.Connects() < 2 {
		t.Fatalf("a connected %d times", a.Connects())
	}
}

func TestAwarenessSeenAndRemoved(t *testing.T) {
	url, _ := inProcess(t, t.TempDir(), "127.0.0.1:0")
	a := dial(t, url, "s/notes")
	b := dial(t, url, "s/notes")
	if err := a.SetAwareness(map[string]string{"name": "ada"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var aID uint64
	a.Do(func(d *crdt.Doc) { aID = d.ClientID() })
	// The server stamps a's identity on the state it relays.
	err := b.WaitAwareness(ctx, func(m map[uint64]json.RawMessage) bool {
		return strings.HasPrefix(string(m[aID]), `{"name":"ada","user":{"color":"#`) && strings.Contains(string(m[aID]), `"name":"Guest `)
	})
	if err != nil {
		t.Fatalf("b never saw a's awareness: %v (has %v)", err, b.Awareness())
	}
	a.Close()
	err = b.WaitAwareness(ctx, func(m map[uint64]json.RawMessage) bool { _, ok := m[aID]; return !ok })
	if err != nil {
		t.Fatalf("a's awareness not removed: %v", err)
	}
}

// TestKill9 kills the server process mid-editing, restarts it on the
// same data and checks that the clients reconnect and converge with
// nothing they typed lost.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "COCREATE_TEST_SERVE_DATA="+dir, "COCREATE_TEST_SERVE_ADDR="+addr)
		if testing.Verbose() {
			cmd.Stderr = os.Stderr
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
				return cmd
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("server did not start: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	srv := start()
	url := "ws://" + addr + "/sync"
	a := dial(t, url, "s/notes")
	b := dial(t, url, "s/notes")

	// Both type continuously while the server is killed and restarted.
	stopTyping := make(chan struct{})
	var wg sync.WaitGroup
	typed := make([]int, 2)
	for i, c := range []*client.Client{a, b} {
		wg.Go(func() {
			for {
				select {
				case <-stopTyping:
					return
				case <-time.After(2 * time.Millisecond):
				}
				c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, string(rune('a'+i)), nil) })
				typed[i]++
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	time.Sleep(100 * time.Millisecond)
	srv = start()
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()
	time.Sleep(300 * time.Millisecond)
	close(stopTyping)
	wg.Wait()

	want := func(s string) bool {
		return strings.Count(s, "a") == typed[0] && strings.Count(s, "b") == typed[1]
	}
	ta := waitText(t, a, want)
	tb := waitText(t, b, want)
	if ta != tb {
		t.Fatalf("diverged after the crash")
	}
	// A fresh client after another restart sees everything: it was stored.
	a.Close()
	b.Close()
	srv.Process.Signal(os.Interrupt)
	srv.Wait()
	srv = start()
	c := dial(t, url, "s/notes")
	if got := waitText(t, c, want); got != ta {
		t.Fatalf("after restart: %q, want %q", got, ta)
	}
	t.Log(fmt.Sprintf("typed %d+%d characters across a kill -9", typed[0], typed[1]))
}

// TestMain checks for leaked goroutines, and doubles as a server process
// for the crash tests: with COCREATE_TEST_SERVE_DATA set it runs a server
// instead of the tests.
func TestMain(m *testing.M) {
	if dir := os.Getenv("COCREATE_TEST_SERVE_DATA"); dir != "" {
		os.Exit(serveForTest(dir, os.Getenv("COCREATE_TEST_SERVE_ADDR")))
	}
	goleak.VerifyTestMain(m)
}

func serveForTest(dir, addr string) int {
	cfg := server.DefaultConfig()
	cfg.Data, cfg.Addr = dir, addr
	cfg.PublicRooms = true // the client's tests use rooms of no session
	s, err := server.New(cfg, server.NewLogger("text", os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.ListenAndServe(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func dialHocus(t *testing.T, url string) *client.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := client.DialHocuspocus(ctx, strings.TrimSuffix(url, "/sync")+"/hocuspocus", client.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func open(t *testing.T, s *client.Socket, doc string) *client.Client {
	t.Helper()
	return clienttest.Synced(t, 5*time.Second, func(ctx context.Context) (*client.Client, error) {
		return s.Open(ctx, doc, "", client.Options{})
	})
}

// TestHocuspocusSocket: two documents over one Hocuspocus socket edit
// alongside /sync clients of the same documents (edits and awareness
// both ways), a refused document leaves the others working, and after a
// server restart the socket reconnects and its documents re-sync,
// offline edits included.
func TestHocuspocusSocket(t *testing.T) {
	dir := t.TempDir()
	url, stop := inProcess(t, dir, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/sync")
	sock := dialHocus(t, url)
	a, b := open(t, sock, "s/a"), open(t, sock, "s/b")
	syncA, syncB := dial(t, url, "s/a"), dial(t, url, "s/b")

	a.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "from hocus a", nil) })
	b.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "from hocus b", nil) })
	syncA.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "sync+", nil) })
	both := func(s string) bool { return len(s) == len("sync+from hocus a") && strings.Contains(s, "sync+") }
	textA := waitText(t, syncA, both)
	waitText(t, a, func(s string) bool { return s == textA })
	waitText(t, syncB, func(s string) bool { return s == "from hocus b" })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.SetAwareness(map[string]string{"name": "hocus"}); err != nil {
		t.Fatal(err)
	}
	err := syncA.WaitAwareness(ctx, func(m map[uint64]json.RawMessage) bool {
		for _, st := range m {
			// The server stamps the sender's identity (a "user" field)
			// on relayed states; the client's own fields stay.
			var v struct{ Name string }
			if json.Unmarshal(st, &v) == nil && v.Name == "hocus" {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the /sync client never saw the Hocuspocus client's caret: %v (has %q)", err, fmt.Sprint(syncA.Awareness()))
	}

	if _, err := sock.Open(ctx, "noslash", "", client.Options{}); !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), "{session}/{doc}") {
		t.Fatalf("a refused document opened with %v; want ErrUnauthorized with the reason", err)
	}
	b.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "still ", nil) })
	waitText(t, syncB, func(s string) bool { return s == "still from hocus b" })

	stop()
	a.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "offline ", nil) })
	url, _ = inProcess(t, dir, addr)
	late := dial(t, url, "s/a")
	waitText(t, late, func(s string) bool { return s == "offline "+textA })
	if sock.Connects() < 2 {
		t.Fatalf("the socket connected %d times", sock.Connects())
	}
}

const (
	secretA = "client-test-secret-A-0123456789abcdef"
	secretB = "client-test-secret-B-0123456789abcdef"
)

// token signs an HS256 cocreate token for sub that expires at exp.
func token(t *testing.T, secret, sub string, exp time.Time) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "name": "Name of " + sub, "exp": exp.Unix(),
		// A member of session "s" (stored by authServer), by the
		// platform's word.
		"roles": map[string]string{"s": "member"},
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func authServer(t *testing.T, dir, secret, addr string) (string, func()) {
	t.Helper()
	servertest.SeedSession(t, dir, "s")
	cfg := server.DefaultConfig()
	cfg.Data, cfg.AuthSecret = dir, secret
	// With auth, /metrics needs the admin key (refusedTokens).
	cfg.AdminKey = testAdminKey
	return inProcessConfig(t, cfg, addr)
}

func bearerOpts(tok string) client.Options {
	return client.Options{
		Header:     http.Header{"Authorization": {"Bearer " + tok}},
		MinBackoff: 10 * time.Millisecond,
		MaxBackoff: 50 * time.Millisecond,
	}
}

// refusedTokens reads cocreate_refused_total{reason="bad_token"} from the
// server's /metrics.
// testAdminKey opens /metrics of the auth servers.
const testAdminKey = "client-test-admin-key"

func refusedTokens(t *testing.T, syncURL string) string {
	t.Helper()
	base := "http://" + strings.TrimSuffix(strings.TrimPrefix(syncURL, "ws://"), "/sync")
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `cocreate_refused_total{reason="bad_token"} `); ok {
			return v
		}
	}
	return "0"
}

func TestDialRefusedTokenIsUnauthorized(t *testing.T) {
	url, _ := authServer(t, t.TempDir(), secretA, "127.0.0.1:0")
	hour := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name, token, reason string
	}{
		{"forged", token(t, secretB, "ann", hour), "token signature is invalid"},
		{"expired", token(t, secretA, "ann", time.Now().Add(-time.Minute)), "token expired"},
		{"missing", "", "a token is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := bearerOpts(tc.token)
			if tc.token == "" {
				opts.Header = nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := client.Dial(ctx, url, "s/notes", opts)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("Dial: %v; want ErrUnauthorized with 401 and %q", err, tc.reason)
			}
		})
	}
	// A valid token still works on the same server.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, "s/notes", bearerOpts(token(t, secretA, "ann", hour)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
}

// waitStopped waits for c to give up and checks that it did so because
// of a refused token, after exactly one refused attempt.
func waitStopped(t *testing.T, c *client.Client, url, reason string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Wait returns the permanent error instead of blocking until ctx.
	err := c.Wait(ctx, func(*crdt.Doc) bool { return false })
	if !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("Wait: %v; want ErrUnauthorized with %q", err, reason)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("Done not closed after the permanent error")
	}
	if got := c.Err(); got != err {
		t.Fatalf("Err() = %v, Wait returned %v", got, err)
	}
	if aerr := c.SetAwareness("x"); aerr != err {
		t.Fatalf("SetAwareness after the stop: %v, want %v", aerr, err)
	}
	// Done is closed after the last attempt: no retry follows the 401.
	if n := refusedTokens(t, url); n != "1" {
		t.Fatalf("server refused %s connections, want exactly 1 (no retries after the 401)", n)
	}
	if n := c.Connects(); n != 1 {
		t.Fatalf("connected %d times, want 1", n)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after the stop: %v", err)
	}
}

// TestExpiredTokenStopsReconnecting: the server closes the connection
// when the token expires; the reconnection is refused with 401 and the
// client reports it instead of retrying forever.
func TestExpiredTokenStopsReconnecting(t *testing.T) {
	url, _ := authServer(t, t.TempDir(), secretA, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// exp has a resolution of seconds: this expires in 1 to 2 s.
	c, err := client.Dial(ctx, url, "s/notes", bearerOpts(token(t, secretA, "ann", time.Now().Add(2*time.Second))))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, c, url, "token expired")
}

// TestForgedTokenAfterRestartStopsReconnecting: the server comes back
// with another secret, so the client's token is forged in its eyes. The
// document edited meanwhile is kept and can be handed to a new client.
func TestForgedTokenAfterRestartStopsReconnecting(t *testing.T) {
	dir := t.TempDir()
	url, stop := authServer(t, dir, secretA, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/sync")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	doc := crdt.NewDoc(crdt.DocOptions{})
	opts := bearerOpts(token(t, secretA, "ann", time.Now().Add(time.Hour)))
	opts.Doc = doc
	c, err := client.Dial(ctx, url, "s/notes", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "offline", nil) })
	authServer(t, dir, secretB, addr)
	waitStopped(t, c, url, "token signature is invalid")

	// A fresh token for the new secret, the same doc: the offline edit
	// reaches the server.
	again := bearerOpts(token(t, secretB, "ann", time.Now().Add(time.Hour)))
	again.Doc = doc
	c2, err := client.Dial(ctx, url, "s/notes", again)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	other, err := client.Dial(ctx, url, "s/notes", bearerOpts(token(t, secretB, "bob", time.Now().Add(time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	waitText(t, other, func(s string) bool { return s == "offline" })
}
