package cluster

import (
	"regexp"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/internal/interoptest"
	"github.com/cocreate/cocreate/internal/redistest"
)

// The instances joined by a real three-primary Redis Cluster
// (--redis redis+cluster://…): sharded pub/sub for the bus, the meeting
// lock's keys on whichever shard owns them.

// TestEditOnRedisCluster: TestEditOnThreeInstances over a cluster —
// edits and awareness cross instances.
func TestEditOnRedisCluster(t *testing.T) {
	testEditOnThreeInstances(t, redistest.StartCluster(t, 3).URL())
}

// TestNodeAndGoOnRedisCluster: TestNodeAndGoOnTwoInstances over a
// cluster — stock y-websocket clients and a Go client on different
// instances.
func TestNodeAndGoOnRedisCluster(t *testing.T) {
	interoptest.Need(t)
	testNodeAndGo(t, redistest.StartCluster(t, 3).URL())
}

// TestMeetingCommandsOnRedisCluster: the meeting lock serialises
// commands across instances on a cluster too, its keys behind the
// deployment's derived prefix.
func TestMeetingCommandsOnRedisCluster(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	testMeetingCommandsAcrossInstances(t, cl.URL())
	keys := cl.Keys("cocreate:*lock-value:*")
	if len(keys) != 1 || !derivedKey.MatchString(keys[0]) {
		t.Fatalf("meeting state keys %q, want one cocreate:<12 hex>:lock-value:{meeting:<session>}", keys)
	}
}

var derivedKey = regexp.MustCompile(`^cocreate:[0-9a-f]{12}:lock-value:\{meeting:.`)

// TestRedisClusterPrimaryRestart: clients on three instances type while
// every shard's primary in turn is killed (SIGKILL) and restarted with
// its nodes.conf, every client typing while it is down — so the shards of the document's channel, of the
// control channel and of each instance's probe channel all go away once;
// everyone converges and nothing typed is lost, and every instance is
// ready again afterwards.
func TestRedisClusterPrimaryRestart(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	_, ins := startCluster(t, 3, cl.URL())
	const doc = "rc/notes"
	var clients []*client.Client
	for i := range 6 {
		clients = append(clients, dial(t, ins[i%3].SyncURL(), doc))
	}
	// Typing all along, and a burst from every client while each
	// primary is down.
	typing := typeAll(clients, "rc", 150, 20*time.Millisecond)
	var tokens []string
	for i, node := range cl.Nodes {
		time.Sleep(200 * time.Millisecond)
		node.Stop()
		tokens = append(tokens, typeAll(clients, "down"+string(rune('1'+i)), 10, 10*time.Millisecond)()...)
		node.Restart()
		cl.WaitOK()
	}
	tokens = append(tokens, typing()...)
	converge(t, clients, tokens)
	for _, in := range ins {
		in.WaitReady(200)
	}
}
