package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/redistest"
)

// startCluster runs n instances on one Redis and one data directory.
func startCluster(t *testing.T, n int, redisURL string) (string, []*instance) {
	t.Helper()
	data := t.TempDir()
	var ins []*instance
	for i := range n {
		ins = append(ins, startInstance(t, "instance"+string(rune('1'+i)), data, redisURL))
	}
	return data, ins
}

// TestEditOnThreeInstances: clients on three instances edit one document
// at once and converge; awareness set on instance 1 reaches a client on
// instance 3, and its removal too.
func TestEditOnThreeInstances(t *testing.T) {
	testEditOnThreeInstances(t, redistest.Start(t).URL())
}

func testEditOnThreeInstances(t *testing.T, redisURL string) {
	_, ins := startCluster(t, 3, redisURL)
	const doc = "c/notes"
	var clients []*client.Client
	for i := range 6 {
		clients = append(clients, dial(t, ins[i%3].SyncURL(), doc))
	}
	typing := typeAll(clients, "c", 30, 2*time.Millisecond)
	tokens := typing()
	converge(t, clients, tokens)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := clients[0].SetAwareness(map[string]string{"name": "on instance 1"}); err != nil {
		t.Fatal(err)
	}
	seen := func(m map[uint64]json.RawMessage) bool {
		for _, st := range m {
			// The server stamps the sender's identity (user) beside it.
			if strings.HasPrefix(string(st), `{"name":"on instance 1",`) {
				return true
			}
		}
		return false
	}
	if err := clients[2].WaitAwareness(ctx, seen); err != nil {
		t.Fatalf("awareness from instance 1 never reached instance 3: %v", err)
	}
	clients[0].Close()
	if err := clients[2].WaitAwareness(ctx, func(m map[uint64]json.RawMessage) bool { return !seen(m) }); err != nil {
		t.Fatalf("awareness removal from instance 1 never reached instance 3: %v", err)
	}
}

