package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
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
	gc := clienttest.Dial(t, 30*time.Second, url, doc, client.Options{})
	// The Go client edits while the node clients do.
	interoptest.EditAlongside(t, gc, 40, func(d *crdt.Doc, i int) {
		if i%10 == 0 {
			d.GetArray("a").Insert(0, "go")
		}
	}, url, doc, "7")

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

// hocusDir holds the stock Hocuspocus providers (both lines) and
// y-websocket, pinned by its package-lock.json (make node-deps).
var hocusDir = filepath.Join("testdata", "hocuspocus")

func needHocus(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node not found: this test needs Node.js (make node-deps installs it)")
	}
	for _, p := range []string{"provider-v3", "provider-v4", "y-websocket"} {
		if _, err := os.Stat(filepath.Join(hocusDir, "node_modules", p)); err != nil {
			t.Fatalf("%s not installed: run `make node-deps` (npm ci in server/testdata/hocuspocus)", p)
		}
	}
}

// hocusRun runs `node hocus.mjs args...` and decodes the JSON it prints.
func hocusRun(t *testing.T, v any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"hocus.mjs"}, args...)...)
	cmd.Dir = hocusDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node hocus.mjs %v: %v\n%s", args, err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node hocus.mjs %v printed %q: %v", args, out, err)
	}
}

// hocusDoc is what hocus.mjs reports of one document.
type hocusResult struct {
	Text     string  `json:"text"`
	Scope    *string `json:"scope"`
	Unsynced int     `json:"unsynced"`
	Failed   *string `json:"failed"`
	Statuses []int   `json:"statuses"`
	Connects int     `json:"connects"`
	Reason   string  `json:"reason"`
	Synced   bool    `json:"synced"`
}

// syncText reads doc's Text "t" through /sync with a Go client: what the
// server holds, seen from the other protocol.
func syncText(t *testing.T, ts *testServer, doc, token string) string {
	t.Helper()
	var s string
	clienttest.Read(t, 10*time.Second, strings.Replace(ts.url, "http", "ws", 1)+"/sync", doc,
		client.Options{Header: http.Header{"Authorization": {"Bearer " + token}}},
		func(d *crdt.Doc) { s = d.GetText("t").String() })
	return s
}

// TestHocuspocusProviders drives the real @hocuspocus/provider, 3.x and
// 4.x, against /hocuspocus with tokens: sync and acknowledgement, offline
// edits and reconnect, two documents over one socket, a read-only token,
// a refused document next to an allowed one, a bad token, and a
// y-websocket client co-editing with carets.
func TestHocuspocusProviders(t *testing.T) {
	needHocus(t)
	ts := startServer(t, t.TempDir(), func(c *Config) { withAuth(c); c.PublicRooms = false })
	ts.mkSession(t, "s3", "s4")
	hurl := strings.Replace(ts.url, "http", "ws", 1) + "/hocuspocus"
	surl := strings.Replace(ts.url, "http", "ws", 1) + "/sync"
	for _, v := range []string{"v3", "v4"} {
		t.Run(v, func(t *testing.T) {
			sess := "s" + v[1:]
			member := sign(t, jwt.SigningMethodHS256, testSecret, claims("m-"+v, time.Hour, map[string]string{sess: "member"}))
			viewer := sign(t, jwt.SigningMethodHS256, testSecret, claims("v-"+v, time.Hour, map[string]string{sess: "viewer"}))
			notes := sess + "/notes"

			var r hocusResult
			hocusRun(t, &r, v, "sync", hurl, notes, member, "one ")
			if r.Text != "one " || r.Scope == nil || *r.Scope != "read-write" || r.Unsynced != 0 {
				t.Fatalf("sync: %+v", r)
			}
			if got := syncText(t, ts, notes, member); got != "one " {
				t.Fatalf("/sync sees %q after the provider's edit, want %q", got, "one ")
			}

			r = hocusResult{}
			hocusRun(t, &r, v, "offline", hurl, notes, member, "two ")
			if r.Text != "one two " || r.Unsynced != 0 || r.Connects < 2 {
				t.Fatalf("offline and reconnect: %+v", r)
			}
			if got := syncText(t, ts, notes, member); got != "one two " {
				t.Fatalf("/sync sees %q after the offline edit, want %q", got, "one two ")
			}

			var two struct {
				Docs    map[string]hocusResult `json:"docs"`
				Sockets int                    `json:"sockets"`
			}
			d1, d2 := sess+"/a", sess+"/b"
			hocusRun(t, &two, v, "two", hurl, d1, d2, member)
			if two.Sockets != 1 || two.Docs[d1].Text != d1 || two.Docs[d2].Text != d2 || two.Docs[d1].Unsynced != 0 || two.Docs[d2].Unsynced != 0 {
				t.Fatalf("two documents over one socket: %+v", two)
			}
			if syncText(t, ts, d1, member) != d1 || syncText(t, ts, d2, member) != d2 {
				t.Fatal("two documents over one socket: not stored apart")
			}

			// A refused document (a session this token has no access to:
			// unknown) next to an allowed one, on the same socket.
			two.Docs = nil
			refused := "nosuch/notes"
			hocusRun(t, &two, v, "two", hurl, d1, refused, member)
			if two.Sockets != 1 || two.Docs[refused].Failed == nil || !strings.Contains(*two.Docs[refused].Failed, "no session document") ||
				two.Docs[d1].Failed != nil || two.Docs[d1].Text != d1+d1 {
				t.Fatalf("refused next to allowed: %+v", two)
			}

			r = hocusResult{}
			hocusRun(t, &r, v, "readonly", hurl, notes, viewer)
			if r.Scope == nil || *r.Scope != "readonly" || len(r.Statuses) != 1 || r.Statuses[0] != 0 || r.Unsynced == 0 {
				t.Fatalf("read-only: %+v", r)
			}
			if got := syncText(t, ts, notes, member); got != "one two " {
				t.Fatalf("a viewer's edit was applied: /sync sees %q", got)
			}

			bad := sign(t, jwt.SigningMethodHS256, "not-the-secret-not-the-secret-!!", claims("x", time.Hour, nil))
			r = hocusResult{}
			hocusRun(t, &r, v, "badtoken", hurl, notes, bad)
			if !strings.Contains(r.Reason, "signature") || r.Connects != 1 || r.Synced {
				t.Fatalf("bad token: %+v (want one connection, refused with a reason, no retry)", r)
			}

			if v == "v4" {
				var sr struct {
					A, B     string
					Unsynced int
					Sockets  int
				}
				hocusRun(t, &sr, v, "session", hurl, sess+"/shared", member)
				if sr.A != "session " || sr.B != sr.A || sr.Unsynced != 0 || sr.Sockets != 1 {
					t.Fatalf("4.x session awareness (two providers of one document on one socket): %+v", sr)
				}
			}

			var caret struct {
				Hocus, Ywebsocket struct {
					Text   string   `json:"text"`
					Carets []string `json:"carets"`
				}
			}
			hocusRun(t, &caret, v, "caret", hurl, surl, sess+"/caret", member)
			if caret.Hocus.Text != caret.Ywebsocket.Text || len(caret.Hocus.Carets) != 2 || len(caret.Ywebsocket.Carets) != 2 {
				t.Fatalf("y-websocket and Hocuspocus co-editing: %+v", caret)
			}
		})
	}
}
