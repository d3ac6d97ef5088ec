package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// buildBinary builds the real cocreate binary once per test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cocreate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServe(t *testing.T, bin, addr, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--public-rooms")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server did not start listening")
	return nil
}

// TestServeGracefulShutdown runs the real binary: SIGTERM makes it close
// sockets with 1001 "going away", store every document and exit 0 within
// 10 s; a restart on the same --data serves what was typed.
func TestServeGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	addr, data := freeAddr(t), t.TempDir()
	srv := startServe(t, bin, addr, data)
	base := "ws://" + addr + "/sync"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c, err := client.Dial(ctx, base, "grace/notes", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
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
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
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
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve exited with %v, want status 0", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("shutdown took %v", took)
	}

	srv = startServe(t, bin, addr, data)
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	c2, err := client.Dial(ctx, base, "grace/notes", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Wait(ctx, func(d *crdt.Doc) bool { return d.GetText("t").String() == "kept across shutdown" }); err != nil {
		t.Fatalf("text after restart: %v", err)
	}
}
