package hub

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/redistest"
	"github.com/cocreate/cocreate/notes"
)

// Several Registries (instances) in one process, joined by a bus: the
// memory bus, Redis, and a bus the test can cut to lose messages.

// cutBus wraps a Bus; while cut it drops everything this instance
// publishes and everything delivered to it, as a partition would.
type cutBus struct {
	Bus
	cut atomic.Bool

	mu   sync.Mutex
	h    BusHandler
	subs map[string]bool
}

func newCutBus(b Bus) *cutBus { return &cutBus{Bus: b, subs: map[string]bool{}} }

func (b *cutBus) Start(h BusHandler) error {
	b.mu.Lock()
	b.h = h
	b.mu.Unlock()
	return b.Bus.Start(cutHandler{b, h})
}

func (b *cutBus) Publish(channel string, data []byte) {
	if !b.cut.Load() {
		b.Bus.Publish(channel, data)
	}
}

func (b *cutBus) Subscribe(channel string) {
	b.mu.Lock()
	b.subs[channel] = true
	b.mu.Unlock()
	b.Bus.Subscribe(channel)
}

func (b *cutBus) Unsubscribe(channel string) {
	b.mu.Lock()
	delete(b.subs, channel)
	b.mu.Unlock()
	b.Bus.Unsubscribe(channel)
}

type cutHandler struct {
	b *cutBus
	h BusHandler
}

func (h cutHandler) Message(channel string, data []byte) {
	if !h.b.cut.Load() {
		h.h.Message(channel, data)
	}
}

func (h cutHandler) Subscribed(channel string) {
	if !h.b.cut.Load() {
		h.h.Subscribed(channel)
	}
}

// clusterCfg is a hub config with quick healing and probes.
func clusterCfg(bus Bus) Config {
	return Config{Bus: bus, SyncInterval: 50 * time.Millisecond, CheckInterval: 20 * time.Millisecond,
		FlushInterval: 10 * time.Millisecond}
}

func awarenessOf(m yproto.Message, id uint64) ([]byte, bool) {
	if m.Type != yproto.TypeAwareness {
		return nil, false
	}
	for _, e := range m.Awareness {
		if e.ClientID == id {
			return e.State, true
		}
	}
	return nil, false
}

func setAwareness(c *client, clock uint64, state string) {
	c.send(yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: c.doc.ClientID(), Clock: clock, State: []byte(state)}}))
}

// twoInstances makes two instances on busA and busB, with separate
// stores (they share nothing but the bus), and a synced client of
// "s/notes" on each.
func twoInstances(t *testing.T, busA, busB Bus) (ra, rb *Registry, a, b *client) {
	t.Helper()
	ra = newRegistry(t, notes.NewMemoryStore(), clusterCfg(busA))
	rb = newRegistry(t, notes.NewMemoryStore(), clusterCfg(busB))
	a = dial(t, ra, "s/notes", ConnOptions{})
	a.until("step 2", isStep2)
	b = dial(t, rb, "s/notes", ConnOptions{})
	b.until("step 2", isStep2)
	return ra, rb, a, b
}

// waitAwareness handles c's messages until one carries state for client
// id.
func waitAwareness(c *client, id uint64, state string) {
	c.t.Helper()
	c.until("awareness "+state, func(m yproto.Message) bool {
		st, ok := awarenessOf(m, id)
		return ok && string(st) == state
	})
}

// testTwoInstances: edits on either instance reach the other's clients,
// and so does awareness, both ways.
func testTwoInstances(t *testing.T, busA, busB Bus) {
	_, _, a, b := twoInstances(t, busA, busB)
	a.insert(0, "from a;")
	b.waitText("from a;")
	b.insert(0, "from b;")
	a.waitText("from b;from a;")

	setAwareness(a, 1, `{"name":"ann"}`)
	waitAwareness(b, a.doc.ClientID(), `{"name":"ann"}`)
	// Leaving removes the entry on the other instance too.
	aID := a.doc.ClientID()
	a.close()
	b.until("ann's removal", func(m yproto.Message) bool {
		st, ok := awarenessOf(m, aID)
		return ok && string(st) == "null"
	})
	b.close()
}

// editedPair connects a to doc on ra and b to doc on rb, waits for both
// syncs, inserts text through a and waits until b holds it.
func editedPair(t *testing.T, ra, rb *Registry, doc, text string) (a, b *client) {
	t.Helper()
	a = dial(t, ra, doc, ConnOptions{})
	a.until("step 2", isStep2)
	b = dial(t, rb, doc, ConnOptions{})
	b.until("step 2", isStep2)
	a.insert(0, text)
	b.waitText(text)
	return a, b
}

