package hub

import (
	"context"
	"testing"
	"time"

	"github.com/cocreate/cocreate/notes"
)

// gateStore is a store whose Load waits until the test opens gate, and
// says so on loading.
type gateStore struct {
	notes.Store
	loading chan struct{}
	gate    chan struct{}
}

func (s *gateStore) Load(ctx context.Context, doc string) (notes.State, error) {
	s.loading <- struct{}{}
	<-s.gate
	return s.Store.Load(ctx, doc)
}

// TestCloseWhileJoining: a connection joins a document while the
// registry shuts down. Its join is queued for the room while the room
// is still loading, and the shutdown comes before the room's run loop
// reads its inbox, so the loop has the join and the shutdown to choose
// from. The connection must be closed with 1001 all the same and Close
// must finish. (The room used to stop on the shutdown and leave the
// join in its inbox, unread half of the time: the connection was never
// closed, its reader waited for its peer, and Close waited for it until
// its deadline — a server shutdown that timed out while a client was
// reconnecting.) Repeated, as the loop's choice is random.
func TestCloseWhileJoining(t *testing.T) {
	for i := range 20 {
		store := &gateStore{Store: notes.NewMemoryStore(), loading: make(chan struct{}), gate: make(chan struct{})}
		r := New(Config{Store: store, FlushInterval: time.Hour})
		p := newPipe(16)
		served := make(chan error, 1)
		go func() { served <- r.Serve(context.Background(), "d", p, ConnOptions{}) }()
		<-store.loading
		// The join is queued (Serve sends it right after starting the room).
		r.mu.Lock()
		rm := r.rooms["d"]
		r.mu.Unlock()
		for len(rm.inbox) == 0 {
			time.Sleep(time.Millisecond)
		}
		closed := make(chan error, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		go func() { closed <- r.Close(ctx) }()
		<-r.shutdown
		close(store.gate)
		err := <-closed
		cancel()
		if err != nil {
			p.CloseNow() // let the stuck Serve end
			<-served
			t.Fatalf("round %d: Close = %v with a connection joining", i, err)
		}
		if code, reason := p.closeStatus(); code != StatusGoingAway {
			t.Fatalf("round %d: the joining connection was closed with %d %q, want 1001", i, code, reason)
		}
		if err := <-served; err != nil {
			t.Fatalf("round %d: Serve = %v", i, err)
		}
	}
}
