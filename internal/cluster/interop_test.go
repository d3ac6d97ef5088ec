package cluster

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/interoptest"
	"github.com/cocreate/cocreate/internal/redistest"
)

// TestNodeAndGoOnTwoInstances: stock y-websocket clients edit on
// instance 1 while a Go client edits on instance 2; a node joiner on
// instance 3 and the Go client end with the same document, and node
// awareness on instance 1 reaches a Go client on instance 2.
func TestNodeAndGoOnTwoInstances(t *testing.T) {
	interoptest.Need(t)
	testNodeAndGo(t, redistest.Start(t).URL())
}

func testNodeAndGo(t *testing.T, redisURL string) {
	_, ins := startCluster(t, 3, redisURL)
	const doc = "interop/notes"
	gc := dial(t, ins[1].SyncURL(), doc)
	interoptest.EditAlongside(t, gc, 40, nil, ins[0].SyncURL(), doc, "11")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The Go client's edits have all reached instance 3 once a node
	// joiner there sees all 40; then both must hold the same state.
	var want interoptest.State
	for {
		want = interoptest.Run(t, "read", ins[2].SyncURL(), doc)
		if len(want.Go) == 40 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("a node joiner on instance 3 sees %d of the Go client's 40 edits", len(want.Go))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if want.XML == "" || want.Map == nil {
		t.Fatalf("node edits from instance 1 missing on instance 3: %+v", want)
	}
	var got interoptest.State
	if err := gc.Wait(ctx, func(d *crdt.Doc) bool { got = interoptest.GoState(d); return reflect.DeepEqual(got, want) }); err != nil {
		t.Fatalf("Go client on instance 2:\n%+v\nnode joiner on instance 3:\n%+v", got, want)
	}

	// Node awareness on instance 1 reaches the Go client on instance 2,
	// and so does its removal.
	seen := func(m map[uint64]json.RawMessage) bool {
		for _, st := range m {
			// The server stamps the sender's identity (user) beside it.
			if strings.HasPrefix(string(st), `{"name":"node",`) {
				return true
			}
		}
		return false
	}
	interoptest.AwareSeenAndGone(t, ctx, gc, ins[0].SyncURL(), doc, seen)
}
