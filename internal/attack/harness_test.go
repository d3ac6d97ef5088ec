package attack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m, false) }

// server is one `cocreate serve` process on a free loopback port.
type server struct {
	*proctest.Server
	t    testing.TB
	addr string
}

// start runs the server with a fresh data directory and extra flags and
// waits until /readyz answers 200.
func start(t testing.TB, flags ...string) *server {
	t.Helper()
	// The attacks' rooms are no sessions: open documents.
	ps := proctest.Start(t, append([]string{"--data", t.TempDir(), "--public-rooms"}, flags...)...)
	return &server{Server: ps, t: t, addr: ps.Addr}
}

func (s *server) syncURL(doc string) string { return "ws://" + s.addr + "/sync/" + doc }

// metrics returns every sample of /metrics, keyed by name and labels as
// written (e.g. `cocreate_refused_total{reason="rate_awareness"}`).
func (s *server) metrics() map[string]float64 {
	s.t.Helper()
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		s.t.Fatalf("/metrics: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func (s *server) metric(key string) float64 { return s.metrics()[key] }

// refused is cocreate_refused_total for reason.
func (s *server) refused(reason string) float64 {
	return s.metric(`cocreate_refused_total{reason="` + reason + `"}`)
}

// heapWatch samples the server's Go heap (go_memstats_heap_alloc_bytes)
// every 20ms until stopped, and returns the highest sample.
func (s *server) heapWatch() (stop func() float64) {
	done := make(chan struct{})
	peak := make(chan float64, 1)
	go func() {
		top := 0.0
		for {
			if resp, err := http.Get("http://" + s.addr + "/metrics"); err == nil {
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_alloc_bytes "); ok {
						f, _ := strconv.ParseFloat(v, 64)
						top = max(top, f)
					}
				}
				resp.Body.Close()
			}
			select {
			case <-done:
				peak <- top
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() float64 { close(done); return <-peak }
}

// heap is the server's Go heap now, in bytes.
func (s *server) heap() float64 { return s.metric("go_memstats_heap_alloc_bytes") }

// peer is a raw y-protocols client: a crdt.Doc synced over a WebSocket,
// with a reader that applies what the server sends (at most one message
// every delay, to play a slow reader) and remembers awareness states.
type peer struct {
	t     testing.TB
	c     *websocket.Conn
	delay time.Duration

	mu       sync.Mutex
	doc      *crdt.Doc
	aw       map[uint64]string
	received int
	closeErr error
	closed   chan struct{}
	changed  chan struct{} // pinged after every message handled
}

// dial connects a peer to doc and starts its sync; with read false the
// peer never reads (the server's writes to it back up).
func dial(t testing.TB, s *server, doc string, read bool, delay time.Duration) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.syncURL(doc), nil)
	if err != nil {
		t.Fatalf("dial %s: %v", doc, err)
	}
	c.SetReadLimit(256 << 20)
	p := &peer{t: t, c: c, delay: delay, doc: crdt.NewDoc(crdt.DocOptions{}), aw: map[uint64]string{},
		closed: make(chan struct{}), changed: make(chan struct{}, 1)}
	p.doc.OnUpdate(func(u []byte, origin any, _ *crdt.Transaction) {
		if origin != p {
			p.send(yproto.UpdateMessage(u))
		}
	})
	t.Cleanup(func() { c.CloseNow(); <-p.closed })
	if read {
		go p.readLoop()
	} else {
		close(p.closed)
	}
	p.send(yproto.SyncStep1Message(p.doc.EncodeStateVector()))
	return p
}

func (p *peer) send(msg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.c.Write(ctx, websocket.MessageBinary, msg)
}

func (p *peer) readLoop() {
	defer close(p.closed)
	for {
		if p.delay > 0 {
			time.Sleep(p.delay)
		}
		_, raw, err := p.c.Read(context.Background())
		if err != nil {
			p.mu.Lock()
			p.closeErr = err
			p.mu.Unlock()
			return
		}
		m, err := yproto.Decode(raw)
		if err != nil {
			p.mu.Lock()
			p.closeErr = fmt.Errorf("server sent a malformed message: %w", err)
			p.mu.Unlock()
			return
		}
		p.mu.Lock()
		p.received++
		switch {
		case m.Type == yproto.TypeSync && m.Sync == yproto.SyncStep1:
			u, _ := p.doc.EncodeStateAsUpdate(m.Payload)
			p.mu.Unlock()
			p.send(yproto.SyncStep2Message(u))
			p.mu.Lock()
		case m.Type == yproto.TypeSync:
			if err := p.doc.ApplyUpdate(m.Payload, p); err != nil {
				p.closeErr = fmt.Errorf("server sent an invalid update: %w", err)
			}
		case m.Type == yproto.TypeAwareness:
			for _, e := range m.Awareness {
				if e.Removed() {
					delete(p.aw, e.ClientID)
				} else {
					p.aw[e.ClientID] = string(e.State)
				}
			}
		}
		p.mu.Unlock()
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
}

// do runs fn on the peer's document (its changes are sent).
func (p *peer) do(fn func(d *crdt.Doc)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p.doc)
}

// wait waits until cond holds for the peer's state (generous deadline).
func (p *peer) wait(what string, cond func(d *crdt.Doc, aw map[uint64]string) bool) {
	p.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		p.mu.Lock()
		ok := cond(p.doc, p.aw)
		err := p.closeErr
		p.mu.Unlock()
		if ok {
			return
		}
		if err != nil {
			p.t.Fatalf("%s: connection ended: %v", what, err)
		}
		select {
		case <-p.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			p.t.Fatalf("%s: not within 60s", what)
		}
	}
}

