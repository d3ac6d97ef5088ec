package hub

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

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
	other := dial(t, r, "d", ConnOptions{})
	other.until("step 2", isStep2)

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

	want := ""
	for i := range 20 {
		s := strconv.Itoa(i % 10)
		c.insert(0, s)
		want = s + want
		other.waitText(want) // the reader has had it: the next needs a new wait
	}
	if n := wp.waits.Load(); n < 21 {
		t.Fatalf("the reader waited %d times for 21 bursts of input", n)
	}

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
