package outage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// bin is the cocreate binary, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cocreate-outage-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "cocreate")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/cocreate/cocreate/cmd/cocreate").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { os.RemoveAll(dir) }))
}

// server is one `cocreate serve` process.
type server struct {
	t    *testing.T
	addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// serve starts `cocreate serve` with args on a free port and waits until
// /readyz answers 200.
func serve(t *testing.T, args ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{t: t, addr: addr, done: make(chan struct{}), log: filepath.Join(t.TempDir(), "serve.log")}
	logf, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--flush-interval", "50ms"}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); logf.Close(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.output())
		}
	})
	s.waitReady(http.StatusOK)
	return s
}

func (s *server) output() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

func (s *server) syncURL() string { return "ws://" + s.addr + "/sync" }

// get returns a GET's status and body (0 if unreachable).
func (s *server) get(path string) (int, string) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + s.addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReady polls /readyz until it answers code.
func (s *server) waitReady(code int) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, body := s.get("/readyz")
		if got == code {
			return body
		}
		select {
		case <-s.done:
			s.t.Fatalf("the server exited while waiting for /readyz %d:\n%s", code, s.output())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("/readyz = %d %q after 30s, want %d", got, body, code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// term sends SIGTERM and returns the exit status.
func (s *server) term() int {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Fatal("no exit 30s after SIGTERM")
	}
	var exit *exec.ExitError
	if err := s.cmd.Wait(); errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return s.cmd.ProcessState.ExitCode()
}

// dial connects a Go client to doc and waits for its sync.
func dial(t *testing.T, url, doc string) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, doc, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// typeToken appends tok to the text "t" of w's document and waits until
// the observer o sees it: the server has applied it (and echoed it), so
// it is an edit the server confirmed.
func typeToken(t *testing.T, w, o *client.Client, tok string) {
	t.Helper()
	w.Do(func(d *crdt.Doc) {
		txt := d.GetText("t")
		txt.Insert(txt.Len(), tok, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.Wait(ctx, func(d *crdt.Doc) bool { return strings.Contains(d.GetText("t").String(), tok) }); err != nil {
		t.Fatalf("the server did not relay %q: %v", tok, err)
	}
}

// missing returns the tokens text lacks.
func missing(text string, tokens []string) []string {
	var out []string
	for _, tok := range tokens {
		if !strings.Contains(text, tok) {
			out = append(out, tok)
		}
	}
	return out
}
