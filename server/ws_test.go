package server

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// countConn counts the writes that reach the socket.
type countConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
}

func (c *countConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// TestWriteBatchOneSystemCall: through the server's socket wrapper, a
// batch of messages reaches the socket with one write, a single message
// with one write too (header and payload together), and the peer reads
// every message in order.
func TestWriteBatchOneSystemCall(t *testing.T) {
	type result struct {
		batch, single int
		err           error
	}
	done := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sock := &corkConn{}
		ws, err := websocket.Accept(smallBuffers{ResponseWriter: w, sock: sock}, r, nil)
		if err != nil {
			done <- result{err: err}
			return
		}
		counted := &countConn{Conn: sock.Conn}
		sock.Conn = counted
		tr := wsTransport{c: ws, sock: sock}
		ctx := context.Background()
		err = tr.WriteBatch(ctx, [][]byte{[]byte("one"), []byte("two"), []byte(strings.Repeat("3", 300))})
		batch := counted.writes
		if err == nil {
			err = tr.Write(ctx, []byte(strings.Repeat("4", 500)))
		}
		done <- result{batch: batch, single: counted.writes - batch, err: err}
		ws.CloseNow()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for _, want := range []string{"one", "two", strings.Repeat("3", 300), strings.Repeat("4", 500)} {
		_, got, err := c.Read(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("read %.10q… (%d bytes), %v; want %.10q…", got, len(got), err, want)
		}
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.batch != 1 || r.single != 1 {
		t.Fatalf("a batch of 3 took %d writes and one message %d, want 1 and 1", r.batch, r.single)
	}
}