func TestInstancesOverMemoryBus(t *testing.T) {
	network := NewMemoryNetwork()
	testTwoInstances(t, NewMemoryBus(network), NewMemoryBus(network))
}

func TestInstancesOverRedis(t *testing.T) {
	srv := redistest.Start(t)
	testTwoInstances(t, newRedisBus(t, srv.URL()), newRedisBus(t, srv.URL()))
}

// TestHealAfterPartition: instance b loses every message for a while,
// inserts and deletes on both sides included; once the partition ends,
// the periodic state exchange repairs both, deletions too (a delete does
// not move a state vector: the delete-set digest finds it).
func TestHealAfterPartition(t *testing.T) {
	network := NewMemoryNetwork()
	cb := newCutBus(NewMemoryBus(network))
	ra := newRegistry(t, notes.NewMemoryStore(), clusterCfg(NewMemoryBus(network)))
	rb := newRegistry(t, notes.NewMemoryStore(), clusterCfg(cb))
	a, b := editedPair(t, ra, rb, "s/notes", "0123456789")

	cb.cut.Store(true)
	a.insert(10, "A")
	a.until("echo", isUpdate)
	b.insert(0, "B")
	b.until("echo", isUpdate)
	// A delete only, on each side.
	if err := a.doc.GetText("t").Delete(5, 1); err != nil {
		t.Fatal(err)
	}
	a.until("echo", isUpdate)
	if err := b.doc.GetText("t").Delete(3, 1); err != nil { // "B01|2|..." deletes '2'
		t.Fatal(err)
	}
	b.until("echo", isUpdate)
	if got := b.text(); strings.Contains(got, "A") {
		t.Fatalf("b saw %q through a cut bus", got)
	}
	cb.cut.Store(false)
	const want = "B01346789A"
	a.waitText(want)
	b.waitText(want)
	a.close()
	b.close()
}

// TestDeadInstanceAwarenessExpires: the clients of an instance that
// vanished (no leave, no renewal) disappear from the others' awareness
// after AwarenessTimeout, and the removal reaches their local clients.
func TestDeadInstanceAwarenessExpires(t *testing.T) {
	network := NewMemoryNetwork()
	ca := newCutBus(NewMemoryBus(network))
	cfgA, cfgB := clusterCfg(ca), clusterCfg(NewMemoryBus(network))
	cfgB.AwarenessTimeout = 300 * time.Millisecond
	ra := newRegistry(t, notes.NewMemoryStore(), cfgA)
	rb := newRegistry(t, notes.NewMemoryStore(), cfgB)
	a := dialSynced(t, ra, "s/notes", ConnOptions{})
	b := dialSynced(t, rb, "s/notes", ConnOptions{})
	setAwareness(a, 1, `{"name":"ann"}`)
	b.until("ann's awareness", func(m yproto.Message) bool {
		st, ok := awarenessOf(m, a.doc.ClientID())
		return ok && string(st) == `{"name":"ann"}`
	})
	ca.cut.Store(true) // instance a is gone for b
	start := time.Now()
	b.until("ann's expiry", func(m yproto.Message) bool {
		st, ok := awarenessOf(m, a.doc.ClientID())
		return ok && string(st) == "null"
	})
	if waited := time.Since(start); waited < cfgB.AwarenessTimeout {
		t.Fatalf("removed after %v, before the %v timeout", waited, cfgB.AwarenessTimeout)
	}
	ca.cut.Store(false)
	a.close()
	b.close()
}

// TestLateInstanceGetsAwareness: an instance that loads a document asks
// the others for their clients' awareness (the hello) and gets it without
// waiting for a renewal.
func TestLateInstanceGetsAwareness(t *testing.T) {
	network := NewMemoryNetwork()
	ra := newRegistry(t, notes.NewMemoryStore(), clusterCfg(NewMemoryBus(network)))
	rb := newRegistry(t, notes.NewMemoryStore(), clusterCfg(NewMemoryBus(network)))
	a := dialSynced(t, ra, "s/notes", ConnOptions{})
	setAwareness(a, 1, `{"name":"ann"}`)
	a.insert(0, "x")
	a.until("echo", isUpdate)
	b := dial(t, rb, "s/notes", ConnOptions{})
	b.waitText("x")
	b.until("ann's awareness", func(m yproto.Message) bool {
		st, ok := awarenessOf(m, a.doc.ClientID())
		return ok && bytes.Equal(st, []byte(`{"name":"ann"}`))
	})
	a.close()
	b.close()
}

