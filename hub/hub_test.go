package hub

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

// pipe is an in-memory Transport; the test plays the client on its other
// end.
type pipe struct {
	in     chan []byte // client to hub
	out    chan []byte // hub to client
	closed chan struct{}
	once   sync.Once
	mu     sync.Mutex
	code   StatusCode
	reason string
	noPong bool // Ping waits until its context is done
}

func newPipe(outCap int) *pipe {
	return &pipe{in: make(chan []byte, 64), out: make(chan []byte, outCap), closed: make(chan struct{})}
}

var errPipeClosed = errors.New("pipe closed")

func (p *pipe) Read(ctx context.Context) ([]byte, error) {
	select {
	case m := <-p.in:
		return m, nil
	case <-p.closed:
		return nil, errPipeClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pipe) Write(ctx context.Context, msg []byte) error {
	select {
	case p.out <- msg:
		return nil
	case <-p.closed:
		return errPipeClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipe) Ping(ctx context.Context) error {
	if p.noPong {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (p *pipe) Close(code StatusCode, reason string) error {
	p.once.Do(func() {
		p.mu.Lock()
		p.code, p.reason = code, reason
		p.mu.Unlock()
		close(p.closed)
	})
	return nil
}

func (p *pipe) CloseNow() error { return p.Close(0, "") }

func (p *pipe) closeStatus() (StatusCode, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code, p.reason
}

// client is a test peer: a crdt doc synced over a pipe.
type client struct {
	t      *testing.T
	p      *pipe
	doc    *crdt.Doc
	served chan error
	msgs   chan yproto.Message // every message received, after handling
}

// syncedInsert waits for sync step 2, inserts text at 0 of the Text "t"
// and waits for the server's echo of the update.
func (c *client) syncedInsert(text string) {
	c.t.Helper()
	c.until("step 2", isStep2)
	c.insert(0, text)
	c.until("echo", isUpdate)
}

// dialSynced is dial, then waits for the server's sync step 2.
func dialSynced(t *testing.T, r *Registry, name string, opts ConnOptions) *client {
	t.Helper()
	c := dial(t, r, name, opts)
	c.until("step 2", isStep2)
	return c
}

func dial(t *testing.T, r *Registry, name string, opts ConnOptions) *client {
	t.Helper()
	c := &client{t: t, p: newPipe(1024), doc: crdt.NewDoc(crdt.DocOptions{}), served: make(chan error, 1), msgs: make(chan yproto.Message, 1024)}
	c.doc.OnUpdate(func(u []byte, origin any, _ *crdt.Transaction) {
		if origin != c {
			c.send(yproto.UpdateMessage(u))
		}
	})
	go func() { c.served <- r.Serve(context.Background(), name, c.p, opts) }()
	c.send(yproto.SyncStep1Message(c.doc.EncodeStateVector()))
	return c
}

func (c *client) send(msg []byte) {
	select {
	case c.p.in <- msg:
	case <-c.p.closed:
	}
}

// next handles and returns the next message from the hub.
func (c *client) next() (yproto.Message, bool) {
	c.t.Helper()
	select {
	case raw := <-c.p.out:
		m, err := yproto.Decode(raw)
		if err != nil {
			c.t.Fatalf("hub sent a malformed message: %v", err)
		}
		if m.Type == yproto.TypeSync {
			switch m.Sync {
			case yproto.SyncStep1:
				u, err := c.doc.EncodeStateAsUpdate(m.Payload)
				if err != nil {
					c.t.Fatal(err)
				}
				c.send(yproto.SyncStep2Message(u))
			default:
				if err := c.doc.ApplyUpdate(m.Payload, c); err != nil {
					c.t.Fatal(err)
				}
			}
		}
		return m, true
	case <-c.p.closed:
		return yproto.Message{}, false
	case <-time.After(5 * time.Second):
		c.t.Fatal("no message from the hub within 5s")
		return yproto.Message{}, false
	}
}

// until handles messages until cond holds.
func (c *client) until(what string, cond func(m yproto.Message) bool) yproto.Message {
	c.t.Helper()
	for {
		m, ok := c.next()
		if !ok {
			code, reason := c.p.closeStatus()
			c.t.Fatalf("closed (%d %q) while waiting for %s", code, reason, what)
		}
		if cond(m) {
			return m
		}
	}
}

func (c *client) text() string { return c.doc.GetText("t").String() }

func (c *client) insert(i int, s string) {
	c.t.Helper()
	if err := c.doc.GetText("t").Insert(i, s, nil); err != nil {
		c.t.Fatal(err)
	}
}

// waitText handles messages until the client's text is want.
func (c *client) waitText(want string) {
	c.t.Helper()
	for c.text() != want {
		if _, ok := c.next(); !ok {
			c.t.Fatalf("closed while text is %q, want %q", c.text(), want)
		}
	}
}

func (c *client) close() {
	c.p.CloseNow()
	if err := <-c.served; err != nil {
		c.t.Errorf("Serve: %v", err)
	}
}

func isStep2(m yproto.Message) bool { return m.Type == yproto.TypeSync && m.Sync == yproto.SyncStep2 }

func isUpdate(m yproto.Message) bool { return m.Type == yproto.TypeSync && m.Sync == yproto.SyncUpdate }

func newRegistry(t *testing.T, store notes.Store, cfg Config) *Registry {
	t.Helper()
	cfg.Store = store
	r := New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

func TestHandshakeAndFanOut(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	a := dial(t, r, "s/notes", ConnOptions{})
	first, _ := a.next()
	if first.Type != yproto.TypeSync || first.Sync != yproto.SyncStep1 {
		t.Fatalf("first message is %v %v, want the server's sync step 1", first.Type, first.Sync)
	}
	a.until("step 2", isStep2)
	b := dialSynced(t, r, "s/notes", ConnOptions{})

	a.insert(0, "hello")
	b.waitText("hello")
	// The sender gets its own update back, as from the y-websocket server.
	a.until("echo", isUpdate)
	b.insert(5, " world")
	a.waitText("hello world")
	a.close()
	b.close()
}

func TestLateJoinerAndReload(t *testing.T) {
	store := notes.NewMemoryStore()
	r := newRegistry(t, store, Config{})
	a := dial(t, r, "s/notes", ConnOptions{})
	a.syncedInsert("kept")
	late := dial(t, r, "s/notes", ConnOptions{})
	late.waitText("kept")
	late.close()
	a.close()

	// The last connection left: the document is stored and unloaded.
	deadline := time.Now().Add(5 * time.Second)
	for r.Loaded() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("document still loaded after its last connection left")
		}
		time.Sleep(5 * time.Millisecond)
	}
	st, err := store.Load(context.Background(), "s/notes")
	if err != nil || st.Snapshot == nil {
		t.Fatalf("stored state %+v, %v; want a compacted snapshot", st, err)
	}
	again := dial(t, r, "s/notes", ConnOptions{})
	again.waitText("kept")
	again.close()
}

func TestInvalidUpdateClosesOnlySender(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	a := dial(t, r, "d", ConnOptions{})
	a.syncedInsert("abc")
	bad := dial(t, r, "d", ConnOptions{})
	bad.waitText("abc")

	tests := []struct {
		name   string
		frame  []byte
		code   StatusCode
		reason string
	}{
		{"corrupt update", yproto.UpdateMessage([]byte{1, 1, 0xff, 0xff, 0xff}), StatusInvalidPayload, "invalid update"},
		{"garbage", []byte{0xff, 0xff}, StatusInvalidPayload, "invalid message"},
		{"unknown type", []byte{7}, StatusInvalidPayload, "invalid message"},
		{"bad awareness", []byte{1, 3, 1, 1, 1}, StatusInvalidPayload, "invalid message"},
		{"bad state vector", yproto.SyncStep1Message([]byte{5}), StatusInvalidPayload, "invalid state vector"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := bad
			if i > 0 {
				c = dial(t, r, "d", ConnOptions{})
				c.until("step 2", isStep2)
			}
			c.t = t
			c.send(tt.frame)
			for {
				if _, ok := c.next(); !ok {
					break
				}
			}
			if code, reason := c.p.closeStatus(); code != tt.code || reason != tt.reason {
				t.Fatalf("closed with %d %q, want %d %q", code, reason, tt.code, tt.reason)
			}
			<-c.served
		})
	}
	// The good connection still works and the document is unchanged.
	a.insert(3, "d")
	a.until("echo", isUpdate)
	check := dial(t, r, "d", ConnOptions{})
	check.waitText("abcd")
	check.close()
	a.close()
}

func TestReadOnlyGetsPermissionDenied(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	v := dialSynced(t, r, "d", ConnOptions{ReadOnly: true})
	v.insert(0, "nope")
	m := v.until("permission denied", func(m yproto.Message) bool { return m.Type == yproto.TypeAuth })
	if m.Reason == "" {
		t.Fatal("permission denied without a reason")
	}
	check := dialSynced(t, r, "d", ConnOptions{})
	if check.text() != "" {
		t.Fatalf("read-only edit was applied: %q", check.text())
	}
	check.close()
	v.close()
}

func TestAwareness(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	a := dialSynced(t, r, "d", ConnOptions{})
	b := dialSynced(t, r, "d", ConnOptions{})

	a.send(yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: 42, Clock: 1, State: []byte(`{"user":"ada"}`)}}))
	m := b.until("awareness", func(m yproto.Message) bool { return m.Type == yproto.TypeAwareness })
	if len(m.Awareness) != 1 || m.Awareness[0].ClientID != 42 || string(m.Awareness[0].State) != `{"user":"ada"}` {
		t.Fatalf("b got awareness %+v", m.Awareness)
	}
	// An older clock is ignored; query-awareness is answered with the
	// current states.
	a.send(yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: 42, Clock: 0, State: []byte(`{"user":"old"}`)}}))
	b.send(yproto.QueryAwarenessMessage())
	m = b.until("awareness", func(m yproto.Message) bool { return m.Type == yproto.TypeAwareness })
	if len(m.Awareness) != 1 || string(m.Awareness[0].State) != `{"user":"ada"}` {
		t.Fatalf("query-awareness answered %+v", m.Awareness)
	}
	// A late joiner gets the states.
	c := dial(t, r, "d", ConnOptions{})
	m = c.until("awareness", func(m yproto.Message) bool { return m.Type == yproto.TypeAwareness })
	if len(m.Awareness) != 1 || m.Awareness[0].ClientID != 42 {
		t.Fatalf("late joiner got awareness %+v", m.Awareness)
	}
	c.close()
	// When a leaves, the others learn that client 42 is gone.
	a.close()
	m = b.until("awareness removal", func(m yproto.Message) bool { return m.Type == yproto.TypeAwareness })
	if len(m.Awareness) != 1 || m.Awareness[0].ClientID != 42 || !m.Awareness[0].Removed() || m.Awareness[0].Clock != 1 {
		t.Fatalf("b got %+v, want client 42 removed at clock 1", m.Awareness)
	}
	b.close()
}