// waitClosed waits for the server to close the peer's connection and
// returns the close status and reason.
func (p *peer) waitClosed() (websocket.StatusCode, string) {
	p.t.Helper()
	select {
	case <-p.closed:
	case <-time.After(30 * time.Second):
		p.t.Fatal("the server did not close the connection within 30s")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var ce websocket.CloseError
	if errors.As(p.closeErr, &ce) {
		return ce.Code, ce.Reason
	}
	return -1, fmt.Sprint(p.closeErr)
}

// isOpen reports whether the peer's connection is still up.
func (p *peer) isOpen() bool {
	select {
	case <-p.closed:
		return false
	default:
		return true
	}
}

// text is the peer's Y.Text "t".
func (p *peer) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.doc.GetText("t").String()
}

// state is the peer's whole document, encoded.
func (p *peer) state() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, _ := p.doc.EncodeStateAsUpdate(nil)
	return u
}

var pings int

// roundTrip sends an edit from p and waits until other has it: the room
// has handled everything that reached it before.
func roundTrip(p, other *peer) {
	p.t.Helper()
	pings++
	n := pings
	p.do(func(d *crdt.Doc) { d.GetMap("ping").Set("n", n) })
	other.wait("a round trip", func(d *crdt.Doc, _ map[uint64]string) bool {
		v, _ := d.GetMap("ping").Get("n")
		return fmt.Sprint(v) == fmt.Sprint(n)
	})
}

// settle makes round trips between p and other until cond holds: each
// one lets the room handle what reached it before (deadline 60s).
func settle(p, other *peer, what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: not within 60s", what)
		}
		roundTrip(p, other)
	}
}

// attacks run against doc on s until ctx is done.
var attacks = map[string]func(ctx context.Context, b *testing.B, s *server, doc string){
	"quiet": func(ctx context.Context, b *testing.B, s *server, doc string) { <-ctx.Done() },
	"step1": func(ctx context.Context, b *testing.B, s *server, doc string) {
		rng := rand.New(rand.NewPCG(3, 3))
		for ctx.Err() == nil {
			a := dial(b, s, doc, false, 0)
			for range 30 {
				sv := crdt.StateVector{uint64(rng.Uint32()): 1 + rng.Uint64N(1<<20)}.Encode()
				if a.send(yproto.SyncStep1Message(sv)) != nil {
					break
				}
			}
			a.c.CloseNow()
		}
	},
	"awareness": func(ctx context.Context, b *testing.B, s *server, doc string) {
		for ctx.Err() == nil {
			a := dial(b, s, doc, true, 0)
			for i := range 1000 {
				if a.send(awareness(uint64(1e6+i%50), uint64(i+1), `{"pad":"`+strings.Repeat("x", 2000)+`"}`)) != nil {
					break
				}
			}
			a.c.CloseNow()
		}
	},
	"slow-readers": func(ctx context.Context, b *testing.B, s *server, doc string) {
		for range 20 {
			dial(b, s, doc, false, 0) // never read
		}
		w := dial(b, s, doc, true, 0)
		for i := 0; ctx.Err() == nil; i++ {
			w.do(func(d *crdt.Doc) { d.GetText("noise").Insert(0, strings.Repeat("n", 1000), nil) })
			time.Sleep(time.Millisecond)
		}
	},
}

// BenchmarkBystander measures a bystander editor's round trip (its edit
// seen by another bystander) on a 2 MB document while an attack runs:
//
//	go test ./internal/attack -run '^$' -bench Bystander -benchtime 200x
func BenchmarkBystander(b *testing.B) {
	for _, name := range []string{"quiet", "step1", "awareness", "slow-readers"} {
		b.Run(name, func(b *testing.B) {
			s := start(b)
			const doc = "atk/bench"
			bigDocB(b, s, doc)
			w := dial(b, s, doc, true, 0)
			by := dial(b, s, doc, true, 0)
			roundTrip(w, by)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Go(func() { attacks[name](ctx, b, s, doc) })
			time.Sleep(300 * time.Millisecond) // let the attack start
			lat := make([]float64, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				roundTrip(w, by)
				lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			cancel()
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(lat[len(lat)/2], "p50-ms")
			b.ReportMetric(lat[len(lat)*99/100], "p99-ms")
			b.ReportMetric(lat[len(lat)-1], "max-ms")
		})
	}
}

func bigDocB(b *testing.B, s *server, doc string) {
	w := dial(b, s, doc, true, 0)
	chunk := strings.Repeat("0123456789", 1000)
	for range 200 {
		w.do(func(d *crdt.Doc) { txt := d.GetText("t"); txt.Insert(txt.Len()/2, chunk, nil) })
	}
	check := dial(b, s, doc, true, 0)
	check.wait("the document", func(d *crdt.Doc, _ map[uint64]string) bool { return d.GetText("t").Len() == 200*len(chunk) })
}
