package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/redistest"
)

// The Redis bus on a real three-primary Redis Cluster (sharded pub/sub),
// and deployments kept apart by their prefix on one Redis.

// TestRedisClusterBus runs the Bus conformance suite on a cluster.
func TestRedisClusterBus(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	testBus(t, func(t *testing.T) (Bus, Bus, *busRecorder, *busRecorder) {
		a, ra := startBus(t, newRedisBus(t, cl.URL()))
		b, rb := startBus(t, newRedisBus(t, cl.URL()))
		return a, b, ra, rb
	})
}

// TestRedisClusterManyChannels: channels spread over every shard (one
// subscriber connection per bucket, each on its slot's primary); each
// delivers, and after one primary is killed and restarted (its
// nodes.conf kept) every channel is subscribed again and delivers.
func TestRedisClusterManyChannels(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	a, _ := startBus(t, newRedisBus(t, cl.URL()))
	rb := newRedisBus(t, cl.URL())
	b, rec := startBus(t, rb)
	const n = 300
	var chans []string
	want := map[string]bool{}
	for i := range n {
		ch := fmt.Sprintf("doc:s%d/notes", i)
		chans = append(chans, ch)
		want[ch] = true
		b.Subscribe(ch)
	}
	waitSubscribedAll(t, rec, want)
	for _, s := range cl.Nodes {
		if got := cl.ShardChannels(s, "test:*"); len(got) == 0 {
			t.Fatalf("node %s carries none of %d shard channels", s.Addr(), n)
		}
	}
	deliverAll(t, a, rec, chans, "before")

	victim := cl.Owner(rb.redisName(chans[0]))
	victim.Stop()
	victim.Restart()
	cl.WaitOK()
	// Every channel of the restarted shard is subscribed again (and
	// reported); the others never lost theirs.
	deliverAll(t, a, rec, chans, "after")
}

// waitSubscribedAll waits for the Subscribed notice of every channel in
// want, which it empties.
func waitSubscribedAll(t *testing.T, rec *busRecorder, want map[string]bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for len(want) > 0 {
		select {
		case d := <-rec.msgs:
			if d.subscribed {
				delete(want, d.channel)
			}
		case <-deadline:
			t.Fatalf("%d channels not subscribed within 20s", len(want))
		}
	}
}