func TestAwarenessTimeout(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{AwarenessTimeout: 50 * time.Millisecond, FlushInterval: 10 * time.Millisecond})
	a := dialSynced(t, r, "d", ConnOptions{})
	a.send(yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: 7, Clock: 1, State: []byte(`{}`)}}))
	a.until("awareness", func(m yproto.Message) bool { return m.Type == yproto.TypeAwareness && !m.Awareness[0].Removed() })
	m := a.until("timeout", func(m yproto.Message) bool { return m.Type == yproto.TypeAwareness })
	if !m.Awareness[0].Removed() {
		t.Fatalf("got %+v, want removal", m.Awareness)
	}
	a.close()
}

func TestCloseGoingAway(t *testing.T) {
	store := notes.NewMemoryStore()
	r := New(Config{Store: store, FlushInterval: time.Hour})
	a := dial(t, r, "d", ConnOptions{})
	a.syncedInsert("flushed on close")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if code, reason := a.p.closeStatus(); code != StatusGoingAway {
		t.Fatalf("closed with %d %q, want 1001", code, reason)
	}
	<-a.served
	if got := storedText(t, store, "d"); got != "flushed on close" {
		t.Fatalf("stored %q", got)
	}
	if err := r.Serve(context.Background(), "d", newPipe(1), ConnOptions{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Serve after Close = %v", err)
	}
}

func TestMaxConnsPerDoc(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{MaxConnsPerDoc: 1})
	a := dialSynced(t, r, "d", ConnOptions{})
	b := dial(t, r, "d", ConnOptions{})
	<-b.served
	if code, _ := b.p.closeStatus(); code != StatusTryAgainLater {
		t.Fatalf("second connection closed with %d", code)
	}
	a.close()
}

