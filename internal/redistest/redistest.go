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

// Cluster is a Redis Cluster of primaries without replicas, each node a
// Server in cluster mode, owned by a test. Stop and Restart one node to
// restart a shard's primary: it comes back on its port with its
// nodes.conf, so with the same slots.
type Cluster struct {
	t     testing.TB
	Nodes []*Server
}

// StartCluster starts n (≥ 3, Redis's minimum) cluster-mode
// redis-servers on free ports, joins them with `redis-cli --cluster
// create` (slots split evenly, no replicas) and waits until every node
// reports cluster_state:ok. The nodes are stopped when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli not found: run scripts/ensure-redis.sh (make test does)")
	}
	c := &Cluster{t: t}
	var addrs []string
	for range n {
		// The cluster bus gets its own free port rather than Redis's
		// default port+10000, which may be taken or out of range.
		s := start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(freeport.Port(t)),
			// A restarted primary is marked failed after this long; the
			// shards that are still up keep serving sharded pub/sub
			// (cluster-allow-pubsubshard-when-down, on by default).
			"--cluster-node-timeout", "3000")
		c.Nodes = append(c.Nodes, s)
		addrs = append(addrs, s.Addr())
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitOK()
	return c
}

// URL is the cluster's redis+cluster:// URL, naming every node.
func (c *Cluster) URL() string {
	var addrs []string
	for _, s := range c.Nodes {
		addrs = append(addrs, s.Addr())
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// WaitOK waits until every node reports cluster_state:ok (every slot
// served, the nodes agree).
func (c *Cluster) WaitOK() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range c.Nodes {
		for {
			out, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "cluster", "info").Output()
			if err == nil && strings.Contains(string(out), "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("cluster node %s not ok after 30s: %v\n%s", s.Addr(), err, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Owner returns the node whose slots hold name (a key or a shard
// channel), by CLUSTER KEYSLOT and the nodes' own slot ranges.
func (c *Cluster) Owner(name string) *Server {
	c.t.Helper()
	out, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Nodes[0].Port), "cluster", "keyslot", name).Output()
	if err != nil {
		c.t.Fatalf("cluster keyslot %q: %v", name, err)
	}
	slot, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		c.t.Fatalf("cluster keyslot %q answered %q", name, out)
	}
	for _, s := range c.Nodes {
		out, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "cluster", "nodes").Output()
		if err != nil {
			c.t.Fatalf("cluster nodes on %s: %v", s.Addr(), err)
		}
		for line := range strings.SplitSeq(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) < 9 || !strings.Contains(f[2], "myself") {
				continue
			}
			for _, r := range f[8:] {
				lo, hi, ok := strings.Cut(r, "-")
				if !ok {
					hi = lo
				}
				l, err1 := strconv.Atoi(lo)
				h, err2 := strconv.Atoi(hi)
				if err1 == nil && err2 == nil && l <= slot && slot <= h {
					return s
				}
			}
		}
	}
	c.t.Fatalf("no node owns slot %d of %q", slot, name)
	return nil
}

// ShardChannels returns the shard channels matching pattern that node s
// has subscribers for (PUBSUB SHARDCHANNELS).
func (c *Cluster) ShardChannels(s *Server, pattern string) []string {
	c.t.Helper()
	out, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "pubsub", "shardchannels", pattern).Output()
	if err != nil {
		c.t.Fatalf("pubsub shardchannels on %s: %v", s.Addr(), err)
	}
	return strings.Fields(string(out))
}

// Keys returns the keys matching pattern on every node (SCAN).
func (c *Cluster) Keys(pattern string) []string {
	c.t.Helper()
	var keys []string
	for _, s := range c.Nodes {
		out, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "--scan", "--pattern", pattern).Output()
		if err != nil {
			c.t.Fatalf("scan %q on %s: %v", pattern, s.Addr(), err)
		}
		keys = append(keys, strings.Fields(string(out))...)
	}
	return keys
}

// MoveSlot moves the (keyless) slot of name from its owner to node to,
// as resharding does (CLUSTER SETSLOT IMPORTING, MIGRATING, NODE), and
// waits until the cluster is ok. The old owner drops the slot's shard
// channel subscribers (a sunsubscribe each).
func (c *Cluster) MoveSlot(name string, to *Server) {
	c.t.Helper()
	from := c.Owner(name)
	slot := strings.TrimSpace(c.cli(from, "cluster", "keyslot", name))
	fromID, toID := strings.TrimSpace(c.cli(from, "cluster", "myid")), strings.TrimSpace(c.cli(to, "cluster", "myid"))
	c.cli(to, "cluster", "setslot", slot, "importing", fromID)
	c.cli(from, "cluster", "setslot", slot, "migrating", toID)
	for _, s := range append([]*Server{from, to}, c.Nodes...) {
		c.cli(s, "cluster", "setslot", slot, "node", toID)
	}
	c.WaitOK()
}

// cli runs redis-cli against s and returns its output; an error answer
// fails the test.
func (c *Cluster) cli(s *Server, args ...string) string {
	c.t.Helper()
	out, err := exec.Command("redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port)}, args...)...).Output()
	if err != nil || strings.HasPrefix(string(out), "ERR") {
		c.t.Fatalf("redis-cli %v on %s: %v %s", args, s.Addr(), err, out)
	}
	return string(out)
}
