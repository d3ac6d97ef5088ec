// Package interoptest runs the stock Yjs clients (yjs + y-websocket,
// pinned by a committed lockfile in server/testdata/interop; `make
// node-deps` runs npm ci there) for the tests of several packages, and
// reads a Go document the way those clients print theirs; SchemaUpdates
// runs schema.mjs, updates to the notes fragment made by the real yjs.
package interoptest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// Dir is the directory of the stock clients (interop.mjs), found from
// this file so that any package's tests can use it.
var Dir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "server", "testdata", "interop")
}()

// Need fails the test when Node.js or the stock clients are missing. Not
// a skip: interop with stock clients is part of what is to be shown, and
// `make test` installs them.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node not found: this test needs Node.js (make node-deps installs it)")
	}
	if _, err := os.Stat(filepath.Join(Dir, "node_modules", "y-websocket")); err != nil {
		t.Fatalf("stock clients not installed: run `make node-deps` (npm ci in server/testdata/interop)")
	}
}

// State is the view of a document interop.mjs prints: Text "t", Map
// "m", Array "a", XmlFragment "x" and Array "g" (written by Go only).
type State struct {
	Text  string `json:"text"`
	Map   any    `json:"map"`
	Array any    `json:"array"`
	XML   string `json:"xml"`
	Go    []any  `json:"go"`
}

// Run runs `node interop.mjs args...` (see its header for the modes) and
// decodes the State it prints.
func Run(t testing.TB, args ...string) State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"interop.mjs"}, args...)...)
	cmd.Dir = Dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, stderr.String())
	}
	var st State
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("node %v printed %q: %v", args, out, err)
	}
	return st
}

// GoState reads the same view of a Go document, normalised through JSON
// like the node side.
func GoState(d *crdt.Doc) State {
	raw, _ := json.Marshal(map[string]any{
		"text":  d.GetText("t").String(),
		"map":   d.GetMap("m").ToJSON(),
		"array": d.GetArray("a").ToJSON(),
		"xml":   d.GetXmlFragment("x").String(),
		"go":    d.GetArray("g").ToJSON(),
	})
	var st State
	_ = json.Unmarshal(raw, &st) // a document's JSON always decodes
	return st
}

// EditAlongside is the Go client's part of an edit run: while the stock
// clients run mode "edit" on url and doc (seed), c makes n edits 5 ms
// apart, each inserting "G" into Text "t" and i into Array "g", and what
// more does (nil: nothing). It returns when both are done.
func EditAlongside(t testing.TB, c *client.Client, n int, more func(d *crdt.Doc, i int), url, doc, seed string) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			c.Do(func(d *crdt.Doc) {
				txt := d.GetText("t")
				txt.Insert(i%(txt.Len()+1), "G", nil)
				d.GetArray("g").Push(i)
				if more != nil {
					more(d, i)
				}
			})
			time.Sleep(5 * time.Millisecond)
		}
	})
	Run(t, "edit", url, doc, seed)
	wg.Wait()
}

// AwareSeenAndGone starts the stock awareness client on url and doc
// (see aware), waits until the Go client w sees its state (seen), makes
// it leave, and waits until w no longer does; w may be on another
// instance than url.
func AwareSeenAndGone(t testing.TB, ctx context.Context, w *client.Client, url, doc string, seen func(map[uint64]json.RawMessage) bool) {
	t.Helper()
	leave := aware(t, ctx, url, doc)
	if err := w.WaitAwareness(ctx, seen); err != nil {
		t.Fatalf("the Go client never saw the node client's awareness: %v", err)
	}
	if err := leave(); err != nil {
		t.Fatal(err)
	}
	if err := w.WaitAwareness(ctx, func(m map[uint64]json.RawMessage) bool { return !seen(m) }); err != nil {
		t.Fatalf("the node client's awareness was not removed at the Go client: %v", err)
	}
}

// aware starts `node interop.mjs aware url doc`, a stock client that sets
// its awareness state and holds it, and waits until it says READY. leave
// closes its stdin, which makes it leave (removing its state), and waits
// for it to exit.
func aware(t testing.TB, ctx context.Context, url, doc string) (leave func() error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "node", "interop.mjs", "aware", url, doc)
	cmd.Dir = Dir
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		t.Fatalf("node aware: %q, %v", line, err)
	}
	return func() error {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("node aware: %w", err)
		}
		return nil
	}
}