func TestMaxDocSize(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{MaxDocSize: 200})
	a := dial(t, r, "d", ConnOptions{})
	a.syncedInsert("small")
	a.insert(5, strings.Repeat("x", 300))
	for {
		if _, ok := a.next(); !ok {
			break
		}
	}
	if code, reason := a.p.closeStatus(); code != StatusMessageTooBig || reason != "document too large" {
		t.Fatalf("closed with %d %q", code, reason)
	}
	<-a.served
	check := dialSynced(t, r, "d", ConnOptions{})
	if got := check.text(); got != "small" {
		t.Fatalf("document is %q after a refused update", got)
	}
	check.close()
}

func TestKeepalive(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{PingInterval: 20 * time.Millisecond})
	alive := dialSynced(t, r, "d", ConnOptions{})
	dead := &client{t: t, p: newPipe(1024), served: make(chan error, 1)}
	dead.p.noPong = true
	go func() { dead.served <- r.Serve(context.Background(), "d", dead.p, ConnOptions{}) }()
	select {
	case <-dead.served:
	case <-time.After(5 * time.Second):
		t.Fatal("a peer that never answers pings is still connected")
	}
	// The answering peer stays (several intervals have passed).
	time.Sleep(100 * time.Millisecond)
	alive.insert(0, "still here")
	alive.until("echo", isUpdate)
	alive.close()
}

