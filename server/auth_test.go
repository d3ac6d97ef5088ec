package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

const (
	testSecret   = "test-secret-test-secret-test-secret!"
	testAdminKey = "admin-key-0123456789"
)

func withAuth(c *Config) {
	c.AuthSecret = testSecret
	c.AdminKey = testAdminKey
}

// sign makes a token of claims signed with secret by method.
func sign(t *testing.T, method jwt.SigningMethod, secret string, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsigned makes an alg "none" token.
func unsigned(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func claims(sub string, ttl time.Duration, roles map[string]string) jwt.MapClaims {
	cl := jwt.MapClaims{"sub": sub, "name": "Name of " + sub, "exp": time.Now().Add(ttl).Unix()}
	if roles != nil {
		cl["roles"] = roles
	}
	return cl
}

// dialAs is dialDoc with the bearer token tok.
func dialAs(t *testing.T, ts *testServer, path, tok string) *wsClient {
	t.Helper()
	c, _, err := dialDocWith(t, ts, path, bearer(tok))
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return c
}

// guestSession creates a session titled title on ts as a new guest and
// returns the guest's client (its cookie jar holds the guest) and the
// session's id.
func guestSession(t *testing.T, ts *testServer, title string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	guest := &http.Client{Jar: jar}
	resp, err := guest.Post(ts.url+"/api/sessions", "application/json", strings.NewReader(`{"title":`+strconv.Quote(title)+`,"time_zone":"UTC"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	if resp.StatusCode != http.StatusCreated || created.ID == "" {
		t.Fatalf("create %q: %d %+v", title, resp.StatusCode, created)
	}
	return guest, created.ID
}

// syncedAs is dialAs, then waits for the initial sync.
func syncedAs(t *testing.T, ts *testServer, path, tok string) *wsClient {
	t.Helper()
	c := dialAs(t, ts, path, tok)
	c.synced()
	return c
}

func bearer(tok string) *websocket.DialOptions {
	return &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}}
}

// wantJSONError checks a JSON error answer.
func wantJSONError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	if resp == nil {
		t.Fatalf("no HTTP response, want %d", status)
	}
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Code, Message string }
	if resp.StatusCode != status || json.Unmarshal(body, &e) != nil || e.Code != code || e.Message == "" {
		t.Fatalf("got %d %s, want %d with JSON {code: %q, message}", resp.StatusCode, body, status, code)
	}
}

func TestAuthRefusedBeforeUpgrade(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	ts.mkSession(t, "s")
	member := map[string]string{"s": "member"}
	valid := claims("ann", time.Hour, member)
	noName := claims("ann", time.Hour, nil)
	delete(noName, "name")
	noSub := claims("ann", time.Hour, nil)
	delete(noSub, "sub")
	noExp := claims("ann", time.Hour, nil)
	delete(noExp, "exp")
	tests := []struct {
		name string
		opts *websocket.DialOptions
		path string
	}{
		{"no token", nil, "s/notes"},
		{"forged signature", bearer(sign(t, jwt.SigningMethodHS256, "another-secret-another-secret-another", valid)), "s/notes"},
		{"expired", bearer(sign(t, jwt.SigningMethodHS256, testSecret, claims("ann", -time.Minute, nil))), "s/notes"},
		{"HS512 not accepted", bearer(sign(t, jwt.SigningMethodHS512, testSecret, valid)), "s/notes"},
		{"alg none", bearer(unsigned(t, valid)), "s/notes"},
		{"no sub", bearer(sign(t, jwt.SigningMethodHS256, testSecret, noSub)), "s/notes"},
		{"no name", bearer(sign(t, jwt.SigningMethodHS256, testSecret, noName)), "s/notes"},
		{"no exp", bearer(sign(t, jwt.SigningMethodHS256, testSecret, noExp)), "s/notes"},
		{"unknown role", bearer(sign(t, jwt.SigningMethodHS256, testSecret, claims("ann", time.Hour, map[string]string{"s": "king"}))), "s/notes"},
		{"garbage", bearer("not.a.token"), "s/notes"},
		{"forged in query", nil, "s/notes?token=" + sign(t, jwt.SigningMethodHS256, "another-secret-another-secret-another", valid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wc, resp, err := dialDocWith(t, ts, tt.path, tt.opts)
			if err == nil {
				wc.c.CloseNow()
				t.Fatal("dial succeeded")
			}
			wantJSONError(t, resp, http.StatusUnauthorized, "unauthorized")
		})
	}
	// The REST API needs a token too.
	code, body := get(t, ts.url+"/api/sessions")
	if code != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
		t.Fatalf("GET /api/sessions without a token = %d %s", code, body)
	}
	// Nothing reached the hub.
	if m := metricsOf(t, ts); !strings.Contains(m, "cocreate_connections 0") || !strings.Contains(m, `cocreate_refused_total{reason="bad_token"}`) {
		t.Fatalf("metrics after refusals:\n%s", m)
	}

	// A valid token connects, in the header or in the query.
	a := syncedAs(t, ts, "s/notes", sign(t, jwt.SigningMethodHS256, testSecret, valid))
	b, _, err := dialDocWith(t, ts, "s/notes?token="+sign(t, jwt.SigningMethodHS256, testSecret, claims("bob", time.Hour, member)), nil)
	if err != nil {
		t.Fatal(err)
	}
	b.synced()
	a.insert(0, "hi")
	b.waitText("hi")
}

func TestViewerEditIsRefused(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir, withAuth)
	ts.mkSession(t, "s", "other")
	member := sign(t, jwt.SigningMethodHS256, testSecret, claims("ann", time.Hour, map[string]string{"s": "member"}))
	viewer := sign(t, jwt.SigningMethodHS256, testSecret, claims("vic", time.Hour, map[string]string{"s": "viewer", "other": "host"}))

	a := dialAs(t, ts, "s/notes", member)
	v := dialAs(t, ts, "s/notes", viewer)
	a.synced()
	v.synced()
	a.insert(0, "by ann")
	v.waitText("by ann") // a viewer reads

	v.insert(0, "by vic ")
	v.until("permission denied", func(m yproto.Message) bool {
		return m.Type == yproto.TypeAuth && strings.Contains(m.Reason, "read-only")
	})
	// The refusal was handled before this edit of ann's: had the viewer's
	// been applied, a fresh client would see it next to ann's.
	a.insert(6, "!")
	a.echoed()
	check := dialAs(t, ts, "s/notes", member)
	check.waitText("by ann!")
	if a.text() != "by ann!" {
		t.Fatalf("ann has %q", a.text())
	}
	// The same person edits where the token makes them host.
	o := syncedAs(t, ts, "other/notes", viewer)
	o.insert(0, "mine")
	o.echoed()

	// The meeting document is the server's alone, even for a host.
	m := syncedAs(t, ts, "other/meeting", viewer)
	m.insert(0, "agenda")
	m.until("permission denied", func(m yproto.Message) bool { return m.Type == yproto.TypeAuth })

	// Nor did it reach the store.
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	ts = startServer(t, dir, withAuth)
	after := dialAs(t, ts, "s/notes", member)
	after.waitText("by ann!")
	after.insert(7, ".")
	after.echoed()
	if got := after.text(); got != "by ann!." {
		t.Fatalf("after a restart the document is %q", got)
	}
}

func TestTokenExpiresMidConnection(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	ts.mkSession(t, "s")
	// exp has a precision of one second: between 1 and 2 seconds left.
	exp := time.Now().Add(2 * time.Second)
	member := map[string]string{"s": "member"}
	short := sign(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp.Unix(), "roles": member})
	long := sign(t, jwt.SigningMethodHS256, testSecret, claims("bob", time.Hour, member))
	a := dialAs(t, ts, "s/notes", short)
	b := dialAs(t, ts, "s/notes", long)
	a.synced()
	b.synced()
	code, reason := a.closed()
	if code != websocket.StatusPolicyViolation || reason != "token expired" {
		t.Fatalf("closed with %d %q, want 1008 \"token expired\"", code, reason)
	}
	if time.Now().Before(exp.Truncate(time.Second)) {
		t.Fatal("closed before the token expired")
	}
	// The other connection is unaffected.
	b.insert(0, "still here")
	b.echoed()
	// Reconnecting with the expired token is refused.
	if _, resp, err := dialDocWith(t, ts, "s/notes", bearer(short)); err == nil {
		t.Fatal("an expired token connected")
	} else {
		wantJSONError(t, resp, http.StatusUnauthorized, "unauthorized")
	}
}

func post(t *testing.T, url, auth, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestMintToken(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	ts.mkSession(t, "s")
	url := ts.url + "/api/tokens"
	good := `{"sub":"ann","name":"Ann","ttl_seconds":600,"roles":{"s":"viewer"}}`
	admin := "Bearer " + testAdminKey
	tests := []struct {
		name, auth, body string
		status           int
		code             string
	}{
		{"no admin key", "", good, http.StatusUnauthorized, "unauthorized"},
		{"wrong admin key", "Bearer wrong-admin-key-0000", good, http.StatusUnauthorized, "unauthorized"},
		{"a user token is no admin key", "Bearer " + sign(t, jwt.SigningMethodHS256, testSecret, claims("ann", time.Hour, nil)), good, http.StatusUnauthorized, "unauthorized"},
		{"unknown field", admin, `{"sub":"ann","name":"Ann","ttl_seconds":600,"admin":true}`, http.StatusBadRequest, "bad_request"},
		{"trailing data", admin, good + `{}`, http.StatusBadRequest, "bad_request"},
		{"wrong type", admin, `{"sub":"ann","name":"Ann","ttl_seconds":"600"}`, http.StatusBadRequest, "bad_request"},
		{"empty body", admin, ``, http.StatusBadRequest, "bad_request"},
		{"not JSON", admin, `sub=ann`, http.StatusBadRequest, "bad_request"},
		{"no sub", admin, `{"name":"Ann","ttl_seconds":600}`, http.StatusBadRequest, "bad_request"},
		{"no name", admin, `{"sub":"ann","ttl_seconds":600}`, http.StatusBadRequest, "bad_request"},
		{"no ttl", admin, `{"sub":"ann","name":"Ann"}`, http.StatusBadRequest, "bad_request"},
		{"ttl too long", admin, `{"sub":"ann","name":"Ann","ttl_seconds":999999999}`, http.StatusBadRequest, "bad_request"},
		{"unknown role", admin, `{"sub":"ann","name":"Ann","ttl_seconds":600,"roles":{"s":"sovereign"}}`, http.StatusBadRequest, "bad_request"},
		{"oversize", admin, `{"sub":"` + strings.Repeat("a", 70<<10) + `","name":"Ann","ttl_seconds":600}`, http.StatusBadRequest, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantJSONError(t, post(t, url, tt.auth, tt.body), tt.status, tt.code)
		})
	}

	resp := post(t, url, admin, good)
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Token == "" {
		t.Fatalf("mint: %d, %+v, %v", resp.StatusCode, out, err)
	}
	if d := time.Until(out.ExpiresAt); d < 590*time.Second || d > 600*time.Second {
		t.Fatalf("expires_at %v is not 600s away", out.ExpiresAt)
	}
	// The minted token works, with its role: a viewer in s.
	v, _, err := dialDocWith(t, ts, "s/notes?token="+out.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	v.synced()
	v.insert(0, "x")
	v.until("permission denied", func(m yproto.Message) bool { return m.Type == yproto.TypeAuth })

	// Minting is off without --admin-key, and in open dev mode.
	noKey := startServer(t, t.TempDir(), func(c *Config) { c.AuthSecret = testSecret })
	wantJSONError(t, post(t, noKey.url+"/api/tokens", admin, good), http.StatusNotFound, "minting_disabled")
	dev := startServer(t, t.TempDir(), nil)
	wantJSONError(t, post(t, dev.url+"/api/tokens", admin, good), http.StatusNotFound, "auth_disabled")
}

func TestGuestCookie(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	a, resp, err := dialDocWith(t, ts, "s/notes", nil)
	if err != nil {
		t.Fatal(err)
	}
	a.synced()
	var minted *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == guestCookie {
			minted = c
		}
	}
	if minted == nil {
		t.Fatalf("no %s cookie on the upgrade response: %v", guestCookie, resp.Header)
	}
	if _, err := uuid.Parse(minted.Value); err != nil || !minted.HttpOnly || minted.Path != "/" {
		t.Fatalf("guest cookie %+v", minted)
	}
	// A client that sends it back keeps its identity: no new cookie.
	hdr := http.Header{"Cookie": {minted.Name + "=" + minted.Value}}
	b, resp, err := dialDocWith(t, ts, "s/notes", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatal(err)
	}
	b.synced()
	if len(resp.Cookies()) != 0 {
		t.Fatalf("cookie re-minted: %v", resp.Cookies())
	}
	// A guest is a member: it edits.
	b.insert(0, "guest edit")
	a.waitText("guest edit")
	// A malformed cookie is replaced.
	_, resp, err = dialDocWith(t, ts, "s/notes", &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {guestCookie + "=nope"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Cookies()) != 1 || resp.Cookies()[0].Value == "nope" {
		t.Fatalf("malformed cookie not replaced: %v", resp.Cookies())
	}
}

// TestGuestIdentity checks the identity the middleware sets in dev mode.
func TestGuestIdentity(t *testing.T) {
	s := &Server{cfg: DefaultConfig(), guestKey: []byte("0123456789abcdef0123456789abcdef"), ws: workspace.New(workspace.Config{Store: notes.NewMemoryStore()})}
	var got []Identity
	h := s.authenticate(func(c echo.Context) error { got = append(got, identityOf(c)); return nil })
	e := echo.New()
	run := func(cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/sessions", nil)
		if cookie != "" {
			req.Header.Set("Cookie", guestCookie+"="+cookie)
		}
		rec := httptest.NewRecorder()
		if err := h(e.NewContext(req, rec)); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	rec := run("")
	ck := rec.Result().Cookies()
	if len(ck) != 1 {
		t.Fatalf("cookies %v", ck)
	}
	run(ck[0].Value)
	if len(got) != 2 || got[0].Subject != got[1].Subject || got[0].Name != got[1].Name {
		t.Fatalf("identities %+v, want the same twice", got)
	}
	id := got[0]
	// The public subject is derived from the secret cookie and shows
	// nothing of it.
	if !id.Guest || id.Subject != guestSubject(s.guestKey, ck[0].Value) || strings.Contains(id.Subject, ck[0].Value[:8]) ||
		strings.Contains(id.Name, ck[0].Value[:4]) || id.Roles != nil {
		t.Fatalf("guest identity %+v", id)
	}
}

func TestOriginCheck(t *testing.T) {
	dev := startServer(t, t.TempDir(), nil)
	auth := startServer(t, t.TempDir(), withAuth)
	listed := startServer(t, t.TempDir(), func(c *Config) {
		withAuth(c)
		c.AllowedOrigins = "app.example.com, *.example.org"
	})
	auth.mkSession(t, "s")
	listed.mkSession(t, "s")
	tok := sign(t, jwt.SigningMethodHS256, testSecret, claims("ann", time.Hour, map[string]string{"s": "member"}))
	host := func(ts *testServer) string { return ts.url }
	tests := []struct {
		name   string
		ts     *testServer
		origin string
		ok     bool
	}{
		{"dev: other origin", dev, "https://anywhere.example", false},
		{"dev: same host", dev, host(dev), true},
		{"auth: no origin (not a browser)", auth, "", true},
		{"auth: same host", auth, host(auth), true},
		{"auth: other origin", auth, "https://evil.example", false},
		{"listed: exact", listed, "https://app.example.com", true},
		{"listed: wildcard", listed, "https://docs.example.org", true},
		{"listed: same host", listed, host(listed), true},
		{"listed: other", listed, "https://example.com", false},
		{"listed: suffix trick", listed, "https://app.example.com.evil.example", false},
		{"listed: not a URL", listed, "null", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{"Authorization": {"Bearer " + tok}}
			if tt.origin != "" {
				hdr.Set("Origin", tt.origin)
			}
			wc, resp, err := dialDocWith(t, tt.ts, "s/notes", &websocket.DialOptions{HTTPHeader: hdr})
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				wc.synced()
				return
			}
			if err == nil {
				wc.c.CloseNow()
				t.Fatal("connected")
			}
			wantJSONError(t, resp, http.StatusForbidden, "forbidden_origin")
		})
	}
}

// Tokens whose time claims golang-jwt alone would accept are refused
// with 401 and a message naming the claim.
func TestTokenTimeClaims(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	exp := time.Now().Add(time.Hour).Unix()
	tests := []struct {
		name   string
		claims jwt.MapClaims
		want   string // in the message; "" = accepted
	}{
		{"iat in the future", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": time.Now().Add(time.Hour).Unix()}, "claim iat"},
		{"exp as a numeric string", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": strconv.FormatInt(exp, 10)}, "claim exp must be a number"},
		{"exp as a word", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": "tomorrow"}, "claim exp must be a number"},
		{"iat as a string", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": strconv.FormatInt(time.Now().Unix(), 10)}, "claim iat must be a number"},
		{"iat slightly ahead (clock skew)", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": time.Now().Add(20 * time.Second).Unix()}, ""},
		{"iat now", jwt.MapClaims{"sub": "ann", "name": "Ann", "exp": exp, "iat": time.Now().Unix()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.url+"/api/me", nil)
			req.Header.Set("Authorization", "Bearer "+sign(t, jwt.SigningMethodHS256, testSecret, tt.claims))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if tt.want == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("got %d %s, want 200", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), tt.want) || !strings.Contains(string(body), `"unauthorized"`) {
				t.Fatalf("got %d %s, want 401 naming %q", resp.StatusCode, body, tt.want)
			}
		})
	}
}

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestGuestCookieNeverShown: a guest's cookie is a secret. A scripted
// session — create, join the notes, type, meeting commands, meeting,
// notes in every format, the reading page, versions and their diff,
// search, the session list — never shows the cookie's value in any
// response (but the Set-Cookie that hands it over), log line or stored
// document.
func TestGuestCookieNeverShown(t *testing.T) {
	logs := &lockedBuffer{}
	dir := t.TempDir()
	ts := startServerLog(t, dir, nil, logs, slog.LevelDebug)
	base := ts.url

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: &http.Transport{DisableKeepAlives: true}}
	var seen []string // every response, headers and body
	call := func(method, path, body string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		h := resp.Header.Clone()
		h.Del("Set-Cookie")
		var hb strings.Builder
		h.Write(&hb)
		seen = append(seen, method+" "+path+"\n"+hb.String()+"\n"+string(raw))
		return raw
	}

	call("GET", "/api/me", "")
	u, _ := url.Parse(base)
	var cookie string
	for _, c := range jar.Cookies(u) {
		if c.Name == guestCookie {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatal("no guest cookie minted")
	}
	var sess struct{ ID string }
	if err := json.Unmarshal(call("POST", "/api/sessions", createBody), &sess); err != nil {
		t.Fatal(err)
	}
	api := "/api/sessions/" + sess.ID

	// Join the notes with the cookie and type.
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	wsBase := "ws" + strings.TrimPrefix(base, "http") + "/sync"
	hdr := http.Header{"Cookie": {guestCookie + "=" + cookie}}
	c, err := client.Dial(dctx, wsBase, sess.ID+"/notes", client.Options{Header: hdr})
	if err != nil {
		t.Fatal(err)
	}
	c.Do(func(d *crdt.Doc) {
		p := crdt.NewXmlElement("paragraph")
		d.GetXmlFragment("default").Insert(0, p)
		txt := crdt.NewXmlText()
		p.Insert(0, txt)
		txt.Insert(0, "hello from a guest", nil)
	})

	call("POST", api+"/start", "")
	call("POST", api+"/commands", `{"type":"hand.raise"}`)
	call("POST", api+"/commands", `{"type":"agenda.add","title":"Guest topic"}`)
	call("POST", api+"/commands", `{"type":"timer.start","durationMs":60000}`)
	call("GET", api+"/meeting", "")
	call("GET", api, "")
	call("GET", "/api/sessions", "")
	call("POST", api+"/versions", `{"name":"first"}`)
	// Wait until the typed text is in the notes.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(string(call("GET", api+"/notes?format=md", "")), "hello from a guest"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("typed text never reached the notes")
		}
	}
	call("POST", api+"/end", "")
	for _, f := range []string{"md", "html", "json", "yjs"} {
		call("GET", api+"/notes?format="+f, "")
	}
	call("GET", "/notes/"+sess.ID, "")
	call("GET", api+"/versions", "")
	call("GET", api+"/versions/diff?from=1&to=2", "")
	call("GET", "/api/search?q=hello", "")
	call("GET", "/api/me", "")
	c.Close()

	for _, r := range seen {
		if strings.Contains(r, cookie) {
			t.Errorf("a response shows the guest cookie:\n%s", r)
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), cookie) {
		t.Errorf("the log shows the guest cookie:\n%s", logs.String())
	}
	// Stored documents: reopen the store.
	cfg := DefaultConfig()
	cfg.Data = dir
	st, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, doc := range []string{sess.ID + "/notes", sess.ID + "/meeting"} {
		state, err := st.Load(context.Background(), doc)
		if err != nil {
			t.Fatal(err)
		}
		all := bytes.Join(append([][]byte{state.Snapshot}, state.Updates...), nil)
		if len(all) == 0 || bytes.Contains(all, []byte(cookie)) {
			t.Errorf("%s: %d bytes stored, cookie present: %v", doc, len(all), bytes.Contains(all, []byte(cookie)))
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d responses checked", len(seen))
	}
}
