package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/pgtest"
	"github.com/cocreate/cocreate/notes"
)

const secret = "whsec-test-0123456789"

// receiver is a real local HTTP endpoint that checks each request's
// signature by its own HMAC computation and counts events by id.
type receiver struct {
	t      *testing.T
	ln     net.Listener
	srv    *http.Server
	mu     sync.Mutex
	got    map[string]int // event id → deliveries received
	bodies []Payload
	fail   map[string]int // event id → answers of 503 still to give
	failN  int            // 503s to give each new event first
	delay  time.Duration
}

// listen starts (or restarts) the receiver on addr ("127.0.0.1:0" for a
// fresh port).
func (r *receiver) listen(addr string) {
	r.t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.ln = ln
	r.srv = &http.Server{Handler: r}
	go r.srv.Serve(ln)
	r.t.Cleanup(r.stop)
}

func (r *receiver) stop() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, got: map[string]int{}, fail: map[string]int{}}
	r.listen("127.0.0.1:0")
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	// Checked independently of Verify: parse the header and recompute.
	h := req.Header.Get(SignatureHeader)
	var ts, v1 string
	for _, p := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(p, "=")
		if k == "t" {
			ts = v
		} else if k == "v1" {
			v1 = v
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	if ts == "" || v1 != hex.EncodeToString(m.Sum(nil)) {
		r.t.Errorf("bad signature %q for %s", h, body)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if err := Verify(h, secret, body, time.Now(), 5*time.Minute); err != nil {
		r.t.Errorf("Verify: %v", err)
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" || p.Type == "" || req.Header.Get("X-Cocreate-Event") != p.Type ||
		req.Header.Get("Content-Type") != "application/json" || req.Header.Get("X-Cocreate-Delivery") == "" {
		r.t.Errorf("bad delivery %q (%v), headers %v", body, err, req.Header)
	}
	time.Sleep(r.delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	n, seen := r.fail[p.ID]
	if !seen {
		n = r.failN
	}
	if n > 0 {
		r.fail[p.ID] = n - 1
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.fail[p.ID] = 0
	r.got[p.ID]++
	r.bodies = append(r.bodies, p)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) received() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.got {
		out[k] = v
	}
	return out
}

// waitFor polls cond until it holds (or fails the test after 30s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fast is a dispatcher configuration for tests: quick polls and retries.
func fast(store Store, allowPrivate bool) Config {
	return Config{Store: store, AllowPrivate: allowPrivate, Poll: 20 * time.Millisecond, FirstRetry: 30 * time.Millisecond,
		MaxRetry: 200 * time.Millisecond, Timeout: 5 * time.Second}
}

// run starts d and returns its stop, which waits for Run to return.
func run(t *testing.T, d *Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func addHook(t *testing.T, s notes.Pulse, space, url string, events ...string) notes.Webhook {
	t.Helper()
	h := notes.Webhook{ID: fmt.Sprintf("h-%s-%d", space, time.Now().UnixNano()), SpaceID: space, URL: url, Events: events, Secret: secret, CreatedBy: "alice", CreatedAt: time.Now()}
	if err := s.CreateWebhook(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	return h
}

func allDelivered(t *testing.T, s notes.Pulse, hook string, n int) func() bool {
	return func() bool {
		ds, err := s.Deliveries(context.Background(), hook, 1000)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, d := range ds {
			if d.Status == notes.DeliveryDelivered {
				done++
			}
		}
		return done == n
	}
}

// Signed, filtered by event type, logged as delivered.
func TestDeliverSigned(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	r := newReceiver(t)
	h := addHook(t, store, "sp", "http://"+r.ln.Addr().String()+"/hook", SessionStarted, SessionEnded)
	addHook(t, store, "other-space", "http://"+r.ln.Addr().String()+"/other", SessionStarted)
	d := New(fast(store, true))
	run(t, d)
	var ids []string
	for _, typ := range []string{SessionStarted, SessionCreated, SessionEnded} {
		id, err := d.Emit(ctx, Event{Type: typ, SpaceID: "sp", Data: map[string]string{"session_id": "s1", "url": "https://x/s/s1"}})
		if err != nil {
			t.Fatal(err)
		}
		if (id == "") != (typ == SessionCreated) {
			t.Fatalf("%s: event id %q (subscribed: %v)", typ, id, typ != SessionCreated)
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	waitFor(t, "two deliveries", allDelivered(t, store, h.ID, 2))
	got := r.received()
	if len(got) != 2 || got[ids[0]] != 1 || got[ids[1]] != 1 {
		t.Fatalf("received %v, want %v once each", got, ids)
	}
	r.mu.Lock()
	p := r.bodies[0]
	r.mu.Unlock()
	var data map[string]string
	if json.Unmarshal(p.Data, &data) != nil || data["session_id"] != "s1" || p.SpaceID != "sp" || p.CreatedAt.IsZero() {
		t.Errorf("payload %+v", p)
	}
	ds, _ := store.Deliveries(ctx, h.ID, 10)
	for _, x := range ds {
		if x.Attempts != 1 || x.LastStatus != http.StatusNoContent || x.DoneAt.IsZero() || x.LastError != "" {
			t.Errorf("delivery log %+v", x)
		}
	}
	if _, err := d.Emit(ctx, Event{Type: "session.exploded", SpaceID: "sp"}); err == nil {
		t.Error("an unknown event type was emitted")
	}
}

// A receiver that is down (connection refused, then 503s) gets every
// event once it is back, though the server restarted in between: the
// deliveries live in the SQLite file, not in memory.
func TestReceiverDownServerRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *notes.SQLiteStore {
		s, err := notes.OpenSQLite(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A port nobody listens on yet.
	r := newReceiver(t)
	addr := r.ln.Addr().String()
	r.stop()
	r.failN = 2

	s1 := open()
	h := addHook(t, s1, "sp", "http://"+addr+"/hook", SessionStarted, NotesVersionCreated)
	d1 := New(fast(s1, true))
	stop1 := run(t, d1)
	var ids []string
	for i := range 5 {
		id, err := d1.Emit(ctx, Event{Type: SessionStarted, SpaceID: "sp", Data: map[string]int{"n": i}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	waitFor(t, "failed attempts while the receiver is down", func() bool {
		ds, _ := s1.Deliveries(ctx, h.ID, 100)
		for _, d := range ds {
			if d.Attempts < 2 || d.Status != notes.DeliveryPending || !strings.Contains(d.LastError, "refused") {
				return false
			}
		}
		return len(ds) == 5
	})
	// Restart: the first instance stops and its store closes.
	stop1()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open()
	defer s2.Close()
	d2 := New(fast(s2, true))
	run(t, d2)
	id, err := d2.Emit(ctx, Event{Type: NotesVersionCreated, SpaceID: "sp", Data: map[string]int{"version": 3}})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, id)
	r.listen(addr) // back, answering 503 twice per event first
	waitFor(t, "every event delivered", allDelivered(t, s2, h.ID, 6))
	got := r.received()
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("event %s received %d times, want 1 (all: %v)", id, got[id], got)
		}
	}
	ds, _ := s2.Deliveries(ctx, h.ID, 100)
	for _, d := range ds {
		if d.Attempts < 3 || d.LastStatus != http.StatusNoContent {
			t.Errorf("delivery %+v: want at least 3 attempts (2×503 after the outage), ending 204", d)
		}
	}
}

// Two instances (two store handles on one PostgreSQL schema) deliver
// each event exactly once.
func TestTwoInstancesDeliverOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Schema(t, "webhook_test")
	open := func() *notes.PostgresStore {
		s, err := notes.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s1, s2 := open(), open()
	r := newReceiver(t)
	r.delay = 2 * time.Millisecond
	h := addHook(t, s1, "sp", "http://"+r.ln.Addr().String()+"/hook", TaskCreated)
	d1, d2 := New(fast(s1, true)), New(fast(s2, true))
	const n = 60
	var ids []string
	for i := range n {
		d := []*Dispatcher{d1, d2}[i%2]
		id, err := d.Emit(ctx, Event{Type: TaskCreated, SpaceID: "sp", Data: map[string]int{"task": i}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	run(t, d1)
	run(t, d2)
	waitFor(t, "every event delivered", allDelivered(t, s2, h.ID, n))
	got := r.received()
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("event %s received %d times, want exactly 1", id, got[id])
		}
	}
	if len(got) != n {
		t.Errorf("received %d events, want %d", len(got), n)
	}
}

// Without --webhook-allow-private, a target that resolves to loopback
// is refused when connecting (the name, not only literal addresses);
// after RetryFor the delivery is given up and logged as failed.
func TestRefusesPrivateTargets(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	r := newReceiver(t)
	_, port, _ := net.SplitHostPort(r.ln.Addr().String())
	h := addHook(t, store, "sp", "http://localhost:"+port+"/hook", SessionEnded)
	cfg := fast(store, false)
	cfg.RetryFor = 300 * time.Millisecond
	d := New(cfg)
	run(t, d)
	if _, err := d.Emit(ctx, Event{Type: SessionEnded, SpaceID: "sp"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delivery given up", func() bool {
		ds, _ := store.Deliveries(ctx, h.ID, 10)
		return len(ds) == 1 && ds[0].Status == notes.DeliveryFailed
	})
	ds, _ := store.Deliveries(ctx, h.ID, 10)
	if !strings.Contains(ds[0].LastError, "private") || ds[0].Attempts < 2 {
		t.Errorf("delivery %+v: want several attempts refused as private", ds[0])
	}
	if got := r.received(); len(got) != 0 {
		t.Errorf("the loopback receiver got %v", got)
	}
	for _, c := range []struct {
		url     string
		private bool
		wantErr error
	}{
		{"https://hooks.example.org/x", false, nil},
		{"http://127.0.0.1:8080/x", false, ErrPrivateTarget},
		{"http://127.0.0.1:8080/x", true, nil},
		{"http://[::1]/x", false, ErrPrivateTarget},
		{"http://10.1.2.3/x", false, ErrPrivateTarget},
		{"http://169.254.169.254/latest", false, ErrPrivateTarget},
		{"http://[::ffff:192.168.1.1]/", false, ErrPrivateTarget},
		{"http://100.64.0.1/", false, ErrPrivateTarget},
		{"ftp://example.org/", false, ErrBadURL},
		{"http:///nohost", false, ErrBadURL},
		{"https://user:pw@example.org/", false, ErrBadURL},
		{"https://example.org/" + strings.Repeat("x", 3000), false, ErrBadURL},
	} {
		err := CheckURL(c.url, c.private)
		if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
			t.Errorf("CheckURL(%.40q, %v) = %v, want %v", c.url, c.private, err, c.wantErr)
		}
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"e1"}`)
	h := Sign(secret, now, body)
	if !strings.HasPrefix(h, "t=1800000000,v1=") {
		t.Fatalf("Sign = %q", h)
	}
	if err := Verify(h, secret, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"tampered body": Verify(h, secret, []byte(`{"id":"e2"}`), now, 5*time.Minute),
		"other secret":  Verify(h, "other", body, now, 5*time.Minute),
		"replayed late": Verify(h, secret, body, now.Add(10*time.Minute), 5*time.Minute),
		"no header":     Verify("", secret, body, now, 5*time.Minute),
	} {
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	d := New(Config{FirstRetry: 30 * time.Second, MaxRetry: time.Hour})
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	var total time.Duration
	for i, w := range want {
		if got := d.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
	// With the defaults a delivery is retried for at least 24h: count
	// the attempts that fit in RetryFor.
	n := 0
	for total < 24*time.Hour {
		n++
		total += d.backoff(n)
	}
	if d.cfg.RetryFor < 24*time.Hour || n < 20 {
		t.Errorf("retry window %s with %d attempts in the first 24h", d.cfg.RetryFor, n)
	}
}