func TestSetReadOnly(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	ann := dialSynced(t, r, "s/notes", ConnOptions{Subject: "ann"})
	annOther := dialSynced(t, r, "s/board", ConnOptions{Subject: "ann"})
	bob := dialSynced(t, r, "s/notes", ConnOptions{Subject: "bob"})
	elsewhere := dialSynced(t, r, "t/notes", ConnOptions{Subject: "ann"})

	ann.insert(0, "a")
	bob.waitText("a")

	if n := r.SetReadOnly("s", "ann", true); n != 2 {
		t.Fatalf("SetReadOnly changed %d connections, want 2 (ann's in session s)", n)
	}
	if n := r.SetReadOnly("s", "ann", true); n != 0 {
		t.Fatalf("SetReadOnly again changed %d connections, want 0", n)
	}
	ann.insert(1, "b")
	m := ann.until("permission denied", func(m yproto.Message) bool { return m.Type == yproto.TypeAuth })
	if m.Reason == "" {
		t.Fatal("permission denied without a reason")
	}
	// Bob still writes. Ann's refused edit was handled before his (she got
	// the denial first): had it been applied, bob would have it now.
	bob.insert(1, "c")
	bob.until("echo", isUpdate)
	if got := bob.text(); got != "ac" {
		t.Fatalf("bob has %q, want %q", got, "ac")
	}
	// Ann's connection to another session is untouched.
	elsewhere.insert(0, "free")
	elsewhere.until("echo", isUpdate)

	if n := r.SetReadOnly("s", "ann", false); n != 2 {
		t.Fatalf("SetReadOnly(false) changed %d connections, want 2", n)
	}
	annOther.insert(0, "back")
	annOther.until("echo", isUpdate)
	for _, c := range []*client{ann, annOther, bob, elsewhere} {
		c.close()
	}
	if n := r.SetReadOnly("s", "ann", true); n != 0 {
		t.Fatalf("SetReadOnly without connections changed %d", n)
	}
}

