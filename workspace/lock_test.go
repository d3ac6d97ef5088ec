package workspace

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/redistest"
	"github.com/cocreate/cocreate/notes"
)

// slowStore stalls the first Load of a meeting document until release
// is closed, telling stalled when it starts: a store that hangs while an
// instance holds the meeting lock.
type slowStore struct {
	Store
	once    sync.Once
	stalled chan struct{}
	release chan struct{}
}

func (s *slowStore) Load(ctx context.Context, doc string) (notes.State, error) {
	if strings.HasSuffix(doc, "/meeting") {
		s.once.Do(func() {
			close(s.stalled)
			<-s.release
		})
	}
	return s.Store.Load(ctx, doc)
}

// TestMeetingLockHeldPastTTL: instance A takes a session's meeting lock
// and then stalls on its store for many times the lock's TTL; instance B
// runs the same command meanwhile. The commands still run one after the
// other: alice's hand is raised once, and the second raise is refused
// as a conflict. (With a lock that expires while held, B ran its command
// beside A's, on a meeting state without A's raise, and both succeeded.)
func TestMeetingLockHeldPastTTL(t *testing.T) {
	rs := redistest.Start(t)
	const ttl = 150 * time.Millisecond
	newLock := func() *hub.RedisLock {
		l, err := hub.NewRedisLock(hub.RedisLockOptions{URL: rs.URL(), TTL: ttl, Wait: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	shared := notes.NewMemoryStore()
	createSession(t, shared, "s", "host")
	slow := &slowStore{Store: shared, stalled: make(chan struct{}), release: make(chan struct{})}
	net := hub.NewMemoryNetwork()
	a := newInstance(t, slow, hub.NewMemoryBus(net), newLock())
	b := newInstance(t, shared, hub.NewMemoryBus(net), newLock())
	alice := Caller{Subject: "alice", Name: "Alice"}
	raise := []byte(`{"type":"hand.raise"}`)

	errs := make(chan error, 2)
	go func() {
		_, err := a.ws.Command(context.Background(), alice, "s", raise)
		errs <- err
	}()
	<-slow.stalled // A holds the lock and waits for its store
	go func() {
		_, err := b.ws.Command(context.Background(), alice, "s", raise)
		errs <- err
	}()
	// Stall A for many TTLs, however long B has been waiting. B cannot
	// finish first unless it overtook A's lock.
	select {
	case err := <-errs:
		t.Fatalf("B's command finished while A held the lock (err %v): the lock was overtaken", err)
	case <-time.After(10 * ttl):
	}
	close(slow.release)
	var ok, conflicts int
	for range 2 {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrConflict):
			conflicts++
		default:
			t.Fatalf("command: %v", err)
		}
	}
	if ok != 1 || conflicts != 1 {
		t.Fatalf("%d raises succeeded and %d conflicted; want one of each (commands serialised)", ok, conflicts)
	}
}
