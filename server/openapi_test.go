package server

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// documentedRoutes is every "METHOD /path" of openapi.yaml (see
// documentedStatuses in main_test.go).
func documentedRoutes(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for route := range documentedStatuses() {
		out[route] = true
	}
	if len(out) == 0 {
		t.Fatal("no paths found in openapi.yaml")
	}
	return out
}

var echoParam = regexp.MustCompile(`:(\w+)`)

// TestOpenAPICoversRoutes: every registered route is documented and every
// documented route is registered.
func TestOpenAPICoversRoutes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	s, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.store.Close()
	doc := documentedRoutes(t)
	registered := map[string]bool{}
	for _, r := range s.echo.Routes() {
		if strings.HasPrefix(r.Name, "github.com/labstack/echo") || r.Path == "/*" || r.Path == "" {
			continue // echo's own not-found/method-not-allowed handlers
		}
		registered[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	if len(registered) < len(doc)/2 {
		t.Fatalf("only %d routes registered: %v", len(registered), registered)
	}
	var missing, stale []string
	for r := range registered {
		if !doc[r] {
			missing = append(missing, r)
		}
	}
	for r := range doc {
		if !registered[r] {
			stale = append(stale, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("registered but not in openapi.yaml: %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("in openapi.yaml but not registered: %v", stale)
	}
}

func TestOpenAPIServed(t *testing.T) {
	a := newSessionAPI(t)
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.yaml", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || !strings.HasPrefix(string(body), "openapi: 3.0") {
		t.Fatalf("GET /api/openapi.yaml: %d %.40q", rec.Code, body)
	}
}
