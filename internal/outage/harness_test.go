package outage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m, true) }

// serve starts `cocreate serve` with a short flush interval, open rooms
// (the tests edit documents of no session) and args.
func serve(t *testing.T, args ...string) *proctest.Server {
	return proctest.Start(t, append([]string{"--flush-interval", "50ms", "--public-rooms"}, args...)...)
}

// dial connects a Go client to doc and waits for its sync.
func dial(t *testing.T, url, doc string) *client.Client {
	t.Helper()
	return clienttest.Dial(t, 10*time.Second, url, doc, client.Options{})
}

// typeToken appends tok to the text "t" of w's document and waits until
// the observer o sees it: the server has applied it (and echoed it), so
// it is an edit the server confirmed.
func typeToken(t *testing.T, w, o *client.Client, tok string) {
	t.Helper()
	w.Do(func(d *crdt.Doc) {
		txt := d.GetText("t")
		txt.Insert(txt.Len(), tok, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.Wait(ctx, func(d *crdt.Doc) bool { return strings.Contains(d.GetText("t").String(), tok) }); err != nil {
		t.Fatalf("the server did not relay %q: %v", tok, err)
	}
}

// missing returns the tokens text lacks.
func missing(text string, tokens []string) []string {
	var out []string
	for _, tok := range tokens {
		if !strings.Contains(text, tok) {
			out = append(out, tok)
		}
	}
	return out
}
