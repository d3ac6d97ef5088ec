package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/hocus"
	"github.com/cocreate/cocreate/notes"
)

// hocusConn is a hand-driven /hocuspocus socket for bad-input tests.
type hocusConn struct {
	t *testing.T
	c *websocket.Conn
}

func dialHocus(t *testing.T, ts *testServer) *hocusConn {
	t.Helper()
	return dialHocusWith(t, ts, nil)
}

// dialHocusWith dials /hocuspocus with opts (a guest's cookie).
func dialHocusWith(t *testing.T, ts *testServer, opts *websocket.DialOptions) *hocusConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(ts.url, "http", "ws", 1)+"/hocuspocus", opts)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return &hocusConn{t, c}
}

// send writes a frame; errors are ignored (the server may have closed).
func (h *hocusConn) send(frame []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.c.Write(ctx, websocket.MessageBinary, frame)
}

// next returns the next frame satisfying want, skipping others.
func (h *hocusConn) next(want func(hocus.Frame) bool) hocus.Frame {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, b, err := h.c.Read(ctx)
		if err != nil {
			h.t.Fatalf("read: %v", err)
		}
		f, err := hocus.Decode(b)
		if err != nil {
			h.t.Fatalf("the server sent a malformed frame %x: %v", b, err)
		}
		if want(f) {
			return f
		}
	}
}

// closed waits for the server to close the socket and checks the code and
// that the reason contains substr.
func (h *hocusConn) closed(code websocket.StatusCode, substr string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := h.c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code || !strings.Contains(ce.Reason, substr) {
			h.t.Fatalf("socket ended with %v, want close %d containing %q", err, code, substr)
		}
		return
	}
}

func auth(name string) []byte { return hocus.TokenMessage(name, "", "") }

func isAuth(name string, sub uint64) func(hocus.Frame) bool {
	return func(f hocus.Frame) bool { return f.Address == name && f.Type == hocus.TypeAuth && f.Auth == sub }
}

// textUpdate is an update inserting s into Text "t" of a fresh document.
func textUpdate(s string) []byte {
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 99})
	d.GetText("t").Insert(0, s, nil)
	u, _ := d.EncodeStateAsUpdate(nil)
	return u
}

func refusedCount(ts *testServer, reason string) float64 {
	return testutil.ToFloat64(ts.srv.metrics.Refused.WithLabelValues(reason))
}

