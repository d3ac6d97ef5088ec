package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
