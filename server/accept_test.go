package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestAcceptBucket(t *testing.T) {
	b := newAcceptBucket(10, 3)
	now := time.Unix(1000, 0)
	for i := range 3 {
		if ok, _ := b.take(now); !ok {
			t.Fatalf("take %d of a burst of 3 refused", i)
		}
	}
	ok, wait := b.take(now)
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("4th take at once = %v, %v; want refused, 100ms to wait", ok, wait)
	}
	if ok, _ := b.take(now.Add(100 * time.Millisecond)); !ok {
		t.Fatal("a token 100ms later at 10/s refused")
	}
	if ok, _ := newAcceptBucket(0, 1).take(now); !ok {
		t.Fatal("rate 0 (no limit) refused")
	}
}

// TestAcceptRateLimit: upgrades beyond the bucket get 503 with
// Retry-After before any WebSocket is made.
func TestAcceptRateLimit(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.AcceptRate = 0.01; c.AcceptBurst = 2 })
	for range 2 {
		dialDoc(t, ts, "s/notes").synced()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/sync/s/notes", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("3rd upgrade: %v, %+v; want 503", err, resp)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q, want whole seconds ≥ 1", resp.Header.Get("Retry-After"))
	}
	if _, body := get(t, ts.url+"/metrics"); !strings.Contains(body, `cocreate_refused_total{reason="accept_rate"} 1`) {
		t.Fatal("the refusal is not counted in /metrics")
	}
}