// deliverAll publishes tag on every channel, again every 200ms (a
// publish may be lost while a shard recovers), until each channel has
// delivered it.
func deliverAll(t *testing.T, a Bus, rec *busRecorder, chans []string, tag string) {
	t.Helper()
	missing := map[string]bool{}
	for _, ch := range chans {
		missing[ch] = true
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(missing) > 0 {
		for ch := range missing {
			a.Publish(ch, []byte(tag+" "+ch))
		}
		round := time.After(200 * time.Millisecond)
	drain:
		for {
			select {
			case d := <-rec.msgs:
				if !d.subscribed && d.data == tag+" "+d.channel {
					delete(missing, d.channel)
				}
			case <-round:
				break drain
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d channels never delivered %q within 30s", len(missing), len(chans), tag)
		}
	}
}

func TestInstancesOverRedisCluster(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	testTwoInstances(t, newRedisBus(t, cl.URL()), newRedisBus(t, cl.URL()))
}

// TestRedisClusterPrimaryRestart: two instances edit one document while
// the primary of the shard carrying its channel is killed and restarted;
// what either side typed before, during and after reaches the other, and
// BusErr reports the outage and clears.
func TestRedisClusterPrimaryRestart(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	busA := newRedisBus(t, cl.URL())
	ra, _, a, b := twoInstances(t, busA, newRedisBus(t, cl.URL()))
	a.insert(0, "a0;")
	b.waitText("a0;")
	waitBusErr(t, ra, false)

	victim := cl.Owner(busA.redisName(docChannel("s/notes")))
	victim.Stop()
	// Typed while the document's shard is down: published into the void.
	a.insert(len(a.text()), "a1;")
	a.until("echo", isUpdate)
	b.insert(0, "b1;")
	b.until("echo", isUpdate)
	// The document's shard is unreachable: BusErr says so, although the
	// other shards (the probe's, perhaps) still work.
	waitPublishErr(t, ra)
	victim.Restart()
	cl.WaitOK()
	a.insert(len(a.text()), "a2;")
	a.until("echo", isUpdate)
	for _, c := range []*client{a, b} {
		c.until("every token", func(yproto.Message) bool {
			s := c.text()
			return strings.Contains(s, "a0;") && strings.Contains(s, "a1;") && strings.Contains(s, "a2;") && strings.Contains(s, "b1;")
		})
	}
	if a.text() != b.text() {
		t.Fatalf("instances differ after the restart: %q and %q", a.text(), b.text())
	}
	waitBusErr(t, ra, false)
	a.close()
	b.close()
}

// TestRedisPrefixIsolation: two deployments on one Redis, each with its
// own prefix, share document names but see nothing of each other, while
// the instances of one deployment (same prefix) converge.
func TestRedisPrefixIsolation(t *testing.T) {
	srv := redistest.Start(t)
	bus := func(prefix string) *RedisBus {
		b, err := NewRedisBus(RedisOptions{URL: srv.URL(), Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Deployment one: two instances. Deployment two: a raw bus endpoint
	// that records everything on the same channel names.
	other, rec := startBus(t, bus("cocreate:two:"))
	other.Subscribe(docChannel("s/notes"))
	other.Subscribe(controlChannel)
	rec.waitSubscribed(t, docChannel("s/notes"))
	rec.waitSubscribed(t, controlChannel)

	_, _, a, b := twoInstances(t, bus("cocreate:one:"), bus("cocreate:one:"))
	a.insert(0, "one;")
	b.waitText("one;")
	setAwareness(a, 1, `{"name":"ann"}`)
	waitAwareness(b, a.doc.ClientID(), `{"name":"ann"}`)
	// Deployment two saw none of it: updates, awareness, state exchanges.
	rec.quiet(t, 300*time.Millisecond)
	// Its own traffic does not reach deployment one either: once Redis
	// has delivered its update (back to itself), a marker from deployment
	// one arrives without it.
	d := crdt.NewDoc(crdt.DocOptions{})
	if err := d.GetText("t").Insert(0, "two;", nil); err != nil {
		t.Fatal(err)
	}
	u, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	other.Publish(docChannel("s/notes"), encodeFrame(uuid.New(), yproto.UpdateMessage(u)))
	if got := rec.next(t); got.channel != docChannel("s/notes") {
		t.Fatalf("deployment two got %q on %q", got.data, got.channel)
	}
	a.insert(len(a.text()), "marker;")
	b.waitText("one;marker;")
	if strings.Contains(a.text(), "two") || strings.Contains(b.text(), "two") {
		t.Fatalf("deployment two's update reached deployment one: %q / %q", a.text(), b.text())
	}
	a.close()
	b.close()
}

// TestRedisClusterErrPerShard: on a cluster a publish failure is only
// forgotten once a publish to the same bucket works, not when another
// shard answers (which would make /readyz flap while one shard is down).
func TestRedisClusterErrPerShard(t *testing.T) {
	b := newRedisBus(t, "redis+cluster://127.0.0.1:1,127.0.0.1:2")
	t.Cleanup(func() { b.Close() })
	down, up := "doc:a", "doc:b"
	for i := 0; b.bucket(down) == b.bucket(up); i++ {
		up = fmt.Sprintf("doc:b%d", i)
	}
	cmd := func(err error) redis.Cmder {
		c := redis.NewIntCmd(context.Background())
		c.SetErr(err)
		return c
	}
	refused := errors.New("connection refused")
	b.notePublish([]redisPub{{channel: down}, {channel: up}}, []redis.Cmder{cmd(refused), cmd(nil)}, refused)
	if err := b.Err(); err == nil || !errors.Is(err, refused) {
		t.Fatalf("Err() = %v after a failed publish", err)
	}
	b.notePublish([]redisPub{{channel: up}}, []redis.Cmder{cmd(nil)}, nil)
	if err := b.Err(); err == nil {
		t.Fatal("Err() = nil after a publish to another shard worked; the failing one was never retried")
	}
	b.notePublish([]redisPub{{channel: up}, {channel: down}}, []redis.Cmder{cmd(nil), cmd(nil)}, nil)
	if err := b.Err(); err != nil {
		t.Fatalf("Err() = %v after a publish to the failing bucket worked", err)
	}
	if got := b.Dropped(); got != 1 {
		t.Fatalf("Dropped() = %d, want the one failed publish", got)
	}
}

// TestRedisClusterSlotMoved: when resharding moves a channel's slot to
// another shard, the old shard drops its subscribers; the bus subscribes
// again on the new owner and the channel delivers.
func TestRedisClusterSlotMoved(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	a, _ := startBus(t, newRedisBus(t, cl.URL()))
	rb := newRedisBus(t, cl.URL())
	b, rec := startBus(t, rb)
	chans := []string{"doc:moving", "doc:staying"}
	for _, ch := range chans {
		b.Subscribe(ch)
		rec.waitSubscribed(t, ch)
	}
	deliverAll(t, a, rec, chans, "before")
	name := rb.redisName("doc:moving")
	to := cl.Nodes[0]
	if cl.Owner(name) == to {
		to = cl.Nodes[1]
	}
	cl.MoveSlot(name, to)
	if cl.Owner(name) != to {
		t.Fatal("the slot did not move")
	}
	deliverAll(t, a, rec, chans, "after")
}
