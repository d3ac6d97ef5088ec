package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
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

// TestFrameSentWithTheUpgrade: a client that sends its first frame in
// the same packet as the upgrade request (net/http has read it before
// the hijack) is answered: those bytes are read first, through the same
// small buffers as the rest.
func TestFrameSentWithTheUpgrade(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	writer := dialDoc(t, ts, "pipelined")
	writer.synced()
	writer.insert(0, "before")
	writer.echoed()

	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	// One write: the request, then a masked binary frame with sync step 1
	// of an empty document.
	step1 := yproto.SyncStep1Message(crdt.NewDoc(crdt.DocOptions{}).EncodeStateVector())
	req := "GET /sync/pipelined HTTP/1.1\r\nHost: " + conn.RemoteAddr().String() +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	key := [4]byte{1, 2, 3, 4}
	frame := append([]byte{0x82, 0x80 | byte(len(step1))}, key[:]...)
	for i, b := range step1 {
		frame = append(frame, b^key[i%4])
	}
	if _, err := conn.Write(append([]byte(req), frame...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v, %v", resp, err)
	}
	// Server frames are unmasked; read until the answer to the step 1.
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			t.Fatalf("no sync step 2 before %v", err)
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			io.ReadFull(br, l[:])
			n = int(binary.BigEndian.Uint16(l[:]))
		case 127:
			t.Fatal("unexpectedly large frame")
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			t.Fatal(err)
		}
		m, err := yproto.Decode(payload)
		if err != nil || m.Type != yproto.TypeSync || m.Sync != yproto.SyncStep2 {
			continue
		}
		doc := crdt.NewDoc(crdt.DocOptions{})
		if err := doc.ApplyUpdate(m.Payload, nil); err != nil {
			t.Fatal(err)
		}
		if got := doc.GetText("t").String(); got != "before" {
			t.Fatalf("step 2 holds %q, want %q", got, "before")
		}
		return
	}
}
