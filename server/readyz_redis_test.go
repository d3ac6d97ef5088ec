package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/redistest"
)

// TestReadyzRedis: /readyz is 200 while the Redis bus works, 503
// "degraded" with the reason while Redis is down, and 200 again once it
// is back, without a restart of the server.
func TestReadyzRedis(t *testing.T) {
	srv := redistest.Start(t)
	ts := startServer(t, t.TempDir(), func(c *Config) { c.Redis = srv.URL() })
	waitReady(t, ts, http.StatusOK)
	srv.Stop()
	body := waitReady(t, ts, http.StatusServiceUnavailable)
	var got struct{ Status, Reason string }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("503 body %q is not JSON: %v", body, err)
	}
	if got.Status != "degraded" || !strings.Contains(got.Reason, "bus") {
		t.Fatalf("503 body %q, want status degraded and a bus reason", body)
	}
	// Local clients keep working while Redis is away.
	a := dialDoc(t, ts, "s/notes")
	a.synced()
	b := dialDoc(t, ts, "s/notes")
	b.synced()
	a.insert(0, "while redis is down")
	b.waitText("while redis is down")
	srv.Restart()
	waitReady(t, ts, http.StatusOK)
}

func TestRedisURLRefused(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Redis = "redis://127.0.0.1:notaport"
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "--redis") {
		t.Fatalf("New with a bad Redis URL: %v, want an error naming --redis", err)
	}
}

// waitReady polls /readyz until it answers code and returns the body.
func waitReady(t *testing.T, ts *testServer, code int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, body := get(t, ts.url+"/readyz")
		if got == code {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %q after 20s, want %d", got, body, code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
