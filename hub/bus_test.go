package hub

import (
	"fmt"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/redistest"
)

// The conformance suite every Bus implementation passes (centrifuge's
// broker tests are the model): run against MemoryBus and RedisBus.

// busPair makes two started endpoints of one bus (two instances) with
// their recorders; they are closed when the test ends.
type busPair func(t *testing.T) (a, b Bus, ra, rb *busRecorder)

// busRecorder is a BusHandler that records what it gets.
type busRecorder struct {
	msgs chan busDelivery
}

type busDelivery struct {
	channel    string
	data       string
	subscribed bool
}

func newBusRecorder() *busRecorder { return &busRecorder{msgs: make(chan busDelivery, 4096)} }

func (r *busRecorder) Message(channel string, data []byte) {
	r.msgs <- busDelivery{channel: channel, data: string(data)}
}

func (r *busRecorder) Subscribed(channel string) {
	r.msgs <- busDelivery{channel: channel, subscribed: true}
}

// next returns the next delivery that is not a Subscribed notice.
func (r *busRecorder) next(t *testing.T) busDelivery {
	t.Helper()
	for {
		select {
		case d := <-r.msgs:
			if !d.subscribed {
				return d
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no message from the bus within 10s")
		}
	}
}

// waitSubscribed waits for the Subscribed notice of channel.
func (r *busRecorder) waitSubscribed(t *testing.T, channel string) {
	t.Helper()
	for {
		select {
		case d := <-r.msgs:
			if d.subscribed && d.channel == channel {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no subscription to %q within 10s", channel)
		}
	}
}

// quiet asserts that nothing but Subscribed notices arrives for a moment
// (a check that something does not happen cannot wait for an event).
func (r *busRecorder) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-r.msgs:
			if !m.subscribed {
				t.Fatalf("unexpected message %q on %q", m.data, m.channel)
			}
		case <-deadline:
			return
		}
	}
}

func testBus(t *testing.T, pair busPair) {
	t.Run("Deliver", func(t *testing.T) {
		a, b, ra, rb := pair(t)
		a.Subscribe("doc:x")
		b.Subscribe("doc:x")
		ra.waitSubscribed(t, "doc:x")
		rb.waitSubscribed(t, "doc:x")
		a.Publish("doc:x", []byte("hello"))
		// Every subscriber gets it, the publisher's own subscription too.
		for _, r := range []*busRecorder{ra, rb} {
			if d := r.next(t); d.channel != "doc:x" || d.data != "hello" {
				t.Fatalf("got %q on %q, want hello on doc:x", d.data, d.channel)
			}
		}
		if err := a.Err(); err != nil {
			t.Fatalf("Err() = %v on a working bus", err)
		}
	})
	t.Run("OrderAndChannels", func(t *testing.T) {
		a, b, _, rb := pair(t)
		b.Subscribe("doc:one")
		rb.waitSubscribed(t, "doc:one")
		const n = 500
		for i := range n {
			a.Publish("doc:one", fmt.Appendf(nil, "m%d", i))
			a.Publish("doc:other", []byte("not subscribed"))
		}
		for i := range n {
			d := rb.next(t)
			if want := fmt.Sprintf("m%d", i); d.data != want || d.channel != "doc:one" {
				t.Fatalf("message %d is %q on %q, want %q on doc:one", i, d.data, d.channel, want)
			}
		}
	})
	t.Run("Unsubscribe", func(t *testing.T) {
		a, b, _, rb := pair(t)
		b.Subscribe("doc:u")
		rb.waitSubscribed(t, "doc:u")
		b.Unsubscribe("doc:u")
		// A marker on a channel still subscribed shows that the
		// unsubscription has been applied before it.
		b.Subscribe("doc:marker")
		rb.waitSubscribed(t, "doc:marker")
		a.Publish("doc:u", []byte("gone"))
		a.Publish("doc:marker", []byte("marker"))
		if d := rb.next(t); d.data != "marker" {
			t.Fatalf("got %q on %q after unsubscribing, want only the marker", d.data, d.channel)
		}
		rb.quiet(t, 100*time.Millisecond)
		// Subscribing again works.
		b.Subscribe("doc:u")
		rb.waitSubscribed(t, "doc:u")
		a.Publish("doc:u", []byte("back"))
		if d := rb.next(t); d.data != "back" {
			t.Fatalf("got %q, want back", d.data)
		}
	})
	t.Run("BinaryAndLarge", func(t *testing.T) {
		a, b, _, rb := pair(t)
		b.Subscribe("doc:bin")
		rb.waitSubscribed(t, "doc:bin")
		big := make([]byte, 1<<20)
		for i := range big {
			big[i] = byte(i * 7)
		}
		a.Publish("doc:bin", big)
		if d := rb.next(t); d.data != string(big) {
			t.Fatalf("a 1 MiB binary message arrived changed (%d bytes)", len(d.data))
		}
	})
}

