package server

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// metricsOf reads /metrics, with the admin key (needed with auth).
func metricsOf(t *testing.T, ts *testServer) string {
	t.Helper()
	code, _, body := getRaw(t, ts.url+"/metrics", testAdminKey)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	return body
}

// TestSecurityHeaders: every answer says nosniff and same-origin
// referrers; every HTML answer — the app, the reading page, notes as
// ?format=html — has a CSP that forbids framing.
func TestSecurityHeaders(t *testing.T) {
	ts, id, tok := liveSession(t, nil)
	for _, path := range []string{"/", "/api/sessions/" + id + "/notes?format=html", "/notes/" + id, "/api/sessions/" + id, "/healthz", "/api/openapi.yaml"} {
		code, h, _ := getRaw(t, ts.url+path, tok("hana"))
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Fatalf("GET %s: %d", path, code)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("GET %s: nosniff %q, referrer %q", path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src") || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("GET %s (HTML): CSP %q, X-Frame-Options %q", path, csp, h.Get("X-Frame-Options"))
			}
			if strings.Contains(path, "format=html") && strings.Contains(csp, "script-src") {
				t.Errorf("rendered notes may run scripts: %q", csp)
			}
		}
	}
}

// TestMetricsAccess: /metrics is open in dev mode, needs the admin key
// with auth, and moves to its own listener with --metrics-addr.
func TestMetricsAccess(t *testing.T) {
	auth := startServer(t, t.TempDir(), withAuth)
	if code, body := get(t, auth.url+"/metrics"); code != http.StatusUnauthorized || strings.Contains(body, "cocreate_connections") {
		t.Fatalf("auth mode, no key: %d %.80s", code, body)
	}
	if m := metricsOf(t, auth); !strings.Contains(m, "cocreate_connections") {
		t.Fatal("auth mode, admin key: no metrics")
	}
	noKey := startServer(t, t.TempDir(), func(c *Config) { c.AuthSecret = testSecret })
	if code, _ := get(t, noKey.url+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("auth mode without --admin-key: %d, want 404", code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	maddr := ln.Addr().String()
	ln.Close()
	sep := startServer(t, t.TempDir(), func(c *Config) { c.MetricsAddr = maddr })
	if code, _ := get(t, sep.url+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("with --metrics-addr, main listener: %d, want 404", code)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + maddr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "cocreate_connections") {
				t.Fatalf("--metrics-addr: %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("--metrics-addr does not answer: %v", err)
		}
	}
	dev := startServer(t, t.TempDir(), nil)
	if code, _ := get(t, dev.url+"/metrics"); code != http.StatusOK {
		t.Fatalf("dev mode: %d", code)
	}
}

// TestDevModeCrossSite: in dev mode a state-changing request from another
// site's page, or with a body that is not JSON, is refused before any
// handler runs; with auth (tokens, not cookies) Content-Type is the
// handler's business.
func TestDevModeCrossSite(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	body := `{"title":"x","time_zone":"UTC"}`
	try := func(contentType, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, ts.url+"/api/sessions", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	wantJSONError(t, try("application/json", "https://evil.example"), http.StatusForbidden, "forbidden_origin")
	wantJSONError(t, try("text/plain", ""), http.StatusUnsupportedMediaType, "unsupported_media_type")
	wantJSONError(t, try("application/x-www-form-urlencoded", ts.url), http.StatusUnsupportedMediaType, "unsupported_media_type")
	resp := try("application/json; charset=utf-8", ts.url)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("same-origin JSON: %d", resp.StatusCode)
	}
	if m := metricsOf(t, ts); !strings.Contains(m, `cocreate_refused_total{reason="bad_content_type"} 2`) || !strings.Contains(m, `cocreate_refused_total{reason="bad_origin"} 1`) {
		t.Fatal("refusals not counted")
	}
}
