package client_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/servertest"
	"github.com/cocreate/cocreate/server"
)

const (
	secretA = "client-test-secret-A-0123456789abcdef"
	secretB = "client-test-secret-B-0123456789abcdef"
)

// token signs an HS256 cocreate token for sub that expires at exp.
func token(t *testing.T, secret, sub string, exp time.Time) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "name": "Name of " + sub, "exp": exp.Unix(),
		// A member of session "s" (stored by authServer), by the
		// platform's word.
		"roles": map[string]string{"s": "member"},
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func authServer(t *testing.T, dir, secret, addr string) (string, func()) {
	t.Helper()
	servertest.SeedSession(t, dir, "s")
	cfg := server.DefaultConfig()
	cfg.Data, cfg.AuthSecret = dir, secret
	// With auth, /metrics needs the admin key (refusedTokens).
	cfg.AdminKey = testAdminKey
	return inProcessConfig(t, cfg, addr)
}

func bearerOpts(tok string) client.Options {
	return client.Options{
		Header:     http.Header{"Authorization": {"Bearer " + tok}},
		MinBackoff: 10 * time.Millisecond,
		MaxBackoff: 50 * time.Millisecond,
	}
}

// refusedTokens reads cocreate_refused_total{reason="bad_token"} from the
// server's /metrics.
// testAdminKey opens /metrics of the auth servers.
const testAdminKey = "client-test-admin-key"

func refusedTokens(t *testing.T, syncURL string) string {
	t.Helper()
	base := "http://" + strings.TrimSuffix(strings.TrimPrefix(syncURL, "ws://"), "/sync")
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `cocreate_refused_total{reason="bad_token"} `); ok {
			return v
		}
	}
	return "0"
}

func TestDialRefusedTokenIsUnauthorized(t *testing.T) {
	url, _ := authServer(t, t.TempDir(), secretA, "127.0.0.1:0")
	hour := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name, token, reason string
	}{
		{"forged", token(t, secretB, "ann", hour), "token signature is invalid"},
		{"expired", token(t, secretA, "ann", time.Now().Add(-time.Minute)), "token expired"},
		{"missing", "", "a token is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := bearerOpts(tc.token)
			if tc.token == "" {
				opts.Header = nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := client.Dial(ctx, url, "s/notes", opts)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("Dial: %v; want ErrUnauthorized with 401 and %q", err, tc.reason)
			}
		})
	}
	// A valid token still works on the same server.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, "s/notes", bearerOpts(token(t, secretA, "ann", hour)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
}

// waitStopped waits for c to give up and checks that it did so because
// of a refused token, after exactly one refused attempt.
func waitStopped(t *testing.T, c *client.Client, url, reason string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Wait returns the permanent error instead of blocking until ctx.
	err := c.Wait(ctx, func(*crdt.Doc) bool { return false })
	if !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("Wait: %v; want ErrUnauthorized with %q", err, reason)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("Done not closed after the permanent error")
	}
	if got := c.Err(); got != err {
		t.Fatalf("Err() = %v, Wait returned %v", got, err)
	}
	if aerr := c.SetAwareness("x"); aerr != err {
		t.Fatalf("SetAwareness after the stop: %v, want %v", aerr, err)
	}
	// Done is closed after the last attempt: no retry follows the 401.
	if n := refusedTokens(t, url); n != "1" {
		t.Fatalf("server refused %s connections, want exactly 1 (no retries after the 401)", n)
	}
	if n := c.Connects(); n != 1 {
		t.Fatalf("connected %d times, want 1", n)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after the stop: %v", err)
	}
}

// TestExpiredTokenStopsReconnecting: the server closes the connection
// when the token expires; the reconnection is refused with 401 and the
// client reports it instead of retrying forever.
func TestExpiredTokenStopsReconnecting(t *testing.T) {
	url, _ := authServer(t, t.TempDir(), secretA, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// exp has a resolution of seconds: this expires in 1 to 2 s.
	c, err := client.Dial(ctx, url, "s/notes", bearerOpts(token(t, secretA, "ann", time.Now().Add(2*time.Second))))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, c, url, "token expired")
}

// TestForgedTokenAfterRestartStopsReconnecting: the server comes back
// with another secret, so the client's token is forged in its eyes. The
// document edited meanwhile is kept and can be handed to a new client.
func TestForgedTokenAfterRestartStopsReconnecting(t *testing.T) {
	dir := t.TempDir()
	url, stop := authServer(t, dir, secretA, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/sync")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	doc := crdt.NewDoc(crdt.DocOptions{})
	opts := bearerOpts(token(t, secretA, "ann", time.Now().Add(time.Hour)))
	opts.Doc = doc
	c, err := client.Dial(ctx, url, "s/notes", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "offline", nil) })
	authServer(t, dir, secretB, addr)
	waitStopped(t, c, url, "token signature is invalid")

	// A fresh token for the new secret, the same doc: the offline edit
	// reaches the server.
	again := bearerOpts(token(t, secretB, "ann", time.Now().Add(time.Hour)))
	again.Doc = doc
	c2, err := client.Dial(ctx, url, "s/notes", again)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	other, err := client.Dial(ctx, url, "s/notes", bearerOpts(token(t, secretB, "bob", time.Now().Add(time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	waitText(t, other, func(s string) bool { return s == "offline" })
}