func TestMemoryBus(t *testing.T) {
	testBus(t, func(t *testing.T) (Bus, Bus, *busRecorder, *busRecorder) {
		network := NewMemoryNetwork()
		a, ra := startBus(t, NewMemoryBus(network))
		b, rb := startBus(t, NewMemoryBus(network))
		return a, b, ra, rb
	})
}

func TestRedisBus(t *testing.T) {
	srv := redistest.Start(t)
	testBus(t, func(t *testing.T) (Bus, Bus, *busRecorder, *busRecorder) {
		a, ra := startBus(t, newRedisBus(t, srv.URL()))
		b, rb := startBus(t, newRedisBus(t, srv.URL()))
		return a, b, ra, rb
	})
}

// TestRedisBusRestart: while Redis is away the bus reports an error; when
// it is back go-redis reconnects, every channel is resubscribed (and
// reported, which is what makes rooms heal), and messages flow again.
func TestRedisBusRestart(t *testing.T) {
	srv := redistest.Start(t)
	a, _ := startBus(t, newRedisBus(t, srv.URL()))
	b, rb := startBus(t, newRedisBus(t, srv.URL()))
	b.Subscribe("doc:r")
	rb.waitSubscribed(t, "doc:r")
	a.Publish("doc:r", []byte("before"))
	if d := rb.next(t); d.data != "before" {
		t.Fatalf("got %q", d.data)
	}
	srv.Stop()
	deadline := time.Now().Add(20 * time.Second)
	for a.Err() == nil {
		if time.Now().After(deadline) {
			t.Fatal("Err() still nil 20s after Redis went away")
		}
		a.Publish("doc:r", []byte("lost"))
		time.Sleep(50 * time.Millisecond)
	}
	srv.Restart()
	rb.waitSubscribed(t, "doc:r")
	for {
		a.Publish("doc:r", []byte("after"))
		select {
		case d := <-rb.msgs:
			if d.data == "after" {
				if err := a.Err(); err != nil {
					// The publish that got through cleared it.
					t.Fatalf("Err() = %v after a message got through", err)
				}
				return
			}
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no message through Redis after its restart")
		}
	}
}

func TestRedisBusBadURL(t *testing.T) {
	if _, err := NewRedisBus(RedisOptions{URL: "http://nope"}); err == nil {
		t.Fatal("NewRedisBus accepted an http:// URL")
	}
}

func newRedisBus(t *testing.T, url string) *RedisBus {
	t.Helper()
	b, err := NewRedisBus(RedisOptions{URL: url, Prefix: "test:"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func startBus(t *testing.T, b Bus) (Bus, *busRecorder) {
	t.Helper()
	r := newBusRecorder()
	if err := b.Start(r); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b, r
}

// TestRedisBusReconnect: Reconnect replaces the subscriber connection;
// every channel is subscribed again (and reported) and messages flow on
// the new connection, once each.
func TestRedisBusReconnect(t *testing.T) {
	srv := redistest.Start(t)
	a, _ := startBus(t, newRedisBus(t, srv.URL()))
	rb := newRedisBus(t, srv.URL())
	b, rec := startBus(t, rb)
	b.Subscribe("doc:1")
	b.Subscribe("doc:2")
	rec.waitSubscribed(t, "doc:1")
	rec.waitSubscribed(t, "doc:2")
	b.Unsubscribe("doc:2")
	rb.Reconnect()
	rec.waitSubscribed(t, "doc:1")
	a.Publish("doc:2", []byte("unsubscribed"))
	a.Publish("doc:1", []byte("after"))
	if d := rec.next(t); d.data != "after" || d.channel != "doc:1" {
		t.Fatalf("got %q on %q after Reconnect, want after on doc:1", d.data, d.channel)
	}
	rec.quiet(t, 200*time.Millisecond)
}
