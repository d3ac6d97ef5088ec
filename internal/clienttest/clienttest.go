// Package clienttest opens Go clients (package client) for the tests of
// several packages: dialled or opened under a timeout, synced before
// they are returned, and closed when the test ends.
package clienttest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// Synced calls open with a context that ends after timeout, closes the
// client when the test ends, and waits (within the same timeout) until
// it has synced; any error fails the test.
func Synced(t testing.TB, timeout time.Duration, open func(ctx context.Context) (*client.Client, error)) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// Dial is Synced for client.Dial(ctx, url, doc, opts).
func Dial(t testing.TB, timeout time.Duration, url, doc string, opts client.Options) *client.Client {
	t.Helper()
	return Synced(t, timeout, func(ctx context.Context) (*client.Client, error) {
		return client.Dial(ctx, url, doc, opts)
	})
}

// Read dials doc like Dial, calls read with the synced document (inside
// the client's Do) and closes the client before it returns.
func Read(t testing.TB, timeout time.Duration, url, doc string, opts client.Options, read func(d *crdt.Doc)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := client.Dial(ctx, url, doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	c.Do(read)
}

// The tests that type tokens into a document use its Text "t".

// AppendText appends s to the Text "t" of c's document.
func AppendText(c *client.Client, s string) {
	c.Do(func(d *crdt.Doc) {
		txt := d.GetText("t")
		txt.Insert(txt.Len(), s, nil)
	})
}

// Text is the Text "t" of c's document.
func Text(c *client.Client) string {
	var s string
	c.Do(func(d *crdt.Doc) { s = d.GetText("t").String() })
	return s
}

// WaitText waits until cond holds for the Text "t" of c's document
// (client.Client.Wait).
func WaitText(ctx context.Context, c *client.Client, cond func(text string) bool) error {
	return c.Wait(ctx, func(d *crdt.Doc) bool { return cond(d.GetText("t").String()) })
}

// Missing returns the tokens text lacks, in order.
func Missing(text string, tokens []string) []string {
	var out []string
	for _, tok := range tokens {
		if !strings.Contains(text, tok) {
			out = append(out, tok)
		}
	}
	return out
}
