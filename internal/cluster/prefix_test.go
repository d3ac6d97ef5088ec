package cluster

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/internal/redistest"
)

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
	if got := text(b); strings.Contains(got, "one") {
		t.Errorf("the second deployment's document holds the first's edits: %q", got)
	}
	if got := text(a1); strings.Contains(got, "two") {
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
