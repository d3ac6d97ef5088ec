package check

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/freeport"
	"github.com/cocreate/cocreate/internal/servertest"
	"github.com/cocreate/cocreate/server"
)

const nginxSecret = "nginx-check-secret-0123456789abcdefghij"

// startServer runs a cocreate server with --auth-secret on a free
// loopback port and returns its address.
func startServer(t *testing.T) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.AuthSecret = nginxSecret
	servertest.SeedSession(t, cfg.Data, "s")
	cfg.FlushInterval = 20 * time.Millisecond
	addr, _ := servertest.Serve(t, cfg, "127.0.0.1:0")
	return addr
}

// testConf rewrites deploy/nginx.conf for this machine: the upstream
// servers become backends[i] and nginx listens on port of loopback.
// Nothing else changes.
func testConf(t *testing.T, conf string, backends []string, port int) string {
	t.Helper()
	i := 0
	conf = regexp.MustCompile(`(?m)^(\s*server\s+)cocreate-\d+:\d+`).ReplaceAllStringFunc(conf, func(s string) string {
		if i >= len(backends) {
			t.Fatalf("more upstream servers than the %d backends", len(backends))
		}
		b := backends[i]
		i++
		return regexp.MustCompile(`cocreate-\d+:\d+`).ReplaceAllString(s, b)
	})
	if i != len(backends) {
		t.Fatalf("nginx.conf has %d upstream servers, want %d", i, len(backends))
	}
	listen := regexp.MustCompile(`(?m)^(\s*listen\s+)8080;`)
	if !listen.MatchString(conf) {
		t.Fatal("nginx.conf does not listen on 8080")
	}
	return listen.ReplaceAllString(conf, fmt.Sprintf("${1}127.0.0.1:%d;", port))
}

// nginx runs the nginx binary with a prefix in dir, so nothing under /etc
// or /var/run is used.
func nginx(dir, conf string, args ...string) *exec.Cmd {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
	}
	return exec.Command(bin, append([]string{"-p", dir, "-c", conf, "-e", "stderr"}, args...)...)
}

func TestNginx(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(deployDir(t), "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pid := "pid " + filepath.Join(dir, "nginx.pid") + ";"

	// As shipped, its upstream hosts exist only inside compose: nginx -t
	// really resolves them, and fails here.
	orig := filepath.Join(dir, "orig.conf")
	if err := os.WriteFile(orig, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := nginx(dir, orig, "-t", "-g", pid).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "host not found in upstream") {
		t.Fatalf("nginx -t of the compose config outside compose: %v\n%s\nwant: host not found in upstream", err, out)
	}

	backends := []string{startServer(t), startServer(t), startServer(t)}
	port := freeport.Port(t)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(testConf(t, string(src), backends, port)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := nginx(dir, conf, "-t", "-g", pid).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}

	cmd := nginx(dir, conf, "-g", "daemon off; "+pid)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // graceful: waits for sockets
		cmd.Wait()
	})
	lb := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", lb)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx does not listen on %s: %v", lb, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, p := range []string{"/readyz", "/healthz"} {
		resp, err := http.Get("http://" + lb + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s through nginx: %s", p, resp.Status)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "ann", "name": "Ann", "exp": time.Now().Add(time.Hour).Unix(), "roles": map[string]string{"s": "member"},
	}).SignedString([]byte(nginxSecret))
	if err != nil {
		t.Fatal(err)
	}
	// As a browser on the load balancer's page sends it: the server
	// allows its own host only if nginx passes Host with the port.
	opts := client.Options{Header: http.Header{
		"Authorization": {"Bearer " + tok},
		"Origin":        {"http://" + lb},
	}}
	dial := func(base string) *client.Client {
		o := opts
		if base != lb {
			o.Header = http.Header{"Authorization": opts.Header["Authorization"]}
		}
		c, err := client.Dial(ctx, "ws://"+base+"/sync", "s/notes", o)
		if err != nil {
			t.Fatalf("dial %s: %v", base, err)
		}
		t.Cleanup(func() { c.Close() })
		if err := c.WaitSynced(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	text := func(c *client.Client) (s string) {
		c.Do(func(d *crdt.Doc) { s = d.GetText("t").String() })
		return s
	}

	// Three clients through nginx, each types its digit.
	var proxied []*client.Client
	for i := range 3 {
		c := dial(lb)
		c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, fmt.Sprint(i), nil) })
		proxied = append(proxied, c)
	}
	// Every digit reaches a backend: the instances do not share
	// documents without Redis, so each holds the digits of its own
	// clients, and together they hold each digit once.
	direct := make([]*client.Client, len(backends))
	for i, b := range backends {
		direct[i] = dial(b)
	}
	var texts []string
	for {
		texts = texts[:0]
		for _, d := range direct {
			texts = append(texts, text(d))
		}
		all := strings.Join(texts, "")
		if len(all) == 3 && strings.Count(all, "0") == 1 && strings.Count(all, "1") == 1 && strings.Count(all, "2") == 1 {
			break
		}
		if len(all) > 3 || ctx.Err() != nil {
			t.Fatalf("backends hold %q, want the digits 0, 1 and 2 once each", texts)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A direct client on each used backend answers; the answer must come
	// back through nginx to the proxied clients of that backend.
	for i, b := range backends {
		if texts[i] == "" {
			continue
		}
		direct[i].Do(func(d *crdt.Doc) { d.GetText("t").Insert(d.GetText("t").Len(), "!"+b, nil) })
		for n, c := range proxied {
			if !strings.Contains(texts[i], fmt.Sprint(n)) {
				continue
			}
			err := c.Wait(ctx, func(d *crdt.Doc) bool { return strings.HasSuffix(d.GetText("t").String(), "!"+b) })
			if err != nil {
				t.Fatalf("the answer of backend %s did not come back through nginx to client %d: %v (%q)", b, n, err, text(c))
			}
		}
	}
}