// TestHocuspocusBadInput: malformed frames, too many documents, floods
// before authentication and a silent socket are closed with a clear
// reason, counted, and change nothing stored; a refused or broken
// document leaves the socket's other documents working.
func TestHocuspocusBadInput(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	prefix := hocus.AppendAddress(nil, "abc/notes")

	t.Run("unknown type", func(t *testing.T) {
		h := dialHocus(t, ts)
		h.send(append(append([]byte{}, prefix...), 42))
		h.closed(websocket.StatusInvalidFramePayloadData, "unknown message type 42")
	})
	t.Run("name longer than the frame", func(t *testing.T) {
		h := dialHocus(t, ts)
		h.send([]byte{40, 'a', 'b', 'c'})
		h.closed(websocket.StatusInvalidFramePayloadData, "beyond the frame")
	})
	t.Run("text frame", func(t *testing.T) {
		h := dialHocus(t, ts)
		h.c.Write(context.Background(), websocket.MessageText, []byte("hello"))
		h.closed(websocket.StatusUnsupportedData, "text frames")
	})
	t.Run("server-only type", func(t *testing.T) {
		h := dialHocus(t, ts)
		h.send(hocus.SyncStatusMessage("abc/notes", true))
		h.closed(websocket.StatusInvalidFramePayloadData, "not accepted from a client")
	})
	t.Run("message too big", func(t *testing.T) {
		small := startServer(t, t.TempDir(), func(c *Config) { c.MaxMessageSize = 1024 })
		before := refusedCount(small, "message_too_big")
		h := dialHocus(t, small)
		h.send(auth("abc/big"))
		h.next(isAuth("abc/big", hocus.AuthAuthenticated))
		h.send(hocus.Message("abc/big", yproto.UpdateMessage(textUpdate(strings.Repeat("x", 2000)))))
		h.closed(websocket.StatusMessageTooBig, "")
		refusedAndNotStored(t, small, "message_too_big", before, "abc/big", "a message over the limit")
	})
	t.Run("ping", func(t *testing.T) {
		h := dialHocus(t, ts)
		h.send(hocus.PingMessage())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, b, err := h.c.Read(ctx); err != nil || string(b) != string(hocus.PongMessage()) {
			t.Fatalf("ping answered %x, %v; want pong", b, err)
		}
	})

	t.Run("1000 documents", func(t *testing.T) {
		before := refusedCount(ts, "too_many_documents")
		h := dialHocus(t, ts)
		go func() {
			for i := range 1000 {
				name := fmt.Sprintf("many/d%d", i)
				h.send(auth(name))
				h.send(hocus.Message(name, yproto.UpdateMessage(textUpdate("x"))))
			}
		}()
		h.closed(websocket.StatusPolicyViolation, "too many documents on one connection")
		refusedAndNotStored(t, ts, "too_many_documents", before, fmt.Sprintf("many/d%d", maxHocusDocs+1), "a document past the cap")
	})

	t.Run("flood before authentication", func(t *testing.T) {
		before := refusedCount(ts, "unauthenticated_flood")
		h := dialHocus(t, ts)
		go func() {
			for range maxHocusPending + 10 {
				h.send(hocus.Message("flood/x", yproto.UpdateMessage(textUpdate("flood"))))
			}
		}()
		h.closed(websocket.StatusPolicyViolation, "too many messages before authentication")
		refusedAndNotStored(t, ts, "unauthenticated_flood", before, "flood/x", "an unauthenticated update")
	})

	t.Run("no document authenticated in time", func(t *testing.T) {
		old := hocusAuthTimeout
		hocusAuthTimeout = 200 * time.Millisecond
		t.Cleanup(func() { hocusAuthTimeout = old })
		h := dialHocus(t, ts)
		h.closed(websocket.StatusPolicyViolation, "no document authenticated")
	})

	t.Run("one document refused, one broken, the socket lives", func(t *testing.T) {
		h := dialHocus(t, ts)
		h.send(auth("noslash"))
		f := h.next(isAuth("noslash", hocus.AuthPermissionDenied))
		if !strings.Contains(f.Text, "{session}/{doc}") {
			t.Fatalf("refusal reason %q", f.Text)
		}
		h.send(auth("abc/ok"))
		if f := h.next(isAuth("abc/ok", hocus.AuthAuthenticated)); f.Text != hocus.ScopeReadWrite {
			t.Fatalf("scope %q", f.Text)
		}
		h.send(auth("abc/broken"))
		h.next(isAuth("abc/broken", hocus.AuthAuthenticated))
		h.send(hocus.Message("abc/broken", yproto.UpdateMessage([]byte{0xff, 0xff, 0xff})))
		f = h.next(func(f hocus.Frame) bool { return f.Type == hocus.TypeClose })
		if f.Address != "abc/broken" || !strings.Contains(f.Text, "invalid") {
			t.Fatalf("close %+v, want abc/broken closed as invalid", f)
		}
		h.send(hocus.Message("abc/ok", yproto.UpdateMessage(textUpdate("fine"))))
		if f := h.next(func(f hocus.Frame) bool { return f.Type == hocus.TypeSyncStatus }); f.Address != "abc/ok" || !f.Applied {
			t.Fatalf("sync status %+v, want applied on abc/ok", f)
		}
		// Detached and attached again at once (a provider recreated).
		h.send(hocus.CloseMessage("abc/ok", "", false))
		h.send(auth("abc/ok"))
		h.next(isAuth("abc/ok", hocus.AuthAuthenticated))
		h.send(hocus.Message("abc/ok", yproto.SyncStep1Message([]byte{0})))
		f = h.next(func(f hocus.Frame) bool {
			return f.Address == "abc/ok" && f.Type == hocus.TypeSync && len(f.Body) > 0 && f.Body[0] == 1
		})
		if !strings.Contains(string(f.Body), "fine") {
			t.Fatalf("re-attached document's step 2 %x lacks its text", f.Body)
		}
	})

	t.Run("meeting command as stateless", func(t *testing.T) {
		// A guest's own session, on a socket with the guest's cookie.
		guest, id := guestSession(t, ts, "Meet")
		h := dialHocusWith(t, ts, &websocket.DialOptions{HTTPClient: guest})
		name := id + "/notes"
		h.send(auth(name))
		h.next(isAuth(name, hocus.AuthAuthenticated))
		h.send(hocus.StatelessMessage(name, `{"type":"nonsense"}`))
		f := h.next(func(f hocus.Frame) bool { return f.Type == hocus.TypeStateless })
		var a struct {
			OK   bool   `json:"ok"`
			Code string `json:"code"`
		}
		if f.Address != name || json.Unmarshal([]byte(f.Text), &a) != nil || a.OK || a.Code == "" {
			t.Fatalf("stateless answer %+v", f)
		}
		h.send(hocus.StatelessMessage(name, `{"type":"hand.raise"}`))
		f = h.next(func(f hocus.Frame) bool { return f.Type == hocus.TypeStateless })
		if json.Unmarshal([]byte(f.Text), &a) != nil || !a.OK {
			t.Fatalf("hand.raise answered %s", f.Text)
		}
	})
}

// refusedAndNotStored checks that the refusal counter of reason grew by
// one from before and that doc holds no text (what names the input in the
// failure).
func refusedAndNotStored(t *testing.T, ts *testServer, reason string, before float64, doc, what string) {
	t.Helper()
	if refusedCount(ts, reason) != before+1 {
		t.Fatal("refusal not counted")
	}
	d, err := notes.LoadDoc(context.Background(), ts.srv.store, doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GetText("t").String(); got != "" {
		t.Fatalf("%s was stored: %q", what, got)
	}
}
