package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/client/web"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/interoptest"
	"github.com/cocreate/cocreate/internal/pgtest"
	"github.com/cocreate/cocreate/internal/redistest"
	"github.com/cocreate/cocreate/notes"
)

type testServer struct {
	url  string // http://127.0.0.1:port
	srv  *Server
	stop func() error
}

// mkSession stores a session record with the given ids (hosted by
// "nobody", so token grants decide the roles), as POST /api/sessions
// would, for tests that connect to its documents.
func (ts *testServer) mkSession(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		err := ts.srv.store.CreateSession(context.Background(), notes.Session{
			ID: id, Title: "session " + id, Host: "nobody", State: notes.StateScheduled,
			CreatedAt: time.Now().UTC(), Agenda: []notes.AgendaItem{},
		})
		if err != nil && !errors.Is(err, notes.ErrSessionExists) {
			t.Fatal(err)
		}
	}
}

func startServer(t *testing.T, dir string, edit func(*Config)) *testServer {
	t.Helper()
	return startServerLog(t, dir, edit, testWriter{t}, slog.LevelInfo)
}

// startServerLog is startServer with the log written to w from level on.
func startServerLog(t *testing.T, dir string, edit func(*Config), w io.Writer, level slog.Level) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Data = dir
	cfg.FlushInterval = 20 * time.Millisecond
	// Most tests here use rooms of no session (the y-websocket server's
	// way); the access tests turn it off.
	cfg.PublicRooms = true
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg, slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	stopped := false
	ts := &testServer{url: "http://" + ln.Addr().String(), srv: s}
	ts.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("server stop: %v", err)
		}
	})
	return ts
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// wsClient is a y-websocket peer for tests: a crdt doc kept in sync over a
// real socket. Only the test goroutine touches doc; a reader goroutine
// hands frames over through msgs.
type wsClient struct {
	t       *testing.T
	c       *websocket.Conn
	doc     *crdt.Doc
	msgs    chan []byte
	readErr error // set before msgs is closed
}

func dialDoc(t *testing.T, ts *testServer, path string) *wsClient {
	t.Helper()
	wc, _, err := dialDocWith(t, ts, path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return wc
}

// dialSynced is dialDoc, then waits for the initial sync.
func dialSynced(t *testing.T, ts *testServer, path string) *wsClient {
	t.Helper()
	c := dialDoc(t, ts, path)
	c.synced()
	return c
}

// dialDocWith dials with opts (headers, for a token or a cookie) and
// returns the handshake response too, also when the dial is refused.
func dialDocWith(t *testing.T, ts *testServer, path string, opts *websocket.DialOptions) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/sync/"+path, opts)
	if err != nil {
		return nil, resp, err
	}
	c.SetReadLimit(64 << 20)
	wc := &wsClient{t: t, c: c, doc: crdt.NewDoc(crdt.DocOptions{}), msgs: make(chan []byte, 1024)}
	go func() {
		defer close(wc.msgs)
		for {
			_, m, err := c.Read(context.Background())
			if err != nil {
				wc.readErr = err
				return
			}
			wc.msgs <- m
		}
	}()
	wc.doc.OnUpdate(func(u []byte, origin any, _ *crdt.Transaction) {
		if origin != wc {
			wc.send(yproto.UpdateMessage(u))
		}
	})
	wc.send(yproto.SyncStep1Message(wc.doc.EncodeStateVector()))
	t.Cleanup(func() {
		wc.c.CloseNow()
		for range wc.msgs {
		}
	})
	return wc, resp, nil
}

func (wc *wsClient) send(msg []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wc.c.Write(ctx, websocket.MessageBinary, msg) // a failed write shows up as a read error
}

// next handles one message; false once the socket is closed.
func (wc *wsClient) next() (yproto.Message, bool) {
	wc.t.Helper()
	select {
	case raw, ok := <-wc.msgs:
		if !ok {
			return yproto.Message{}, false
		}
		m, err := yproto.Decode(raw)
		if err != nil {
			wc.t.Fatalf("server sent a malformed message: %v", err)
		}
		if m.Type == yproto.TypeSync {
			if m.Sync == yproto.SyncStep1 {
				u, err := wc.doc.EncodeStateAsUpdate(m.Payload)
				if err != nil {
					wc.t.Fatal(err)
				}
				wc.send(yproto.SyncStep2Message(u))
			} else if err := wc.doc.ApplyUpdate(m.Payload, wc); err != nil {
				wc.t.Fatal(err)
			}
		}
		return m, true
	case <-time.After(10 * time.Second):
		wc.t.Fatal("no message from the server within 10s")
		return yproto.Message{}, false
	}
}

