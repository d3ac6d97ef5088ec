package server

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/interoptest"
)

func waitState(t *testing.T, c *client.Client, want interoptest.State) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got interoptest.State
	err := c.Wait(ctx, func(d *crdt.Doc) bool { got = interoptest.GoState(d); return reflect.DeepEqual(got, want) })
	if err != nil {
		t.Fatalf("Go client state:\n%+v\nwant:\n%+v", got, want)
	}
}

// TestNodeInterop drives stock y-websocket clients against the server:
// random edits with disconnects converge with each other and with a Go
// client; late joiners, before and after a restart, get identical state;
// awareness from a node client reaches a Go client and is removed when it
// leaves.
func TestNodeInterop(t *testing.T) {
	interoptest.Need(t)
	dir := t.TempDir()
	ts := startServer(t, dir, nil)
	url := strings.Replace(ts.url, "http", "ws", 1) + "/sync"
	const doc = "interop/notes"

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gc, err := client.Dial(ctx, url, doc, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	if err := gc.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	// The Go client edits while the node clients do.
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 40 {
			gc.Do(func(d *crdt.Doc) {
				txt := d.GetText("t")
				txt.Insert(i%(txt.Len()+1), "G", nil)
				d.GetArray("g").Push(i)
				if i%10 == 0 {
					d.GetArray("a").Insert(0, "go")
				}
			})
			time.Sleep(5 * time.Millisecond)
		}
	})
	interoptest.Run(t, "edit", url, doc, "7")
	wg.Wait()

	late := interoptest.Run(t, "read", url, doc)
	waitState(t, gc, late)
	if len(late.Go) != 40 {
		t.Fatalf("the Go client's 40 edits are not all in %v", late.Go)
	}
	if late.XML == "" || late.Map == nil {
		t.Fatalf("node edits missing: %+v", late)
	}

	gc.Close()
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	ts = startServer(t, dir, nil)
	url = strings.Replace(ts.url, "http", "ws", 1) + "/sync"
	if after := interoptest.Run(t, "read", url, doc); !reflect.DeepEqual(after, late) {
		t.Fatalf("after restart a node joiner got\n%+v\nwant\n%+v", after, late)
	}

	// Awareness from a node client reaches a Go client, and goes away
	// when the node client leaves.
	watcher, err := client.Dial(ctx, url, doc, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	// The server stamps the connection's identity on the state it relays.
	seen := func(m map[uint64]json.RawMessage) bool {
		for _, raw := range m {
			var st struct {
				Name string `json:"name"`
				User struct {
					Name string `json:"name"`
				} `json:"user"`
			}
			if json.Unmarshal(raw, &st) == nil && st.Name == "node" && strings.HasPrefix(st.User.Name, "Guest ") {
				return true
			}
		}
		return false
	}
	interoptest.AwareSeenAndGone(t, ctx, watcher, url, doc, seen)
}