func TestExpiresAtClosesConnection(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	stays := dialSynced(t, r, "d", ConnOptions{ExpiresAt: time.Now().Add(time.Hour)})
	c := dialSynced(t, r, "d", ConnOptions{ExpiresAt: time.Now().Add(100 * time.Millisecond)})
	select {
	case <-c.served:
	case <-time.After(5 * time.Second):
		t.Fatal("connection still open 5s after its token expired")
	}
	if code, reason := c.p.closeStatus(); code != StatusPolicyViolation || reason != "token expired" {
		t.Fatalf("closed with %d %q, want 1008 \"token expired\"", code, reason)
	}
	stays.insert(0, "still here")
	stays.until("echo", isUpdate)
	stays.close()

	// Already expired: closed at once.
	late := dial(t, r, "d", ConnOptions{ExpiresAt: time.Now().Add(-time.Second)})
	select {
	case <-late.served:
	case <-time.After(5 * time.Second):
		t.Fatal("connection with an expired token still open")
	}
	if code, _ := late.p.closeStatus(); code != StatusPolicyViolation {
		t.Fatalf("expired connection closed with %d", code)
	}
}

func TestRevoke(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	ann := dialSynced(t, r, "s/notes", ConnOptions{Subject: "ann"})
	annMeeting := dialSynced(t, r, "s/meeting", ConnOptions{Subject: "ann", ReadOnly: true})
	bob := dialSynced(t, r, "s/notes", ConnOptions{Subject: "bob"})
	if n := r.Revoke("s", "ann"); n != 2 {
		t.Fatalf("Revoke closed %d connections, want 2 (ann's notes and meeting)", n)
	}
	for _, c := range []*client{ann, annMeeting} {
		<-c.served
		if code, reason := c.p.closeStatus(); code != StatusPolicyViolation || reason != "access revoked" {
			t.Fatalf("revoked connection closed with %d %q", code, reason)
		}
	}
	bob.insert(0, "still here")
	bob.until("echo", isUpdate)
	bob.close()
}

func TestAccessMessageRoundTrip(t *testing.T) {
	for _, a := range []accessChange{
		{session: "s", subject: "ann", readOnly: true},
		{session: "s", subject: "ann"},
		{session: "sess", subject: "guest:x", revoke: true},
	} {
		m, err := decodeBusMsg(encodeAccess(uuid.New(), a))
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeAccess(m.body)
		if err != nil || got != a {
			t.Fatalf("round trip of %+v = %+v, %v", a, got, err)
		}
	}
}