func (wc *wsClient) until(what string, cond func(yproto.Message) bool) {
	wc.t.Helper()
	for {
		m, ok := wc.next()
		if !ok {
			wc.t.Fatalf("closed (%v) while waiting for %s", wc.readErr, what)
		}
		if cond(m) {
			return
		}
	}
}

func (wc *wsClient) synced() {
	wc.t.Helper()
	wc.until("sync step 2", func(m yproto.Message) bool { return m.Type == yproto.TypeSync && m.Sync == yproto.SyncStep2 })
}

func (wc *wsClient) echoed() {
	wc.t.Helper()
	wc.until("update echo", func(m yproto.Message) bool { return m.Type == yproto.TypeSync && m.Sync == yproto.SyncUpdate })
}

func (wc *wsClient) text() string { return wc.doc.GetText("t").String() }

func (wc *wsClient) insert(i int, s string) {
	wc.t.Helper()
	if err := wc.doc.GetText("t").Insert(i, s, nil); err != nil {
		wc.t.Fatal(err)
	}
}

func (wc *wsClient) waitText(want string) {
	wc.t.Helper()
	for wc.text() != want {
		if _, ok := wc.next(); !ok {
			wc.t.Fatalf("closed (%v) while text is %q, want %q", wc.readErr, wc.text(), want)
		}
	}
}

// closed waits for the server to close the socket and returns its close
// status and reason.
func (wc *wsClient) closed() (websocket.StatusCode, string) {
	wc.t.Helper()
	for {
		if _, ok := wc.next(); !ok {
			var ce websocket.CloseError
			if errors.As(wc.readErr, &ce) {
				return ce.Code, ce.Reason
			}
			return -1, wc.readErr.Error()
		}
	}
}

// getRaw fetches url with a bearer token.
func getRaw(t *testing.T, url, token string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// get is a GET of url's status and body (getRaw without a token).
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	code, _, body := getRaw(t, url, "")
	return code, body
}

func TestHealthReadyMetrics(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	dialSynced(t, ts, "s/notes") // a connection and a loaded document for the gauges
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, ts.url+path); code != http.StatusOK {
			t.Errorf("GET %s = %d %q", path, code, body)
		}
	}
	code, body := get(t, ts.url+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, "cocreate_connections 1") || !strings.Contains(body, "cocreate_loaded_docs 1") {
		t.Errorf("GET /metrics = %d, body without the expected gauges:\n%s", code, body)
	}
}

func TestClientsConverge(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	a := dialSynced(t, ts, "s/notes")
	b := dialSynced(t, ts, "s/notes")
	// Concurrent edits: both insert before seeing the other's.
	for i := range 20 {
		a.insert(0, "a")
		b.insert(b.doc.GetText("t").Len(), "b")
		if i%5 == 0 {
			a.echoed()
		}
	}
	// Each waits until it has the other's 20 characters.
	wait := func(wc *wsClient) {
		for strings.Count(wc.text(), "a") != 20 || strings.Count(wc.text(), "b") != 20 {
			if _, ok := wc.next(); !ok {
				t.Fatalf("closed: %v", wc.readErr)
			}
		}
	}
	wait(a)
	wait(b)
	if a.text() != b.text() {
		t.Fatalf("diverged: %q vs %q", a.text(), b.text())
	}
	late := dialDoc(t, ts, "s/notes")
	late.waitText(a.text())
	// Another document of the same session is separate.
	other := dialSynced(t, ts, "s/other")
	if other.text() != "" {
		t.Fatalf("s/other has %q", other.text())
	}
}

func TestRestartKeepsText(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir, nil)
	a := dialSynced(t, ts, "s/notes")
	a.insert(0, "survives a restart")
	a.echoed()
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if code, reason := a.closed(); code != websocket.StatusGoingAway {
		t.Fatalf("on shutdown the client got %d %q, want 1001", code, reason)
	}

	ts = startServer(t, dir, nil)
	b := dialDoc(t, ts, "s/notes")
	b.waitText("survives a restart")
}

