package cluster

import (
	"bufio"
	"context"
	"encoding/json"
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
	const doc = "r/notes"
	var clients []*client.Client
	for i := range 3 {
		clients = append(clients, dial(t, ins[i].SyncURL(), doc))
	}
	typing := typeAll(clients, "r", 150, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	redis.Stop()
	body := ins[0].WaitReady(http.StatusServiceUnavailable)
	if !strings.Contains(body, "degraded") {
		t.Fatalf("/readyz while Redis is down: %q, want degraded", body)
	}
	time.Sleep(300 * time.Millisecond)
	redis.Restart()
	tokens := typing()
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
	redis := redistest.Start(t)
	data := t.TempDir()
	link := newProxy(t, 0, redis.Addr())
	cutOff := startInstance(t, "cut-off", data, "redis://"+link.Addr()+"/0")
	others := []*instance{
		startInstance(t, "other1", data, redis.URL()),
		startInstance(t, "other2", data, redis.URL()),
	}
	const doc = "p/notes"
	clients := []*client.Client{dial(t, cutOff.SyncURL(), doc), dial(t, others[0].SyncURL(), doc), dial(t, others[1].SyncURL(), doc)}
	typing := typeAll(clients, "p", 150, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	link.Cut()
	body := cutOff.WaitReady(http.StatusServiceUnavailable)
	if !strings.Contains(body, "degraded") {
		t.Fatalf("/readyz of the cut-off instance: %q, want degraded", body)
	}
	if code, body := others[0].Get("/readyz"); code != http.StatusOK {
		t.Errorf("an instance still linked to Redis reports %d %q", code, body)
	}
	time.Sleep(300 * time.Millisecond)
	link.Restore()
	tokens := typing()
	healed(t, "the link's return", clients, tokens)
	cutOff.WaitReady(http.StatusOK)
}

// TestRedisLinkFrozen: the link between one instance and Redis goes
// silent (nothing delivered, nothing closed: a partition). go-redis does
// not notice on its subscriber connection; the instance's lost probes do,
// it reports degraded, reconnects its subscriber, and heals once the link
// works again.
func TestRedisLinkFrozen(t *testing.T) {
	redis := redistest.Start(t)
	data := t.TempDir()
	link := newProxy(t, 0, redis.Addr())
	frozen := startInstance(t, "frozen", data, "redis://"+link.Addr()+"/0")
	other := startInstance(t, "other", data, redis.URL())
	const doc = "f/notes"
	clients := []*client.Client{dial(t, frozen.SyncURL(), doc), dial(t, other.SyncURL(), doc)}
	typing := typeAll(clients, "f", 200, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	link.Freeze()
	body := frozen.WaitReady(http.StatusServiceUnavailable)
	if !strings.Contains(body, "degraded") {
		t.Fatalf("/readyz of the partitioned instance: %q, want degraded", body)
	}
	link.Thaw()
	tokens := typing()
	converge(t, clients, tokens)
	frozen.WaitReady(http.StatusOK)
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
