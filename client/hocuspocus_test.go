package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
)

func dialHocus(t *testing.T, url string) *client.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := client.DialHocuspocus(ctx, strings.TrimSuffix(url, "/sync")+"/hocuspocus", client.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func open(t *testing.T, s *client.Socket, doc string) *client.Client {
	t.Helper()
	return clienttest.Synced(t, 5*time.Second, func(ctx context.Context) (*client.Client, error) {
		return s.Open(ctx, doc, "", client.Options{})
	})
}

// TestHocuspocusSocket: two documents over one Hocuspocus socket edit
// alongside /sync clients of the same documents (edits and awareness
// both ways), a refused document leaves the others working, and after a
// server restart the socket reconnects and its documents re-sync,
// offline edits included.
func TestHocuspocusSocket(t *testing.T) {
	dir := t.TempDir()
	url, stop := inProcess(t, dir, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/sync")
	sock := dialHocus(t, url)
	a, b := open(t, sock, "s/a"), open(t, sock, "s/b")
	syncA, syncB := dial(t, url, "s/a"), dial(t, url, "s/b")

	a.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "from hocus a", nil) })
	b.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "from hocus b", nil) })
	syncA.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "sync+", nil) })
	both := func(s string) bool { return len(s) == len("sync+from hocus a") && strings.Contains(s, "sync+") }
	textA := waitText(t, syncA, both)
	waitText(t, a, func(s string) bool { return s == textA })
	waitText(t, syncB, func(s string) bool { return s == "from hocus b" })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.SetAwareness(map[string]string{"name": "hocus"}); err != nil {
		t.Fatal(err)
	}
	err := syncA.WaitAwareness(ctx, func(m map[uint64]json.RawMessage) bool {
		for _, st := range m {
			// The server stamps the sender's identity (a "user" field)
			// on relayed states; the client's own fields stay.
			var v struct{ Name string }
			if json.Unmarshal(st, &v) == nil && v.Name == "hocus" {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the /sync client never saw the Hocuspocus client's caret: %v (has %q)", err, fmt.Sprint(syncA.Awareness()))
	}

	if _, err := sock.Open(ctx, "noslash", "", client.Options{}); !errors.Is(err, client.ErrUnauthorized) || !strings.Contains(err.Error(), "{session}/{doc}") {
		t.Fatalf("a refused document opened with %v; want ErrUnauthorized with the reason", err)
	}
	b.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "still ", nil) })
	waitText(t, syncB, func(s string) bool { return s == "still from hocus b" })

	stop()
	a.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "offline ", nil) })
	url, _ = inProcess(t, dir, addr)
	late := dial(t, url, "s/a")
	waitText(t, late, func(s string) bool { return s == "offline "+textA })
	if sock.Connects() < 2 {
		t.Fatalf("the socket connected %d times", sock.Connects())
	}
}
