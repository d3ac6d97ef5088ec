// Package clienttest opens Go clients (package client) for the tests of
// several packages: dialled or opened under a timeout, synced before
// they are returned, and closed when the test ends.
package clienttest

import (
	"context"
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
