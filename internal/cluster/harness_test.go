package cluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m, true) }

// instance is one cocreate serve process.
type instance struct {
	*proctest.Server
	t    *testing.T
	name string
}

// startInstance runs `cocreate serve` on a free loopback port with the
// shared data directory and redis URL, and waits until /readyz is 200
// (which needs its bus to work). When the test ends it is stopped
// gracefully.
//
// Instances started with the same data directory share one PostgreSQL
// schema (clusterDSN) as their store, as a deployment shares its
// database; the directory itself only holds what --data still keeps
// (the dev-mode ballot key).
func startInstance(t *testing.T, name, data, redisURL string) *instance {
	t.Helper()
	in := &instance{t: t, name: name, Server: proctest.Start(t, "--data", data, "--redis", redisURL, "--postgres", clusterDSN(t, data),
		"--sync-interval", "300ms", "--flush-interval", "50ms",
		// Most rooms here are no sessions' documents; the access test
		// uses sessions.
		"--public-rooms")}
	t.Logf("%s is %s", name, in.Addr)
	t.Cleanup(in.Stop)
	return in
}

// dial connects a Go client to doc through url and waits for its sync.
func dial(t *testing.T, url, doc string) *client.Client {
	t.Helper()
	return clienttest.Dial(t, 10*time.Second, url, doc, client.Options{MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
}

// typeTokens appends n tokens "who.i;" to the text "t", one per gap.
func typeTokens(c *client.Client, who string, n int, gap time.Duration) []string {
	var tokens []string
	for i := range n {
		tok := fmt.Sprintf("%s.%d;", who, i)
		tokens = append(tokens, tok)
		clienttest.AppendText(c, tok)
		time.Sleep(gap)
	}
	return tokens
}

// typeAll has every client type n tokens at once (typeTokens; client i
// as prefix+"a", prefix+"b", …) and returns a function that waits for all
// of them and returns every token typed.
func typeAll(clients []*client.Client, prefix string, n int, gap time.Duration) func() []string {
	var mu sync.Mutex
	var tokens []string
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			toks := typeTokens(c, prefix+string(rune('a'+i)), n, gap)
			mu.Lock()
			tokens = append(tokens, toks...)
			mu.Unlock()
		})
	}
	return func() []string {
		wg.Wait()
		return tokens
	}
}

// converge waits (generously) until every client's text holds every
// token and all texts are equal.
func converge(t *testing.T, clients []*client.Client, tokens []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, c := range clients {
		var missing []string
		err := clienttest.WaitText(ctx, c, func(s string) bool {
			missing = clienttest.Missing(s, tokens)
			return len(missing) == 0
		})
		if err != nil {
			t.Fatalf("client %d still misses %d of %d tokens (first %q): %v", i, len(missing), len(tokens), missing[:min(len(missing), 3)], err)
		}
	}
	for {
		first := clienttest.Text(clients[0])
		same := true
		for _, c := range clients[1:] {
			if clienttest.Text(c) != first {
				same = false
			}
		}
		if same {
			if n := strings.Count(first, ";"); n != len(tokens) {
				t.Fatalf("converged text has %d tokens, want %d: %q", n, len(tokens), first)
			}
			return first
		}
		if ctx.Err() != nil {
			for i, c := range clients {
				t.Logf("client %d: %q", i, clienttest.Text(c))
			}
			t.Fatal("clients hold every token but their texts differ after 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
