package server

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestConfigFlagsAndEnv(t *testing.T) {
	env := map[string]string{
		"COCREATE_ADDR":            "127.0.0.1:9999",
		"COCREATE_DATA":            "/from/env",
		"COCREATE_FLUSH_INTERVAL":  "500ms",
		"COCREATE_AUTH_SECRET":     "0123456789abcdef0123456789abcdef",
		"COCREATE_ADMIN_KEY":       "admin-key-from-env",
		"COCREATE_ALLOWED_ORIGINS": "a.example.com, *.example.org",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"--data", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs, lookup); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.Data != "/from/flag" || cfg.FlushInterval != 500*time.Millisecond {
		t.Fatalf("got %+v", cfg)
	}
	if cfg.AuthSecret != env["COCREATE_AUTH_SECRET"] || cfg.AdminKey != "admin-key-from-env" || len(cfg.originPatterns()) != 2 {
		t.Fatalf("auth settings from env: %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if DefaultConfig().Addr != "127.0.0.1:8080" || DefaultConfig().Data != "./data" {
		t.Fatal("defaults differ from DESIGN.md")
	}

	env = map[string]string{"COCREATE_MAX_MESSAGE_SIZE": "lots"}
	fs = flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	fs.Parse(nil)
	if err := ApplyEnv(fs, lookup); err == nil || !strings.Contains(err.Error(), "COCREATE_MAX_MESSAGE_SIZE") {
		t.Fatalf("bad env value: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Redis = "localhost:6379" }, "--redis: \"localhost:6379\" is not a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL"},
		{func(c *Config) { c.Redis = "redis+cluster://a:7000,b/" }, "--redis: redis cluster url: node \"b\" is not host:port"},
		{func(c *Config) { c.Redis = "redis+cluster://a:7000,b:7001/2" }, "a cluster has only database 0"},
		{func(c *Config) { c.RedisPrefix = "x:" }, "--redis-prefix: needs --redis"},
		{func(c *Config) { c.Redis = "redis://r:6379"; c.RedisPrefix = "a{b}" }, "--redis-prefix: \"a{b}\" holds '{'"},
		{func(c *Config) { c.SyncInterval = time.Millisecond }, "--sync-interval"},
		{func(c *Config) { c.AuthSecret = "s" }, "--auth-secret: 1 bytes is too short"},
		{func(c *Config) { c.AdminKey = "0123456789abcdef" }, "--admin-key: needs --auth-secret"},
		{func(c *Config) { c.AuthSecret = strings.Repeat("k", 32); c.AdminKey = "short" }, "--admin-key: 5 bytes is too short"},
		{func(c *Config) { c.AllowedOrigins = "ok.example.com, [bad" }, "--allowed-origins: bad pattern \"[bad\""},
		{func(c *Config) { c.Addr = "" }, "--addr"},
		{func(c *Config) { c.LogFormat = "xml" }, "--log-format"},
		{func(c *Config) { c.MaxMessageSize = 10 }, "--max-message-size: 10 is below 1024 bytes"},
		{func(c *Config) { c.FlushInterval = 0 }, "--flush-interval"},
		{func(c *Config) { c.ConnQueue = 0 }, "--conn-queue: 0 is below 1"},
		{func(c *Config) { c.MaxConnsPerIP = -1 }, "--max-conns-per-ip: -1 is negative"},
		{func(c *Config) { c.TrustedProxies = "10.0.0.1" }, "--trusted-proxies"},
		{func(c *Config) { c.MaxDocSize = -1 }, "--max-doc-size: -1 is negative"},
		{func(c *Config) { c.RateUpdates = -0.5 }, "--rate-updates: -0.5 is negative"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate() = %v, want an error with %q", err, tt.want)
		}
	}
}

// TestRedisPrefixDerived: without --redis-prefix the prefix follows the
// deployment: instances on one store agree (whatever else their DSNs
// say), different stores or Redis databases differ, and a cluster URL
// derives it like database 0.
func TestRedisPrefixDerived(t *testing.T) {
	prefix := func(edit func(*Config)) string {
		t.Helper()
		c := DefaultConfig()
		c.Redis = "redis://r:6379/0"
		edit(&c)
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		p, err := c.redisPrefix()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pg := func(dsn string) func(*Config) { return func(c *Config) { c.Postgres = dsn } }
	base := prefix(pg("postgres://app:secret@db:5432/cocreate?search_path=one"))
	if !strings.HasPrefix(base, "cocreate:") || len(base) != len("cocreate:")+12+1 {
		t.Fatalf("derived prefix %q, want cocreate:<12 hex>:", base)
	}
	same := []func(*Config){
		pg("postgres://other:pw@db:5432/cocreate?search_path=one&connect_timeout=5&application_name=x"),
		pg("host=db port=5432 dbname=cocreate user=app search_path=one"),
		func(c *Config) { c.Postgres = "postgres://app@db/cocreate?search_path=one"; c.Data = "/elsewhere" },
	}
	for i, e := range same {
		if got := prefix(e); got != base {
			t.Errorf("same deployment %d: prefix %q, want %q", i, got, base)
		}
	}
	differ := map[string]func(*Config){
		"schema":   pg("postgres://app@db:5432/cocreate?search_path=two"),
		"database": pg("postgres://app@db:5432/other?search_path=one"),
		"host":     pg("postgres://app@db2:5432/cocreate?search_path=one"),
		"redis db": func(c *Config) {
			pg("postgres://app@db:5432/cocreate?search_path=one")(c)
			c.Redis = "redis://r:6379/3"
		},
		"sqlite": func(c *Config) { c.Data = "/srv/a" },
	}
	seen := map[string]string{base: "base"}
	for name, e := range differ {
		got := prefix(e)
		if other, dup := seen[got]; dup {
			t.Errorf("%s: prefix %q is the same as %s's", name, got, other)
		}
		seen[got] = name
	}
	if a, b := prefix(func(c *Config) { c.Data = "/srv/a" }), prefix(func(c *Config) { c.Data = "/srv/a/../a" }); a != b {
		t.Errorf("one --data directory spelled two ways: %q and %q", a, b)
	}
	if got := prefix(func(c *Config) { c.Data = "/srv/a"; c.Redis = "redis+cluster://r1:7000,r2:7001" }); got != prefix(func(c *Config) { c.Data = "/srv/a" }) {
		t.Errorf("a cluster (database 0) derives %q, unlike database 0", got)
	}
	if got := prefix(func(c *Config) { c.RedisPrefix = "mine:" }); got != "mine:" {
		t.Errorf("--redis-prefix mine: gives %q", got)
	}
}
