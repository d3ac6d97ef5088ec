package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/freeport"
	"github.com/cocreate/cocreate/internal/proctest"
)

// TestServeGracefulShutdown runs the real binary: SIGTERM makes it close
// sockets with 1001 "going away", store every document and exit 0 within
// 10 s; a restart on the same --data serves what was typed.
func TestServeGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, err := proctest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	addr, data := freeport.Addr(t), t.TempDir()
	srv := proctest.Run(t, bin, addr, "--data", data, "--public-rooms")
	base := "ws://" + addr + "/sync"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c := clienttest.Dial(t, 30*time.Second, base, "grace/notes", client.Options{})
	c.Do(func(d *crdt.Doc) { _ = d.GetText("t").Insert(0, "kept across shutdown", nil) })
	// A raw socket on the same document, to see the close frame itself.
	raw, _, err := websocket.Dial(ctx, base+"/grace/notes", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Sync step 1 with an empty state vector: the server answers with all
	// it has. Wait until the raw peer has seen the text.
	if err := raw.Write(ctx, websocket.MessageBinary, []byte{0, 0, 1, 0}); err != nil {
		t.Fatal(err)
	}
	for {
		_, msg, err := raw.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(msg, []byte("kept across shutdown")) {
			break
		}
	}
	c.Close()

	start := time.Now()
	srv.Interrupt()
	var closeErr websocket.CloseError
	for {
		if _, _, err := raw.Read(ctx); err != nil {
			if !errors.As(err, &closeErr) {
				t.Fatalf("read after SIGTERM: %v, want a close frame", err)
			}
			break
		}
	}
	if closeErr.Code != websocket.StatusGoingAway {
		t.Fatalf("close code %d %q, want 1001 going away", closeErr.Code, closeErr.Reason)
	}
	if code := srv.Wait(); code != 0 {
		t.Fatalf("serve exited with status %d, want 0", code)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("shutdown took %v", took)
	}

	srv = proctest.Run(t, bin, addr, "--data", data, "--public-rooms")
	defer srv.Stop()
	c2, err := client.Dial(ctx, base, "grace/notes", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Wait(ctx, func(d *crdt.Doc) bool { return d.GetText("t").String() == "kept across shutdown" }); err != nil {
		t.Fatalf("text after restart: %v", err)
	}
}