// TestKillInstance: an instance is killed (SIGKILL) while clients type on
// all three; its clients reconnect (through their proxy) to another
// instance, everyone converges, nothing typed is lost, and an instance
// started afterwards on the same data and Redis serves the full state.
func TestKillInstance(t *testing.T) {
	redis := redistest.Start(t)
	data, ins := startCluster(t, 3, redis.URL())
	const doc = "k/notes"
	backends := []string{ins[0].Addr, ins[1].Addr, ins[2].Addr}
	var clients []*client.Client
	for i := range 6 {
		// Each client's proxy prefers one instance and falls over to the
		// next when it is gone, as a load balancer would.
		p := newProxy(t, i%3, backends...)
		clients = append(clients, dial(t, "ws://"+p.Addr()+"/sync", doc))
	}
	typing := typeAll(clients, "k", 60, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // mid-typing
	ins[1].Kill()
	tokens := typing()
	final := converge(t, clients, tokens)
	for _, i := range []int{1, 4} {
		if clients[i].Connects() < 2 {
			t.Errorf("client %d of the killed instance never reconnected", i)
		}
	}

	late := startInstance(t, "late", data, redis.URL())
	lc := dial(t, late.SyncURL(), doc)
	converge(t, []*client.Client{lc, clients[0]}, tokens)
	if got := clienttest.Text(lc); got != final {
		t.Fatalf("late instance serves %q, want %q", got, final)
	}
}

// TestRedisRestart: Redis goes away mid-editing and comes back; clients
// keep typing on every instance all along, the instances report
// "degraded" meanwhile, and everything converges once Redis is back.
func TestRedisRestart(t *testing.T) {
	redis := redistest.Start(t)
	_, ins := startCluster(t, 3, redis.URL())
	clients := dialEach(t, ins, "r/notes")
	tokens := busOutage(clients, "r", 150, ins[0], "while Redis is down", redis.Stop, redis.Restart)
	healed(t, "Redis's return", clients, tokens)
	for _, in := range ins {
		in.WaitReady(http.StatusOK)
	}
}

// TestRedisLinkCut: the network between one instance and Redis drops
// (a proxy closes the connections and refuses new ones) and comes back;
// that instance reports degraded meanwhile and heals like after a Redis
// restart.
func TestRedisLinkCut(t *testing.T) {
	link, ins := behindLink(t, "cut-off", 2)
	cutOff := ins[0]
	clients := dialEach(t, ins, "p/notes")
	tokens := busOutage(clients, "p", 150, cutOff, "with its link cut", link.Cut, func() {
		if code, body := ins[1].Get("/readyz"); code != http.StatusOK {
			t.Errorf("an instance still linked to Redis reports %d %q", code, body)
		}
		link.Restore()
	})
	healed(t, "the link's return", clients, tokens)
	cutOff.WaitReady(http.StatusOK)
}

// TestRedisLinkFrozen: the link between one instance and Redis goes
// silent (nothing delivered, nothing closed: a partition). go-redis does
// not notice on its subscriber connection; the instance's lost probes do,
// it reports degraded, reconnects its subscriber, and heals once the link
// works again.
func TestRedisLinkFrozen(t *testing.T) {
	link, ins := behindLink(t, "frozen", 1)
	frozen := ins[0]
	clients := dialEach(t, ins, "f/notes")
	tokens := busOutage(clients, "f", 200, frozen, "while partitioned", link.Freeze, link.Thaw)
	converge(t, clients, tokens)
	frozen.WaitReady(http.StatusOK)
}

// behindLink starts Redis, an instance named name that reaches it
// through a proxy (returned, to cut or freeze the link) and others
// instances that reach it directly; the one behind the link comes first.
func behindLink(t *testing.T, name string, others int) (*proxy, []*instance) {
	t.Helper()
	redis := redistest.Start(t)
	data := t.TempDir()
	link := newProxy(t, 0, redis.Addr())
	ins := []*instance{startInstance(t, name, data, "redis://"+link.Addr()+"/0")}
	for i := range others {
		ins = append(ins, startInstance(t, fmt.Sprintf("other%d", i+1), data, redis.URL()))
	}
	return link, ins
}

// dialEach dials doc on each instance.
func dialEach(t *testing.T, ins []*instance, doc string) []*client.Client {
	t.Helper()
	var clients []*client.Client
	for _, in := range ins {
		clients = append(clients, dial(t, in.SyncURL(), doc))
	}
	return clients
}

// busOutage has every client type n tokens (typeAll, a token every
// 10ms) while the bus goes away from in (cut), which must report
// degraded, and comes back (mend); it returns the tokens once typed.
func busOutage(clients []*client.Client, prefix string, n int, in *instance, when string, cut, mend func()) []string {
	in.t.Helper()
	typing := typeAll(clients, prefix, n, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	cut()
	in.waitDegraded(when)
	time.Sleep(300 * time.Millisecond)
	mend()
	return typing()
}

// waitDegraded waits until in's /readyz is 503 "degraded" (when names
// the moment in the failure).
func (in *instance) waitDegraded(when string) {
	in.t.Helper()
	if body := in.WaitReady(http.StatusServiceUnavailable); !strings.Contains(body, "degraded") {
		in.t.Fatalf("/readyz of %s %s: %q, want degraded", in.name, when, body)
	}
}

// healed waits for convergence once the typing has ended (it ends after
// the bus came back) and checks the bound: converged within 5 s.
// The time is logged; with --sync-interval 300ms it is well under a
// second here.
func healed(t *testing.T, what string, clients []*client.Client, tokens []string) {
	t.Helper()
	start := time.Now()
	converge(t, clients, tokens)
	took := time.Since(start)
	t.Logf("converged %v after the typing ended, after %s", took.Round(time.Millisecond), what)
	if took > 5*time.Second {
		t.Errorf("converged %v after %s, want within 5s", took, what)
	}
}

// TestDeploymentsShareRedis: two deployments (different stores, so
// different derived --redis-prefix) on one redis-server edit a document
// of the same name. The two instances of the first converge; the second
// deployment's instance hears nothing of them over the bus, and they
// nothing of it.
func TestDeploymentsShareRedis(t *testing.T) {
	redis := redistest.Start(t)
	_, one := startCluster(t, 2, redis.URL())
	_, two := startCluster(t, 1, redis.URL())
	const doc = "iso/notes"
	a1, a2 := dial(t, one[0].SyncURL(), doc), dial(t, one[1].SyncURL(), doc)
	b := dial(t, two[0].SyncURL(), doc)
	aTokens := typeAll([]*client.Client{a1, a2}, "one", 20, 5*time.Millisecond)()
	bTokens := typeAll([]*client.Client{b}, "two", 20, 5*time.Millisecond)()
	converge(t, []*client.Client{a1, a2}, aTokens)
	converge(t, []*client.Client{b}, bTokens)

	// Let the first deployment's instances exchange state a few more
	// times (counted, not timed): any of it reaching the second would
	// show there.
	for start := busIn(t, one[0], "state"); busIn(t, one[0], "state") < start+3; {
		time.Sleep(50 * time.Millisecond)
	}
	for _, kind := range []string{"update", "awareness", "state", "diff"} {
		if n := busIn(t, two[0], kind); n != 0 {
			t.Errorf("the second deployment received %v %s messages over the bus", n, kind)
		}
	}
	if got := clienttest.Text(b); strings.Contains(got, "one") {
		t.Errorf("the second deployment's document holds the first's edits: %q", got)
	}
	if got := clienttest.Text(a1); strings.Contains(got, "two") {
		t.Errorf("the first deployment's document holds the second's edits: %q", got)
	}
}

// busIn reads cocreate_bus_messages_total{dir="in",kind=kind} from an
// instance's /metrics.
func busIn(t *testing.T, in *instance, kind string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + in.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := `cocreate_bus_messages_total{dir="in",kind="` + kind + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %q: %v", sc.Text(), err)
			}
			return n
		}
	}
	return 0 // never counted
}
