package loadgen

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/internal/hocus"
)

func TestMarkers(t *testing.T) {
	var b []byte
	b = append(b, "\x01\x02#x#1@2x#3@"...) // junk and broken markers
	b = appendMarker(b, 7, 1700000000123456789)
	b = appendMarker(b, 8, 1700000000123456790) // merged updates: markers side by side
	b = append(b, "#9@#"...)
	type mk struct {
		seq uint64
		ts  int64
	}
	var got []mk
	scanMarkers(b, func(seq uint64, ts int64) { got = append(got, mk{seq, ts}) })
	want := []mk{{7, 1700000000123456789}, {8, 1700000000123456790}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("markers %v, want %v", got, want)
	}
}

func TestHist(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, 1000 * time.Millisecond}} {
		got := h.quantile(tc.q)
		if d := got - tc.want; d < -tc.want/50 || d > tc.want/50 {
			t.Errorf("quantile(%v) = %v, want %v ± 2%%", tc.q, got, tc.want)
		}
	}
	for _, us := range []uint64{0, 1, 127, 128, 129, 1000, 1 << 20, 1<<36 + 5} {
		i := histIndex(us)
		if v := histValue(i); v > us || (us >= 128 && float64(us-v) > 0.016*float64(us)) {
			t.Errorf("bucket of %d µs starts at %d", us, v)
		}
	}
}

func TestFramerHocuspocus(t *testing.T) {
	f := newFramer(ProtocolHocuspocus, "room-1")
	msg := f.sync(syncUpdate, []byte{1, 2, 3})
	want := append(hocus.AppendAddress(nil, "room-1"), 0, 2, 3, 1, 2, 3)
	if !bytes.Equal(msg, want) {
		t.Fatalf("update frame % x, want % x", msg, want)
	}
	m, err := f.decode(msg)
	if err != nil || m.typ != msgSync || m.sub != syncUpdate || !bytes.Equal(m.payload, []byte{1, 2, 3}) {
		t.Fatalf("decode: %+v, %v", m, err)
	}
	if _, err := f.decode(newFramer(ProtocolHocuspocus, "other").sync(syncUpdate, nil)); err == nil {
		t.Fatal("a message for another document decoded")
	}
	auth := f.auth("")
	if want := append(hocus.AppendAddress(nil, "room-1"), 2, 0, 0); !bytes.Equal(auth, want) {
		t.Fatalf("auth frame % x, want % x", auth, want)
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, u := range []string{"ws://127.0.0.1:8080/sync/x", "ws://localhost:1/", "ws://127.3.2.1:9"} {
		if _, err := checkLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"ws://10.0.0.1:8080", "wss://127.0.0.1:1", "ws://example.com/", "ws://[::1]:80", "ws://127.0.0.1:1/?token=x"} {
		if _, err := checkLoopback(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// relay is a minimal y-websocket server for tests: it sends step 1 on
// connect, answers step 1 with an empty step 2, and forwards every
// update to the room's other connections. It does not apply updates.
type relay struct {
	mu    sync.Mutex
	rooms map[string]map[*websocket.Conn]bool
}

func (s *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	room := r.URL.Path
	s.mu.Lock()
	if s.rooms[room] == nil {
		s.rooms[room] = map[*websocket.Conn]bool{}
	}
	s.rooms[room][c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.rooms[room], c)
		s.mu.Unlock()
	}()
	f := newFramer(ProtocolYWebsocket, "")
	if c.Write(ctx, websocket.MessageBinary, f.sync(syncStep1, []byte{0})) != nil {
		return
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		m, err := f.decode(b)
		if err != nil {
			c.Close(websocket.StatusUnsupportedData, "bad message")
			return
		}
		switch {
		case m.typ == msgSync && m.sub == syncStep1:
			c.Write(ctx, websocket.MessageBinary, f.sync(syncStep2, emptyUpdate))
		case m.typ == msgSync && m.sub == syncUpdate:
			s.mu.Lock()
			var peers []*websocket.Conn
			for p := range s.rooms[room] {
				if p != c {
					peers = append(peers, p)
				}
			}
			s.mu.Unlock()
			for _, p := range peers {
				p.Write(ctx, websocket.MessageBinary, b)
			}
		}
	}
}

func startRelay(t *testing.T) string {
	srv := httptest.NewServer(&relay{rooms: map[string]map[*websocket.Conn]bool{}})
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/sync/test"
}

func TestRunAgainstRelay(t *testing.T) {
	var log bytes.Buffer
	res, err := Run(context.Background(), Config{
		URL: startRelay(t), Rooms: 3, Receivers: 20, Rate: 100, Duration: time.Second,
		Drain: 5 * time.Second, ServerPID: os.Getpid(), SourceAddrs: 8, Log: &log,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	var out bytes.Buffer
	res.Text(&out)
	res.KV(&out)
	t.Log(out.String())
	if res.Connected != 63 || res.Sent != 300 || res.Delivered != 20*300 || res.Loss != 0 || !res.Drained || res.Disconnects != 0 {
		t.Errorf("want 63 connected, 300 sent, 6000 delivered, no loss or disconnects: %+v", res)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 || !res.Server || res.ServerRSS <= 0 {
		t.Errorf("implausible latency or server figures: %+v", res)
	}
}

func TestRunIdleAgainstRelay(t *testing.T) {
	res, err := RunIdle(context.Background(), IdleConfig{
		URL: startRelay(t), Conns: 300, Hold: 100 * time.Millisecond, ServerPID: os.Getpid(), SourceAddrs: 16,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res.Text(&out)
	t.Log(out.String())
	if res.Connected != 300 || res.Rooms != 15 || res.Dropped != 0 || !res.Server {
		t.Errorf("want 300 connected over 15 rooms, none dropped: %+v", res)
	}
}

func TestRefusesRemoteURL(t *testing.T) {
	if _, err := Run(context.Background(), Config{URL: "ws://192.0.2.1:80/x"}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v, want a loopback refusal", err)
	}
}