// TestBusErr: the probe comes back on a working bus; once it stops coming
// back BusErr says so, and it clears when the bus works again.
func TestBusErr(t *testing.T) {
	cb := newCutBus(NewMemoryBus(nil))
	r := newRegistry(t, notes.NewMemoryStore(), clusterCfg(cb))
	waitBusErr(t, r, false)
	cb.cut.Store(true)
	err := waitBusErr(t, r, true)
	if !strings.Contains(err.Error(), "no probe came back") {
		t.Fatalf("BusErr() = %v, want it to say no probe came back", err)
	}
	cb.cut.Store(false)
	waitBusErr(t, r, false)
}

func TestBusErrRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	r := newRegistry(t, notes.NewMemoryStore(), clusterCfg(newRedisBus(t, srv.URL())))
	waitBusErr(t, r, false)
	srv.Stop()
	// First the probes stop coming back, then a publish fails and the
	// reason names Redis.
	waitPublishErr(t, r)
	srv.Restart()
	waitBusErr(t, r, false)
}

// waitPublishErr waits until r's BusErr names a failed Redis publish.
func waitPublishErr(t *testing.T, r *Registry) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for err := r.BusErr(); err == nil || !strings.Contains(err.Error(), "redis publish"); err = r.BusErr() {
		if time.Now().After(deadline) {
			t.Fatalf("BusErr() = %v 20s after Redis stopped, want a redis publish error", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitBusErr(t *testing.T, r *Registry, broken bool) error {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := r.BusErr()
		if (err != nil) == broken {
			return err
		}
		if time.Now().After(deadline) {
			t.Fatalf("BusErr() = %v after 20s, want broken=%v", err, broken)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHealingQuietWhenInSync: once two instances hold the same document
// (deletions included), their periodic state messages draw no diffs.
func TestHealingQuietWhenInSync(t *testing.T) {
	network := NewMemoryNetwork()
	ra := newRegistry(t, notes.NewMemoryStore(), clusterCfg(NewMemoryBus(network)))
	rb := newRegistry(t, notes.NewMemoryStore(), clusterCfg(NewMemoryBus(network)))
	a, b := editedPair(t, ra, rb, "s/notes", "abcdef")
	if err := b.doc.GetText("t").Delete(1, 2); err != nil {
		t.Fatal(err)
	}
	a.waitText("adef")
	diffs := func() float64 {
		return testutil.ToFloat64(ra.metrics.BusMessages.WithLabelValues("out", "diff")) +
			testutil.ToFloat64(rb.metrics.BusMessages.WithLabelValues("out", "diff"))
	}
	states := func() float64 { return testutil.ToFloat64(rb.metrics.BusMessages.WithLabelValues("in", "state")) }
	// Let in-flight exchanges settle: wait for a few state rounds.
	for s := states(); states() < s+3; {
		time.Sleep(10 * time.Millisecond)
	}
	before, s := diffs(), states()
	for states() < s+5 { // five more rounds, counted, not timed
		time.Sleep(10 * time.Millisecond)
	}
	if got := diffs() - before; got != 0 {
		t.Fatalf("%v diffs sent between instances already in sync", got)
	}
	a.close()
	b.close()
}

// TestDeleteSessionAcrossInstances: a session deleted on one instance is
// closed and refused on the others too, and no instance writes its
// documents back after the delete.
func TestDeleteSessionAcrossInstances(t *testing.T) {
	network := NewMemoryNetwork()
	store := notes.NewMemoryStore()
	ra := newRegistry(t, store, clusterCfg(NewMemoryBus(network)))
	rb := newRegistry(t, store, clusterCfg(NewMemoryBus(network)))
	a, b := editedPair(t, ra, rb, "s/notes", "doomed")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ra.DeleteSession(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if err := store.DeletePrefix(ctx, "s/"); err != nil {
		t.Fatal(err)
	}
	if err := <-b.served; err != nil {
		t.Fatalf("Serve on b: %v", err)
	}
	if code, reason := b.p.closeStatus(); code != StatusPolicyViolation || reason != "session deleted" {
		t.Fatalf("b closed with %d %q", code, reason)
	}
	if !rb.Gone("s") {
		t.Fatal("instance b still serves the deleted session")
	}
	// b has unloaded without storing the document again.
	for deadline := time.Now().Add(5 * time.Second); rb.Loaded() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("b keeps the deleted document loaded")
		}
	}
	if st, err := store.Load(ctx, "s/notes"); err != nil || st.Snapshot != nil || len(st.Updates) != 0 {
		t.Fatalf("the deleted document was written back: %v %+v", err, st)
	}
	<-a.served
}
