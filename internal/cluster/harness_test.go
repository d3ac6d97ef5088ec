package cluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/proctest"
)

// bin is the cocreate binary, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	b, cleanup, err := proctest.BuildTemp()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = b
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { cleanup() }))
}

// instance is one cocreate serve process.
type instance struct {
	t    *testing.T
	name string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// startInstance runs `cocreate serve` on a free loopback port with the
// shared data directory and redis URL, and waits until /readyz is 200
// (which needs its bus to work).
//
// Instances started with the same data directory share one PostgreSQL
// schema (clusterDSN) as their store, as a deployment shares its
// database; the directory itself only holds what --data still keeps
// (the dev-mode ballot key).
func startInstance(t *testing.T, name, data, redisURL string) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	in := &instance{t: t, name: name, addr: addr, done: make(chan struct{}),
		log: filepath.Join(t.TempDir(), name+".log")}
	logf, err := os.Create(in.log)
	if err != nil {
		t.Fatal(err)
	}
	in.cmd = exec.Command(bin, "serve", "--addr", addr, "--data", data, "--redis", redisURL, "--postgres", clusterDSN(t, data),
		"--sync-interval", "300ms", "--flush-interval", "50ms",
		// Most rooms here are no sessions' documents; the access test
		// uses sessions.
		"--public-rooms")
	in.cmd.Stdout, in.cmd.Stderr = logf, logf
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.cmd.Wait(); logf.Close(); close(in.done) }()
	t.Cleanup(func() {
		in.stop()
		if t.Failed() {
			b, _ := os.ReadFile(in.log)
			t.Logf("log of %s (%s):\n%s", name, addr, tail(string(b), 40))
		}
	})
	in.waitReady(http.StatusOK)
	return in
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (in *instance) syncURL() string { return "ws://" + in.addr + "/sync" }

// readyz returns /readyz's status code and body (0 if unreachable).
func (in *instance) readyz() (int, string) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + in.addr + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp.StatusCode, b.String()
}

// waitReady polls /readyz until it answers code (generous deadline).
func (in *instance) waitReady(code int) string {
	in.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, body := in.readyz()
		if got == code {
			return body
		}
		select {
		case <-in.done:
			in.t.Fatalf("%s exited while waiting for /readyz %d", in.name, code)
		default:
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("%s: /readyz = %d %q after 30s, want %d", in.name, got, body, code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL: no goodbye, nothing flushed.
func (in *instance) kill() {
	in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.done
}

// stop ends the process gracefully (SIGTERM), or kills it after 15s.
func (in *instance) stop() {
	select {
	case <-in.done:
		return
	default:
	}
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(15 * time.Second):
		in.kill()
	}
}

// dial connects a Go client to doc through url and waits for its sync.
func dial(t *testing.T, url, doc string) *client.Client {
	t.Helper()
	return clienttest.Dial(t, 10*time.Second, url, doc, client.Options{MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
}

// typeTokens appends n tokens "who.i;" to the text "t", one per gap.
func typeTokens(c *client.Client, who string, n int, gap time.Duration) []string {
	var tokens []string
	for i := range n {
		tok := fmt.Sprintf("%s.%d;", who, i)
		tokens = append(tokens, tok)
		c.Do(func(d *crdt.Doc) {
			txt := d.GetText("t")
			txt.Insert(txt.Len(), tok, nil)
		})
		time.Sleep(gap)
	}
	return tokens
}

// typeAll has every client type n tokens at once (typeTokens; client i
// as prefix+"a", prefix+"b", …) and returns a function that waits for all
// of them and returns every token typed.
func typeAll(clients []*client.Client, prefix string, n int, gap time.Duration) func() []string {
	var mu sync.Mutex
	var tokens []string
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			toks := typeTokens(c, prefix+string(rune('a'+i)), n, gap)
			mu.Lock()
			tokens = append(tokens, toks...)
			mu.Unlock()
		})
	}
	return func() []string {
		wg.Wait()
		return tokens
	}
}

func text(c *client.Client) string {
	var s string
	c.Do(func(d *crdt.Doc) { s = d.GetText("t").String() })
	return s
}

// converge waits (generously) until every client's text holds every
// token and all texts are equal.
func converge(t *testing.T, clients []*client.Client, tokens []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, c := range clients {
		var missing []string
		err := c.Wait(ctx, func(d *crdt.Doc) bool {
			s := d.GetText("t").String()
			missing = missing[:0]
			for _, tok := range tokens {
				if !strings.Contains(s, tok) {
					missing = append(missing, tok)
				}
			}
			return len(missing) == 0
		})
		if err != nil {
			t.Fatalf("client %d still misses %d of %d tokens (first %q): %v", i, len(missing), len(tokens), missing[:min(len(missing), 3)], err)
		}
	}
	for {
		first := text(clients[0])
		same := true
		for _, c := range clients[1:] {
			if text(c) != first {
				same = false
			}
		}
		if same {
			if n := strings.Count(first, ";"); n != len(tokens) {
				t.Fatalf("converged text has %d tokens, want %d: %q", n, len(tokens), first)
			}
			return first
		}
		if ctx.Err() != nil {
			for i, c := range clients {
				t.Logf("client %d: %q", i, text(c))
			}
			t.Fatal("clients hold every token but their texts differ after 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
