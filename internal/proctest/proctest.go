// Package proctest runs the real cocreate binary as a process for tests
// that need one (store outages, attacks, the cluster, the serve test):
// Main, a package's TestMain, builds the binary once (BuildTemp); Start
// (or Run, for a binary and address of the test's own) starts `cocreate
// serve` on a free loopback port with its output in a file and polls
// /readyz; Term, Stop and Kill end it, and it is killed when the test
// ends if it still runs.
package proctest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cocreate/cocreate/internal/freeport"
)

// Build builds the cocreate binary into dir and returns its path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "cocreate")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cocreate/cocreate/cmd/cocreate").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// BuildTemp builds the cocreate binary into a fresh temporary directory,
// for a TestMain that builds once for all its tests; it returns the
// binary's path and a function that removes the directory.
func BuildTemp() (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "cocreate-bin-")
	if err != nil {
		return "", nil, fmt.Errorf("temp dir for the binary: %w", err)
	}
	if bin, err = Build(dir); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// bin is the binary Main built, which Start runs.
var bin string

// Main is the TestMain of a package of process tests: it builds the
// binary once for Start, runs the tests, checks that they leaked no
// goroutines (goleak) unless leaks is false, and removes the binary.
func Main(m *testing.M, leaks bool) {
	b, cleanup, err := BuildTemp()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = b
	if leaks {
		goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { cleanup() }))
		return
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// Server is one `cocreate serve` process.
type Server struct {
	t    testing.TB
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// Start runs `cocreate serve --addr <free port> args...` with the binary
// Main built and waits until /readyz answers 200. When the test ends the process is killed if it
// still runs, and its output is logged if the test failed.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return Run(t, bin, freeport.Addr(t), args...)
}

// Run is Start with the binary bin on addr: for a test that builds its
// own binary, or restarts a server on the address it had.
func Run(t testing.TB, bin, addr string, args ...string) *Server {
	t.Helper()
	s := &Server{t: t, Addr: addr, done: make(chan struct{}), log: filepath.Join(t.TempDir(), "serve.log")}
	logf, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
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
			t.Logf("output of the server at %s:\n%s", s.Addr, s.Output())
		}
	})
	s.WaitReady(http.StatusOK)
	return s
}

// Output is what the process wrote so far.
func (s *Server) Output() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// SyncURL is the y-websocket base URL.
func (s *Server) SyncURL() string { return "ws://" + s.Addr + "/sync" }

// Get returns a GET's status and body (0 and the error if unreachable).
func (s *Server) Get(path string) (int, string) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + s.Addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// WaitReady polls /readyz until it answers code (within 30s) and returns
// the body.
func (s *Server) WaitReady(code int) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, body := s.Get("/readyz")
		if got == code {
			return body
		}
		select {
		case <-s.done:
			s.t.Fatalf("the server exited while waiting for /readyz %d:\n%s", code, s.Output())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("/readyz = %d %q after 30s, want %d", got, body, code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill ends the process with SIGKILL: no goodbye, nothing flushed.
func (s *Server) Kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop ends the process gracefully (SIGTERM), or kills it after 15s; a
// process that has ended already is left as it is.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.Kill()
	}
}

// Term sends SIGTERM and returns the exit status.
func (s *Server) Term() int {
	s.t.Helper()
	s.Interrupt()
	return s.Wait()
}

// Interrupt sends SIGTERM and returns at once.
func (s *Server) Interrupt() { s.cmd.Process.Signal(syscall.SIGTERM) }

// Wait waits for the process to exit (30s at most) and returns its exit
// status.
func (s *Server) Wait() int {
	s.t.Helper()
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