func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.MaxMessageSize = 4096 })
	good := dialSynced(t, ts, "s/notes")
	good.insert(0, "intact")
	good.echoed()

	tests := []struct {
		name   string
		typ    websocket.MessageType
		frame  []byte
		code   websocket.StatusCode
		reason string
	}{
		{"garbage", websocket.MessageBinary, []byte{0xff, 0xff, 0xff}, websocket.StatusInvalidFramePayloadData, "invalid message"},
		{"truncated varint", websocket.MessageBinary, []byte{0x80}, websocket.StatusInvalidFramePayloadData, "invalid message"},
		{"length claiming gigabytes", websocket.MessageBinary, []byte{0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f}, websocket.StatusInvalidFramePayloadData, "invalid message"},
		{"unknown message type", websocket.MessageBinary, []byte{42}, websocket.StatusInvalidFramePayloadData, "invalid message"},
		{"corrupt update", websocket.MessageBinary, yproto.UpdateMessage([]byte{3, 0xff, 0xff, 0xff, 0x01}), websocket.StatusInvalidFramePayloadData, "invalid update"},
		{"bad awareness", websocket.MessageBinary, []byte{1, 4, 1, 1, 1, 9}, websocket.StatusInvalidFramePayloadData, "invalid message"},
		{"text frame", websocket.MessageText, []byte("hello"), websocket.StatusUnsupportedData, "text frames are not supported"},
		{"too big", websocket.MessageBinary, yproto.UpdateMessage(make([]byte, 8192)), websocket.StatusMessageTooBig, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := dialDoc(t, ts, "s/notes")
			bad.t = t
			bad.waitText("intact")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			bad.c.Write(ctx, tt.typ, tt.frame)
			code, reason := bad.closed()
			if code != tt.code || (tt.reason != "" && reason != tt.reason) {
				t.Fatalf("closed with %d %q, want %d %q", code, reason, tt.code, tt.reason)
			}
		})
	}
	// The client may see a close frame (coder/websocket sends 1009 itself)
	// a moment before the server's reader counts the refusal: poll.
	for _, reason := range []string{"invalid_message", "invalid_update", "text_frame", "message_too_big"} {
		want := `cocreate_refused_total{reason="` + reason + `"}`
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, metrics := get(t, ts.url+"/metrics"); strings.Contains(metrics, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("refusal %s not counted in /metrics", reason)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The good connection is untouched and the document unchanged.
	good.insert(6, "!")
	good.echoed()
	check := dialDoc(t, ts, "s/notes")
	check.waitText("intact!")
}

func TestBadDocName(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	code, _ := get(t, ts.url+"/sync/"+strings.Repeat("x", 200)+"/notes")
	if code != http.StatusBadRequest {
		t.Fatalf("long session name: %d", code)
	}
}

func TestMaxConnsPerIP(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.MaxConnsPerIP = 2 })
	a := dialSynced(t, ts, "s/a")
	dialSynced(t, ts, "s/b")
	c := dialDoc(t, ts, "s/c")
	if code, reason := c.closed(); code != websocket.StatusTryAgainLater || !strings.Contains(reason, "too many connections") {
		t.Fatalf("third connection closed with %d %q", code, reason)
	}
	a.c.Close(websocket.StatusNormalClosure, "")
	// Its slot is freed once the server has seen it leave.
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := dialDoc(t, ts, "s/d")
		m, ok := d.next()
		if ok && m.Type == yproto.TypeSync {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("slot of a closed connection never freed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSlowConsumer: a client that stops reading is disconnected once its
// queue fills, while the others keep receiving everything.
// TestSlowConsumer: a reader that stops reading is not cut off for
// falling behind (its backlog is replaced by one diff) but once nothing
// has been written to it for the write timeout (10s).
func TestSlowConsumer(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *Config) { c.ConnQueue = 16 })
	writer := dialSynced(t, ts, "s/notes")
	good := dialSynced(t, ts, "s/notes")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	slow, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/sync/s/notes", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.CloseNow()
	// slow never reads: the kernel's socket buffers fill, then its queue.

	// Wait until the server counts three connections, so the slow one has
	// joined before the flood.
	for {
		_, m := get(t, ts.url+"/metrics")
		if strings.Contains(m, "cocreate_connections 3") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	chunk := strings.Repeat("x", 256<<10)
	const n = 80 // 20 MiB in all
	for i := range n {
		writer.insert(i*len(chunk), chunk)
		// Paced by the echo: a healthy reader's queue stays short.
		writer.echoed()
	}
	for good.doc.GetText("t").Len() != n*len(chunk) {
		if _, ok := good.next(); !ok {
			t.Fatalf("good client closed: %v", good.readErr)
		}
	}
	for {
		_, m := get(t, ts.url+"/metrics")
		if strings.Contains(m, `cocreate_refused_total{reason="write_timeout"} 1`) {
			if !strings.Contains(m, "cocreate_slow_consumer_disconnects_total 0") || strings.Contains(m, "cocreate_resyncs_total 0") {
				t.Fatal("the reader was cut off for its queue, or never resynced")
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the reader that stopped was never disconnected")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTrustedProxies: behind a trusted proxy the per-address limit counts
// the clients named in X-Forwarded-For; an untrusted peer's header is
// ignored.
func TestTrustedProxies(t *testing.T) {
	dial := func(ts *testServer, xff string) *wsClient {
		t.Helper()
		wc, _, err := dialDocWith(t, ts, "s/notes", &websocket.DialOptions{HTTPHeader: http.Header{"X-Forwarded-For": {xff}}})
		if err != nil {
			t.Fatal(err)
		}
		return wc
	}
	trusted := startServer(t, t.TempDir(), func(c *Config) { c.MaxConnsPerIP = 1; c.TrustedProxies = "127.0.0.0/8" })
	a, b := dial(trusted, "203.0.113.1"), dial(trusted, "203.0.113.2")
	a.synced()
	b.synced() // two clients, one each
	if code, _ := dial(trusted, "203.0.113.1").closed(); code != websocket.StatusTryAgainLater {
		t.Fatalf("a second connection of one client: %d", code)
	}
	direct := startServer(t, t.TempDir(), func(c *Config) { c.MaxConnsPerIP = 1 })
	dial(direct, "203.0.113.1").synced()
	if code, _ := dial(direct, "203.0.113.2").closed(); code != websocket.StatusTryAgainLater {
		t.Fatalf("an untrusted X-Forwarded-For was believed: %d", code)
	}
}

func TestOpenURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"0.0.0.0:80":     "http://localhost:80/",
		"[::]:8080":      "http://localhost:8080/",
		"[::1]:9000":     "http://[::1]:9000/",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := openURL(a); got != want {
			t.Errorf("openURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

// TestSyncSavedAcks: /sync/...?saved=1 gets a saved message (type 101)
// whose stored state vector covers the client's edit; a stock connection
// to the same document never gets one; a bad saved value is 400.
func TestSyncSavedAcks(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	a := dialSynced(t, ts, "s/notes?saved=1")
	b := dialSynced(t, ts, "s/notes")
	a.insert(0, "stored")
	want := a.doc.StateVector()[a.doc.ClientID()]
	a.until("a saved message covering the edit", func(m yproto.Message) bool {
		if m.Type != yproto.TypeSaved {
			return false
		}
		sv, err := crdt.DecodeStateVector(m.Payload)
		if err != nil {
			t.Fatalf("bad stored state vector: %v", err)
		}
		return sv[a.doc.ClientID()] >= want
	})
	b.waitText("stored")
	// b's queue is drained for a while after a's saved message: nothing
	// of type 101.
	deadline := time.After(200 * time.Millisecond)
	for {
		select {
		case raw := <-b.msgs:
			if m, err := yproto.Decode(raw); err == nil && m.Type == yproto.TypeSaved {
				t.Fatal("a stock connection got a saved message")
			}
			continue
		case <-deadline:
		}
		break
	}

	_, resp, err := dialDocWith(t, ts, "s/notes?saved=yes", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("saved=yes: err %v, response %v; want 400", err, resp)
	}
}

// TestWebRoutes: the pages of the browser workspace and their assets, or,
// in a binary built without the bundle, a page that says how to build it.
func TestWebRoutes(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	_, built := web.Files()
	for _, p := range []string{"/", "/s/abc", "/read/abc", "/invite/abc"} {
		code, body := get(t, ts.url+p)
		switch {
		case built && (code != 200 || !strings.Contains(body, `<div id="app">`) || !strings.Contains(body, "/assets/app.js")):
			t.Fatalf("%s: %d %.80q", p, code, body)
		case !built && (code != http.StatusServiceUnavailable || !strings.Contains(body, "make ui")):
			t.Fatalf("%s without a bundle: %d %.80q", p, code, body)
		}
	}
	if built {
		for _, a := range []string{"app.js", "app.css"} {
			if code, body := get(t, ts.url+"/assets/"+a); code != 200 || len(body) < 100 {
				t.Fatalf("asset %s: %d", a, code)
			}
		}
	}
	for _, a := range []string{"nope.js", "index.html", "..%2fembed.go"} {
		if code, _ := get(t, ts.url+"/assets/"+a); code != http.StatusNotFound {
			t.Fatalf("asset %s: %d", a, code)
		}
	}
}

// The server on each store and bus a deployment shares: PostgreSQL (two
// instances, one database), Redis (readiness while it is down) and the
// compaction of what was deleted, on SQLite and PostgreSQL.

// testPostgresDSN is a schema of this test's own (internal/pgtest).
func testPostgresDSN(t *testing.T) string { return pgtest.Schema(t, "server_test") }

// With --postgres, two instances share sessions: one created on the first
// is read from the second.
func TestPostgresSharedBetweenInstances(t *testing.T) {
	dsn := testPostgresDSN(t)
	// One --data for the guest key both instances share.
	shared := t.TempDir()
	usePG := func(c *Config) { c.Postgres = dsn; c.Data = shared }
	a := startServer(t, t.TempDir(), usePG)
	b := startServer(t, t.TempDir(), usePG)

	// One guest (one cookie) on both instances.
	guest, id := guestSession(t, a, "Shared")
	resp, err := guest.Get(b.url + "/api/sessions/" + id)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ ID, Title string }
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || got.Title != "Shared" {
		t.Fatalf("get on b: %d %+v", resp.StatusCode, got)
	}
}

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
	a := dialSynced(t, ts, "s/notes")
	b := dialSynced(t, ts, "s/notes")
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

// TestCompactionForgetsDeletedText: a password typed then deleted
// through a client is gone from the compacted snapshot row once the
// document unloads, on SQLite and PostgreSQL, and a fresh stock yjs
// client still reads the document right.
func TestCompactionForgetsDeletedText(t *testing.T) {
	interoptest.Need(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			edit := func(c *Config) {}
			if backend == "postgres" {
				dsn := testPostgresDSN(t)
				edit = func(c *Config) { c.Postgres = dsn }
			}
			ts := startServer(t, t.TempDir(), edit)
			url := strings.Replace(ts.url, "http", "ws", 1) + "/sync"
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := clienttest.Dial(t, 20*time.Second, url, "gc/notes", client.Options{})
			c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "password: hunter2", nil) })
			c.Do(func(d *crdt.Doc) { d.GetText("t").Delete(10, 7) })
			c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(10, "(changed)", nil) })
			// Another reader has seen the last edit: the server applied all.
			r, err := client.Dial(ctx, url, "gc/notes", client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Wait(ctx, func(d *crdt.Doc) bool { return d.GetText("t").String() == "password: (changed)" }); err != nil {
				t.Fatal(err)
			}
			c.Close()
			r.Close()
			// The last one out unloads the document, which compacts it.
			var st struct {
				snapshot []byte
				updates  int
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				got, err := ts.srv.store.Load(ctx, "gc/notes")
				if err != nil {
					t.Fatal(err)
				}
				st.snapshot, st.updates = got.Snapshot, len(got.Updates)
				if ts.srv.hubs.Loaded() == 0 && st.snapshot != nil && st.updates == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not compacted: loaded %d, snapshot %v, %d updates", ts.srv.hubs.Loaded(), st.snapshot != nil, st.updates)
				}
			}
			if bytes.Contains(st.snapshot, []byte("hunter2")) {
				t.Fatalf("the compacted snapshot row holds the deleted password: %q", st.snapshot)
			}
			if got := interoptest.Run(t, "read", url, "gc/notes"); got.Text != "password: (changed)" {
				t.Fatalf("a stock yjs client reads %q", got.Text)
			}
		})
	}
}
