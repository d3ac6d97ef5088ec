package hub

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

// dialStalled connects a client whose transport takes nothing until the
// test reads: its writer blocks on the first message, so everything the
// hub sends it meanwhile queues up.
func dialStalled(t *testing.T, r *Registry, name string) *client {
	t.Helper()
	c := &client{t: t, p: newPipe(0), doc: crdt.NewDoc(crdt.DocOptions{}), served: make(chan error, 1)}
	go func() { c.served <- r.Serve(context.Background(), name, c.p, ConnOptions{}) }()
	c.send(yproto.SyncStep1Message(c.doc.EncodeStateVector()))
	c.until("step 1", func(m yproto.Message) bool { return m.Type == yproto.TypeSync && m.Sync == yproto.SyncStep1 })
	return c
}

func fullState(t *testing.T, d *crdt.Doc) []byte {
	t.Helper()
	u, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSlowReaderCatchesUpExactly: a reader that stops reading while 400
// updates are made is neither disconnected nor sent the backlog one by
// one: its queue is coalesced and, past its bound, replaced by one diff.
// When it reads again its document ends byte-identical to a reader that
// got every update one by one.
func TestSlowReaderCatchesUpExactly(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{QueueSize: 16, QueueBytes: 4 << 10})
	w := dial(t, r, "d", ConnOptions{})
	w.until("step 2", isStep2)
	fast := dial(t, r, "d", ConnOptions{})
	fast.until("step 2", isStep2)
	slow := dialStalled(t, r, "d")

	const n = 400
	for i := range n {
		w.insert(i*7919%(len(w.text())+1), fmt.Sprintf("%d,", i)) // inserts at varying places
		w.until("echo", isUpdate)
		if i%50 == 49 {
			if err := w.doc.GetText("t").Delete(3, 2); err != nil {
				t.Fatal(err)
			}
			w.until("echo", isUpdate)
		}
	}
	fast.waitText(w.text())
	slow.waitText(w.text())
	if got, want := fullState(t, slow.doc), fullState(t, fast.doc); !bytes.Equal(got, want) {
		t.Fatalf("slow reader's state differs from one-by-one: %d vs %d bytes", len(got), len(want))
	}
	if !bytes.Equal(slow.doc.EncodeStateVector(), w.doc.EncodeStateVector()) {
		t.Fatal("slow reader's state vector differs from the writer's")
	}
	if testutil.ToFloat64(r.metrics.Resyncs) == 0 {
		t.Fatal("no resync counted: the queue bound was never hit")
	}
	if testutil.ToFloat64(r.metrics.SlowConsumers) != 0 {
		t.Fatal("a slow consumer was disconnected")
	}
	slow.close()
	fast.close()
	w.close()
}

// TestCoalesceMergesQueuedUpdates: updates queued together are merged
// into one message whose effect is that of applying them one by one.
func TestCoalesceMergesQueuedUpdates(t *testing.T) {
	src := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	var batch []outItem
	src.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) {
		msg := yproto.UpdateMessage(u)
		batch = append(batch, outItem{msg: msg, upd: msg[len(msg)-len(u):], kind: kindUpdate})
	})
	txt := src.GetText("t")
	for i := range 30 {
		if err := txt.Insert(i%3, fmt.Sprint(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := txt.Delete(2, 5); err != nil {
		t.Fatal(err)
	}
	batch = append(batch[:10], append([]outItem{
		{msg: yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: 9, Clock: 1, State: []byte(`{"a":1}`)}}), kind: kindAwareness},
		{msg: yproto.PermissionDeniedMessage("x")},
		{msg: yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: 9, Clock: 2, State: []byte(`{"a":2}`)}, {ClientID: 8, Clock: 1, State: []byte(`{}`)}}), kind: kindAwareness},
	}, batch[10:]...)...)
	out := coalesce(batch)
	if len(out) != 3 {
		t.Fatalf("coalesced into %d messages, want 3 (update, awareness, other)", len(out))
	}
	dst := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
	m, err := yproto.Decode(out[0].msg)
	if err != nil || m.Type != yproto.TypeSync {
		t.Fatalf("first message: %v %v", m.Type, err)
	}
	if err := dst.ApplyUpdate(m.Payload, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := fullState(t, dst), fullState(t, src); !bytes.Equal(got, want) {
		t.Fatalf("merged update gives %q, want %q", dst.GetText("t").String(), txt.String())
	}
	a, _ := yproto.Decode(out[1].msg)
	if len(a.Awareness) != 2 || a.Awareness[0].Clock != 2 || string(a.Awareness[0].State) != `{"a":2}` {
		t.Fatalf("awareness coalesced to %+v", a.Awareness)
	}
	if p, _ := yproto.Decode(out[2].msg); p.Type != yproto.TypeAuth {
		t.Fatalf("third message is %v, want the permission denied", p.Type)
	}
}

