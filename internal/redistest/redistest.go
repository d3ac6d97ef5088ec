// Package redistest starts real redis-server processes for tests: each
// on a free loopback port, with its files in a temporary directory and no
// persistence, so a test can stop and restart it at will; and Redis
// Clusters of such servers (StartCluster), whose primaries a test can
// restart one at a time. scripts/ensure-redis.sh installs redis-server and
// redis-cli when they are missing.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/freeport"
)

// Server is one redis-server process owned by a test.
type Server struct {
	t    testing.TB
	Port int
	dir  string
	args []string // extra redis-server arguments (cluster mode)
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a redis-server on a free port; it is stopped when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t)
}

func start(t testing.TB, args ...string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not found: run scripts/ensure-redis.sh (make test does)")
	}
	s := &Server{t: t, Port: freeport.Port(t), dir: t.TempDir(), args: args}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Restart starts the server again after Stop (or the first time), with
// the files of its directory (a cluster node's nodes.conf) kept.
func (s *Server) Restart() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("redistest: Restart while running")
	}
	var last error
	for attempt := 0; attempt < 50; attempt++ { // a just-freed port may linger
		args := append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no", "--loglevel", "warning"}, s.args...)
		cmd := exec.Command("redis-server", args...)
		if err := cmd.Start(); err != nil {
			s.t.Fatalf("start redis-server: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		if err := waitPing(s.Addr(), done); err == nil {
			s.cmd, s.done = cmd, done
			return
		} else {
			last = err
		}
		cmd.Process.Kill()
		<-done
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("redis-server on port %d did not start: %v", s.Port, last)
}

// Stop kills the server (SIGKILL: no goodbye to its clients) and waits
// for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

func waitPing(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited")
		default:
		}
		if err := Ping(addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no PONG from %s within 5s", addr)
}

// Ping sends one inline PING and reads the answer.
func Ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}
