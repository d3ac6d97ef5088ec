package check

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads deploy/compose.yaml as `docker compose config` does
// (schema validation, interpolation, normalization), with env as the
// only environment.
func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	dir := deployDir(t)
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml")},
		cli.WithWorkingDirectory(dir), cli.WithEnv(kv))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

var composeEnv = map[string]string{
	"COCREATE_AUTH_SECRET": "compose-test-secret-0123456789abcdefghij",
	"POSTGRES_PASSWORD":    "pw-for-the-test",
}

func TestComposeNeedsSecrets(t *testing.T) {
	for name := range composeEnv {
		env := map[string]string{}
		for k, v := range composeEnv {
			if k != name {
				env[k] = v
			}
		}
		_, err := loadCompose(t, env)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v, want an error naming it", name, err)
		}
	}
}

// upstreamServers returns the host:port of the servers of nginx.conf's
// upstream block.
func upstreamServers(t *testing.T, conf string) []string {
	t.Helper()
	block := regexp.MustCompile(`(?s)upstream cocreate \{(.*?)\}`).FindStringSubmatch(conf)
	if block == nil {
		t.Fatal("nginx.conf has no upstream cocreate block")
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+(\S+?)[\s;]`).FindAllStringSubmatch(block[1], -1) {
		out = append(out, m[1])
	}
	return out
}

func TestCompose(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var instances []string
	for name := range p.Services {
		if strings.HasPrefix(name, "cocreate-") {
			instances = append(instances, name)
		}
	}
	slices.Sort(instances)
	if !slices.Equal(instances, []string{"cocreate-1", "cocreate-2", "cocreate-3"}) {
		t.Fatalf("cocreate instances %v, want cocreate-1..3", instances)
	}
	pg := p.Services["postgres"]
	var upstreams []string
	for _, name := range instances {
		s := p.Services[name]
		env := map[string]string{}
		for k, v := range s.Environment {
			if v == nil {
				t.Errorf("%s: %s has no value", name, k)
				continue
			}
			env[k] = *v
		}
		cfg := checkEnv(t, name, env)
		if cfg.AuthSecret != composeEnv["COCREATE_AUTH_SECRET"] {
			t.Errorf("%s: auth secret %q, want the one from the environment", name, cfg.AuthSecret)
		}
		r, err := url.Parse(cfg.Redis)
		if err != nil || r.Scheme != "redis" || r.Hostname() != "redis" {
			t.Errorf("%s: COCREATE_REDIS %q does not point at the redis service", name, cfg.Redis)
		}
		dsn, err := url.Parse(cfg.Postgres)
		pw, _ := dsn.User.Password()
		if err != nil || dsn.Hostname() != "postgres" || dsn.User.Username() != *pg.Environment["POSTGRES_USER"] ||
			pw != composeEnv["POSTGRES_PASSWORD"] || strings.TrimPrefix(dsn.Path, "/") != *pg.Environment["POSTGRES_DB"] {
			t.Errorf("%s: COCREATE_POSTGRES %q does not match the postgres service", name, cfg.Postgres)
		}
		// The Redis bus and the PostgreSQL store are refused by Validate
		// until they land; everything else must be valid.
		cfg.Redis, cfg.Postgres = "", ""
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if cfg.MaxConnsPerIP != 0 {
			t.Errorf("%s: --max-conns-per-ip %d behind nginx limits all clients together (nginx is the only peer)", name, cfg.MaxConnsPerIP)
		}
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil || host != "0.0.0.0" {
			t.Errorf("%s: COCREATE_ADDR %q: want 0.0.0.0:PORT", name, cfg.Addr)
		}
		upstreams = append(upstreams, name+":"+port)
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
		for _, dep := range []string{"redis", "postgres"} {
			if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s: want depends_on %s: service_healthy", name, dep)
			}
		}
		if !s.ReadOnly || !slices.ContainsFunc(s.Tmpfs, func(m string) bool { return strings.HasPrefix(m, "/data:") && strings.Contains(m, "uid=65532") }) {
			t.Errorf("%s: want read_only with a tmpfs /data owned by the image's user 65532", name)
		}
		if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s: want build with deploy/Dockerfile", name)
		}
	}
	for _, name := range []string{"redis", "postgres", "lb"} {
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
	}
	lb := p.Services["lb"]
	if !slices.ContainsFunc(lb.HealthCheck.Test, func(s string) bool { return strings.HasSuffix(s, "/readyz") }) {
		t.Errorf("lb healthcheck %v does not probe /readyz", lb.HealthCheck.Test)
	}
	for _, name := range instances {
		if d, ok := lb.DependsOn[name]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("lb: want depends_on %s: service_healthy", name)
		}
	}
	i := slices.IndexFunc(lb.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == "/etc/nginx/nginx.conf" })
	if i < 0 || lb.Volumes[i].Source != filepath.Join(deployDir(t), "nginx.conf") || !lb.Volumes[i].ReadOnly {
		t.Fatalf("lb does not mount deploy/nginx.conf read-only at /etc/nginx/nginx.conf: %+v", lb.Volumes)
	}
	conf, err := os.ReadFile(lb.Volumes[i].Source)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)location /sync/ \{[^}]*limit_conn perip \d+;`).Match(conf) {
		t.Error("nginx.conf: /sync/ has no per-address limit_conn, and the instances have none behind it")
	}
	got := upstreamServers(t, string(conf))
	slices.Sort(got)
	if !slices.Equal(got, upstreams) {
		t.Errorf("nginx upstream servers %v, want the instances %v", got, upstreams)
	}
	if len(lb.Ports) != 1 || lb.Ports[0].Target != 8080 || lb.Ports[0].Published != "8080" {
		t.Errorf("lb ports %+v, want 8080:8080 by default", lb.Ports)
	}
}