// TestDoWritesAsServerPeer: Do loads a document no connection holds,
// its change is stored under the registry's client id; with a
// connection present the change reaches it as an update.
func TestDoWritesAsServerPeer(t *testing.T) {
	store := notes.NewMemoryStore()
	r := newRegistry(t, store, Config{ClientID: 4242})
	err := r.Do("s/meeting", func(d *crdt.Doc) error {
		if d.ClientID() != 4242 {
			t.Errorf("client id %d", d.ClientID())
		}
		return d.GetText("t").Insert(0, "seed", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Unloaded after the Do (no connection holds it): stored.
	for deadline := time.Now().Add(5 * time.Second); r.Loaded() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the document stayed loaded after Do without connections")
		}
	}
	st, err := store.Load(context.Background(), "s/meeting")
	if err != nil || (st.Snapshot == nil && len(st.Updates) == 0) {
		t.Fatalf("not stored: %v %+v", err, st)
	}
	c := dialSynced(t, r, "s/meeting", ConnOptions{ReadOnly: true})
	if c.text() != "seed" {
		t.Fatalf("loaded %q", c.text())
	}
	if err := r.Do("s/meeting", func(d *crdt.Doc) error { return d.GetText("t").Insert(4, "ed", nil) }); err != nil {
		t.Fatal(err)
	}
	c.waitText("seeded")
	// fn's error comes back; a read-only client's empty sync step 2 got
	// no permission-denied message.
	boom := errors.New("boom")
	if err := r.Do("s/meeting", func(*crdt.Doc) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Do returned %v", err)
	}
	c.close()
}

// TestReadOnlyQuietOnNoOp: a read-only connection that sends what the
// document already holds is not told "permission denied"; a real edit is.
func TestReadOnlyQuietOnNoOp(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	w := dial(t, r, "d", ConnOptions{})
	w.syncedInsert("x")
	v := dialSynced(t, r, "d", ConnOptions{ReadOnly: true})
	full, _ := v.doc.EncodeStateAsUpdate(nil)
	v.send(yproto.SyncStep2Message(full)) // nothing new
	v.insert(0, "no")
	v.until("permission denied", func(m yproto.Message) bool { return m.Type == yproto.TypeAuth })
	// The no-op came first; only the edit was refused.
	if n := testutil.ToFloat64(r.metrics.Refused.WithLabelValues("read_only")); n != 1 {
		t.Fatalf("refused %v times, want 1", n)
	}
	w.close()
	v.close()
}

// TestDeleteSession closes a session's connections, waits for its hubs
// to unload, and refuses it from then on.
func TestDeleteSession(t *testing.T) {
	store := notes.NewMemoryStore()
	r := newRegistry(t, store, Config{})
	a := dialSynced(t, r, "s/notes", ConnOptions{})
	other := dialSynced(t, r, "t/notes", ConnOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.DeleteSession(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if err := <-a.served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if code, reason := a.p.closeStatus(); code != StatusPolicyViolation || reason != "session deleted" {
		t.Fatalf("closed with %d %q", code, reason)
	}
	if !r.Gone("s") || r.Gone("t") {
		t.Fatal("Gone is wrong")
	}
	if err := r.Do("s/meeting", func(*crdt.Doc) error { return nil }); !errors.Is(err, ErrGone) {
		t.Fatalf("Do on a deleted session: %v", err)
	}
	if r.Loaded() != 1 {
		t.Fatalf("%d documents loaded, want only t/notes", r.Loaded())
	}
	other.close()
}

// waitPipe is a pipe that can wait for input without handing it over (a
// Waiter), as the server's socket can: what Wait or Ready took from in is
// the next Read's. Only the connection's reader touches next.
type waitPipe struct {
	*pipe
	waits atomic.Int64
	next  []byte
}

func (w *waitPipe) Wait() {
	w.waits.Add(1)
	if w.next != nil {
		return
	}
	select {
	case m := <-w.in:
		w.next = m
	case <-w.closed:
	}
}

func (w *waitPipe) Ready() bool {
	if w.next != nil {
		return true
	}
	select {
	case m := <-w.in:
		w.next = m
		return true
	case <-w.closed:
		return true
	default:
		return false
	}
}

func (w *waitPipe) Read(ctx context.Context) ([]byte, error) {
	if m := w.next; m != nil {
		w.next = nil
		return m, nil
	}
	return w.pipe.Read(ctx)
}

// TestStartWithAWaiter: a connection started with a Transport that can
// wait for input (Registry.Start, a Waiter) is served as Serve serves
// one, its reader waiting afresh after each burst of input: its updates
// reach another connection in order, and done is called once when it
// ends.
func TestStartWithAWaiter(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	other := dialSynced(t, r, "d", ConnOptions{})

	wp := &waitPipe{pipe: newPipe(1024)}
	c := &client{t: t, p: wp.pipe, doc: crdt.NewDoc(crdt.DocOptions{}), msgs: make(chan yproto.Message, 1024)}
	c.doc.OnUpdate(func(u []byte, origin any, _ *crdt.Transaction) {
		if origin != c {
			c.send(yproto.UpdateMessage(u))
		}
	})
	var calls atomic.Int32
	done := make(chan struct{})
	if err := r.Start(context.Background(), "d", wp, ConnOptions{}, func() {
		if calls.Add(1) == 1 {
			close(done)
		}
	}); err != nil {
		t.Fatal(err)
	}
	c.send(yproto.SyncStep1Message(c.doc.EncodeStateVector()))
	c.until("step 2", isStep2)

	// waitFor returns once the reader has gone to wait n times: each
	// burst below is sent while it waits, so it must wait again after.
	waitFor := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); wp.waits.Load() < n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the reader went to wait %d times, want %d: it does not wait for input between bursts", wp.waits.Load(), n)
			}
		}
	}
	want := ""
	for i := range 20 {
		waitFor(int64(i + 2)) // once before the step 1, once after each burst
		s := strconv.Itoa(i % 10)
		c.insert(0, s)
		want = s + want
		other.waitText(want)
	}
	waitFor(22)

	wp.CloseNow()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("done not called after the connection closed")
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("done called %d times", n)
	}
	if n := testutil.ToFloat64(r.metrics.Connections); n != 1 {
		t.Fatalf("%v connections counted after one of two ended", n)
	}
	other.close()
}
