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
		{func(c *Config) { c.Redis = "localhost:6379" }, "--redis: \"localhost:6379\" is not a redis:// or rediss:// URL"},
		{func(c *Config) { c.SyncInterval = time.Millisecond }, "--sync-interval"},
		{func(c *Config) { c.AuthSecret = "s" }, "--auth-secret: 1 bytes is too short"},
		{func(c *Config) { c.AdminKey = "0123456789abcdef" }, "--admin-key: needs --auth-secret"},
		{func(c *Config) { c.AuthSecret = strings.Repeat("k", 32); c.AdminKey = "short" }, "--admin-key: 5 bytes is too short"},
		{func(c *Config) { c.AllowedOrigins = "ok.example.com, [bad" }, "--allowed-origins: bad pattern \"[bad\""},
		{func(c *Config) { c.Addr = "" }, "--addr"},
		{func(c *Config) { c.LogFormat = "xml" }, "--log-format"},
		{func(c *Config) { c.MaxMessageSize = 10 }, "--max-message-size"},
		{func(c *Config) { c.FlushInterval = 0 }, "--flush-interval"},
		{func(c *Config) { c.ConnQueue = 0 }, "--conn-queue"},
		{func(c *Config) { c.MaxConnsPerIP = -1 }, "--max-conns-per-ip"},
		{func(c *Config) { c.TrustedProxies = "10.0.0.1" }, "--trusted-proxies"},
		{func(c *Config) { c.MaxDocSize = -1 }, "--max-doc-size"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate() = %v, want an error with %q", err, tt.want)
		}
	}
}