// TestStep1AnswersAreCached: repeated step 1s against an unchanged
// document are answered from one encoding, and a client that does not
// read holds at most one answer.
func TestStep1AnswersAreCached(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{Rates: Rates{SyncStep1: 1000}})
	w := dial(t, r, "d", ConnOptions{})
	w.syncedInsert("hello")
	slow := dialStalled(t, r, "d")
	// Each step 1 states what slow really has (nothing yet): an answer
	// replaces a queued one because a client's state only grows, so a
	// step 1 claiming more than the client has (w's state vector, as this
	// test once sent) would rightly get only the difference, and the
	// client would never see "hello" if the first answer was still queued.
	for range 40 {
		slow.send(yproto.SyncStep1Message(slow.doc.EncodeStateVector()))
	}
	// The step 1s reach the room through slow's reader: wait for them.
	for deadline := time.Now().Add(5 * time.Second); testutil.ToFloat64(r.metrics.Step1Cached) < 38; {
		if time.Now().After(deadline) {
			t.Fatalf("%v cached answers, want at least 38 of 41", testutil.ToFloat64(r.metrics.Step1Cached))
		}
		time.Sleep(time.Millisecond)
	}
	w.insert(0, "x")
	w.until("echo", isUpdate)
	step2s := 0
	for slow.text() != "xhello" {
		if m, ok := slow.next(); !ok {
			t.Fatal("closed")
		} else if isStep2(m) {
			step2s++
		}
	}
	// One answer was being written when the others came; each later one
	// replaced the one queued before it.
	if step2s > 3 {
		t.Fatalf("%d step 2 answers sent to a reader that did not read, want at most 3", step2s)
	}
	slow.close()
	w.close()
}

// TestQueueBounds: the queue refuses an update beyond its byte budget
// unless it is alone (a large update is shared by every queue; a diff
// would be no smaller), and a resync replaces the queued updates and the
// queued answer.
func TestQueueBounds(t *testing.T) {
	var o outQueue
	var room atomic.Int64
	o.room = &room
	big := outItem{msg: make([]byte, 500), kind: kindUpdate}
	small := outItem{msg: make([]byte, 10), kind: kindUpdate}
	if res, drained := o.push(big, 8, 100); res != pushedStart || !drained {
		t.Fatalf("a lone large update: %v, drained %v", res, drained)
	}
	if res, drained := o.push(small, 8, 100); res != pushOverflow || drained {
		t.Fatalf("an update beyond the budget: %v, drained %v", res, drained)
	}
	o.push(outItem{msg: []byte("other")}, 8, 100)
	if _, ok := o.setSync(outItem{msg: []byte("diff"), private: 4}, true, 8); !ok {
		t.Fatal("setSync refused")
	}
	if len(o.q) != 2 || o.q[0].kind != kindOther || o.q[1].kind != kindSync || o.updates != 0 || o.bytes != 0 {
		t.Fatalf("after a resync the queue is %+v", o.q)
	}
	if room.Load() != 4 {
		t.Fatalf("room counts %d private bytes, want 4", room.Load())
	}
	o.setSync(outItem{msg: []byte("newer"), private: 5}, false, 8)
	if room.Load() != 5 || len(o.q) != 2 {
		t.Fatalf("a newer answer: room counts %d, queue %d items", room.Load(), len(o.q))
	}
	batch := o.take(nil, func() {})
	o.written(batch)
	if room.Load() != 0 {
		t.Fatalf("room counts %d after the writer is done", room.Load())
	}
}
