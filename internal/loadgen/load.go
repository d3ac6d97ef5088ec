package loadgen

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/defaults"
)

// Config describes one load run. Zero durations and counts take the
// defaults noted on each field.
type Config struct {
	// URL is the server's base WebSocket URL on loopback; a room's URL is
	// URL + "/" + room name (y-websocket: ws://127.0.0.1:8080/sync/bench).
	URL string
	// ReceiverURLs, when set, spreads the receivers round-robin over these
	// base URLs (the instances of a cluster); writers still use URL.
	ReceiverURLs []string
	Protocol     Protocol
	// Rooms is the number of documents (default 1); each gets Receivers
	// listening clients (default 100) and one writer.
	Rooms, Receivers int
	// Rate is the updates per second each room's writer sends (default 50).
	Rate float64
	// Duration is how long the writers send (default 10 s).
	Duration time.Duration
	// Drain is the longest wait, after the last update was sent, for
	// receivers to get everything (default 10 s).
	Drain time.Duration
	// ServerPID, when not 0, is the server process whose CPU time and
	// memory are reported.
	ServerPID int
	// SourceAddrs is how many 127.0.0.x source addresses connections are
	// spread over (default 250).
	SourceAddrs int
	// DialConcurrency bounds connection attempts in flight (default 64).
	DialConcurrency int
	// ConnectTimeout bounds the whole connect phase (default 2 min).
	ConnectTimeout time.Duration
	// RoomPrefix names the rooms RoomPrefix-0, RoomPrefix-1, … (default
	// "bench-" and a random suffix, so runs never share documents).
	RoomPrefix string
	// Log, if set, receives one line per phase.
	Log io.Writer
}

func (c *Config) defaults() error {
	defaults.Zero(&c.Rooms, 1)
	defaults.Zero(&c.Receivers, 100)
	defaults.Zero(&c.SourceAddrs, 250)
	defaults.Zero(&c.DialConcurrency, 64)
	c.Rate = cmp.Or(c.Rate, 50)
	c.Duration = cmp.Or(c.Duration, 10*time.Second)
	c.Drain = cmp.Or(c.Drain, 10*time.Second)
	c.ConnectTimeout = cmp.Or(c.ConnectTimeout, 2*time.Minute)
	c.RoomPrefix = cmp.Or(c.RoomPrefix, "bench-"+randomID())
	if c.Log == nil {
		c.Log = io.Discard
	}
	switch {
	case c.Rooms < 0 || c.Receivers < 0 || c.SourceAddrs < 0 || c.DialConcurrency < 0:
		return errors.New("rooms, receivers, source addresses and dial concurrency must not be negative")
	case c.Rooms*c.Receivers > 100_000:
		return fmt.Errorf("%d rooms × %d receivers: at most 100000 clients", c.Rooms, c.Receivers)
	case c.Rate < 0 || c.Rate > 100_000 || math.IsNaN(c.Rate):
		return fmt.Errorf("rate %v: want 0 < rate ≤ 100000 updates/s", c.Rate)
	case c.Duration < 0 || c.Duration > time.Hour:
		return fmt.Errorf("duration %v: want at most 1h", c.Duration)
	case c.Rate*c.Duration.Seconds() > 10_000_000:
		return fmt.Errorf("rate × duration = %.0f updates per room: at most 10 million", c.Rate*c.Duration.Seconds())
	}
	return nil
}

func randomID() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Result is what a load run measured.
type Result struct {
	Protocol      string
	Rooms         int
	Receivers     int     // per room
	Rate          float64 // updates/s per room, asked for
	Duration      time.Duration
	Clients       int // receivers and writers asked for
	Connected     int // of them, connected and synced
	ConnectErr    int // connection attempts that failed
	ConnectErrors map[string]int
	// ConnectTime is from the first dial until every client was synced
	// (or had failed).
	ConnectTime time.Duration

	Sent            uint64  // updates the writers sent
	SentRate        float64 // updates/s actually sent, all rooms
	Expected        uint64  // Σ sent × receivers still connected at the end
	Delivered       uint64  // distinct updates receivers got (also the disconnected ones, before they went)
	Duplicates      uint64
	DeliveredPerSec float64 // Delivered / (last delivery − first send)
	// Loss counts updates that a receiver still connected at the end never got.
	Loss uint64
	// Disconnects counts receivers and writers whose connection ended
	// before the run did; DisconnectMissed is what those receivers missed.
	Disconnects      int
	DisconnectMissed uint64
	CloseReasons     map[string]int
	WriterErrors     int

	P50, P99, Max time.Duration
	Drained       bool // every connected receiver got every update before Drain ran out

	// LoadgenCPU is this process's CPU time over the run: near the
	// machine's core count, the load generator and not the server is the
	// bottleneck.
	LoadgenCPU time.Duration

	Server     bool          // the server fields below are filled
	ServerCPU  time.Duration // during the whole run
	ConnectCPU time.Duration // during the connect phase
	ServerRSS  int64         // at the end
	ServerPeak int64         // VmHWM at the end
	PeakReset  bool          // VmHWM was reset at the start (else it spans the process's life)
}

type room struct {
	name      string
	writer    *writer
	receivers []*receiver
}

type receiver struct {
	cl    *client
	seen  []uint64 // bitset of sequence numbers
	limit uint64   // sequence numbers ≥ limit are not ours
	got   atomic.Uint64
	dups  uint64
	h     hist
	last  time.Time
	err   error // why the connection ended early; nil while connected
}

type writer struct {
	cl   *client
	mu   sync.Mutex // the doc: the send loop edits it, the reader may answer a step 1
	doc  *crdt.Doc
	text *crdt.Text
	upd  []byte
	sent atomic.Uint64
	err  error // a send or read failure
}

func newWriter() *writer {
	w := &writer{doc: crdt.NewDoc(crdt.DocOptions{})}
	w.text = w.doc.GetText("text")
	w.doc.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { w.upd = append(w.upd[:0], u...) })
	return w
}

func (w *writer) step2(sv []byte) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	u, err := w.doc.EncodeStateAsUpdate(sv)
	if err != nil {
		u, _ = w.doc.EncodeStateAsUpdate(nil)
	}
	return u
}

// insert appends a marker to the text and returns the update framed as a
// sync update message.
func (w *writer) insert(seq uint64) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var mk [48]byte
	m := appendMarker(mk[:0], seq, time.Now().UnixNano())
	w.upd = w.upd[:0]
	if err := w.text.Insert(w.text.Len(), string(m), nil); err != nil {
		return nil, err
	}
	return w.cl.f.sync(syncUpdate, w.upd), nil
}

// Run performs one load run: connect and sync every client, send for
// cfg.Duration, wait for delivery, and report.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	d, err := newDialer(cfg.URL, cfg.Protocol, cfg.SourceAddrs)
	if err != nil {
		return nil, err
	}
	defer d.close()
	rdialers := []*dialer{d}
	if len(cfg.ReceiverURLs) > 0 {
		rdialers = nil
		for _, u := range cfg.ReceiverURLs {
			rd, err := newDialer(u, cfg.Protocol, cfg.SourceAddrs)
			if err != nil {
				return nil, err
			}
			defer rd.close()
			rdialers = append(rdialers, rd)
		}
	}

	res := &Result{
		Protocol: cfg.Protocol.String(), Rooms: cfg.Rooms, Receivers: cfg.Receivers,
		Rate: cfg.Rate, Duration: cfg.Duration, Clients: cfg.Rooms * (cfg.Receivers + 1),
		ConnectErrors: map[string]int{}, CloseReasons: map[string]int{},
	}
	self, _ := ReadProc(os.Getpid())
	var before ProcStats
	if cfg.ServerPID != 0 {
		res.PeakReset = resetPeak(cfg.ServerPID)
		if before, err = ReadProc(cfg.ServerPID); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", cfg.ServerPID, err)
		}
	}

	perRoom := uint64(math.Ceil(cfg.Rate*cfg.Duration.Seconds())) + 1
	rooms := make([]*room, cfg.Rooms)
	for i := range rooms {
		rooms[i] = &room{name: fmt.Sprintf("%s-%d", cfg.RoomPrefix, i)}
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var stopping atomic.Bool
	// Reads run under a context that is never cancelled: coder/websocket
	// registers every read with its context, and a thousand receivers
	// sharing one cancellable context contend on its lock at every
	// message. Closing the connections at the end ends the reads.
	readCtx := context.Background()
	var readers sync.WaitGroup
	var mu sync.Mutex // res.CloseReasons, res.Disconnects, receiver/writer err

	ended := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Disconnects++
		res.CloseReasons[closeReason(err)]++
	}
	// watch runs read (a receiver's or a writer's) until it fails; a
	// failure before the stop is kept in *failed and ends the client.
	watch := func(read func(context.Context) error, failed *error) {
		readers.Add(1)
		go func() {
			defer readers.Done()
			if err := read(readCtx); err != nil && !stopping.Load() {
				mu.Lock()
				*failed = err
				mu.Unlock()
				ended(err)
			}
		}()
	}

	// Connect: receivers first, writers last, rooms interleaved, at most
	// DialConcurrency attempts in flight.
	fmt.Fprintf(cfg.Log, "connecting %d clients (%d rooms × %d receivers + 1 writer) to %s\n",
		res.Clients, cfg.Rooms, cfg.Receivers, d.base)
	connectCtx, connectCancel := context.WithTimeout(runCtx, cfg.ConnectTimeout)
	sem := make(chan struct{}, cfg.DialConcurrency)
	var dials sync.WaitGroup
	connStart := time.Now()
	dialOne := func(d *dialer, rm *room, w *writer) (*client, bool) {
		dctx, cancel := context.WithTimeout(connectCtx, 30*time.Second)
		defer cancel()
		var step2 func([]byte) []byte
		if w != nil {
			step2 = w.step2
		}
		cl, err := d.dial(dctx, rm.name, step2)
		if err != nil {
			mu.Lock()
			res.ConnectErr++
			res.ConnectErrors[closeReason(err)]++
			mu.Unlock()
			return nil, false
		}
		return cl, true
	}
	for r := 0; r < cfg.Receivers; r++ {
		for _, rm := range rooms {
			rv := &receiver{limit: perRoom, seen: make([]uint64, perRoom/64+1)}
			rm.receivers = append(rm.receivers, rv)
			sem <- struct{}{}
			dials.Add(1)
			go func() {
				defer dials.Done()
				defer func() { <-sem }()
				cl, ok := dialOne(rdialers[r%len(rdialers)], rm, nil)
				if !ok {
					rv.err = errors.New("never connected")
					return
				}
				rv.cl = cl
				watch(rv.run, &rv.err)
			}()
		}
	}
	for _, rm := range rooms {
		w := newWriter()
		sem <- struct{}{}
		dials.Add(1)
		go func() {
			defer dials.Done()
			defer func() { <-sem }()
			cl, ok := dialOne(d, rm, w)
			if !ok {
				return
			}
			w.cl = cl
			rm.writer = w
			watch(w.drain, &w.err)
		}()
	}
	dials.Wait()
	connectCancel()
	res.ConnectTime = time.Since(connStart)
	res.Connected = res.Clients - res.ConnectErr
	fmt.Fprintf(cfg.Log, "connected %d/%d in %v (%d failed)\n", res.Connected, res.Clients,
		res.ConnectTime.Round(time.Millisecond), res.ConnectErr)
	if cfg.ServerPID != 0 {
		if s, err := ReadProc(cfg.ServerPID); err == nil {
			res.ConnectCPU = s.CPU - before.CPU
		}
	}
	if res.Connected == 0 {
		return res, fmt.Errorf("no client connected: %v", res.ConnectErrors)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}

	// Send.
	fmt.Fprintf(cfg.Log, "sending %.0f updates/s per room for %v\n", cfg.Rate, cfg.Duration)
	// Writers are spread evenly over one interval, as independent
	// editors would be, rather than all sending in the same instant.
	sendStart := time.Now()
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	var sends sync.WaitGroup
	for i, rm := range rooms {
		if rm.writer == nil {
			continue
		}
		start := sendStart.Add(interval * time.Duration(i) / time.Duration(len(rooms)))
		sends.Add(1)
		go func() {
			defer sends.Done()
			err := rm.writer.send(runCtx, start, cfg.Rate, cfg.Duration, perRoom)
			if err != nil && !stopping.Load() {
				mu.Lock()
				rm.writer.err = err
				res.WriterErrors++
				mu.Unlock()
			}
			if n := rm.writer.sent.Load(); err != nil || n+1 < perRoom {
				fmt.Fprintf(cfg.Log, "writer of %s stopped after %d of %d updates: %v\n", rm.name, n, perRoom-1, err)
			}
		}()
	}
	sends.Wait()
	sendEnd := time.Now()

	// Drain: wait until every receiver still connected has every update.
	drainEnd := sendEnd.Add(cfg.Drain)
	for {
		if deliveredAll(rooms, &mu) {
			res.Drained = true
			break
		}
		if time.Now().After(drainEnd) || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if cfg.ServerPID != 0 {
		if s, err := ReadProc(cfg.ServerPID); err == nil {
			res.Server = true
			res.ServerCPU = s.CPU - before.CPU
			res.ServerRSS = s.RSS
			res.ServerPeak = s.HWM
		}
	}
	if now, err := ReadProc(os.Getpid()); err == nil {
		res.LoadgenCPU = now.CPU - self.CPU
	}
	stopping.Store(true)
	stop()
	for _, rm := range rooms {
		for _, rv := range rm.receivers {
			if rv.cl != nil {
				rv.cl.c.CloseNow()
			}
		}
		if rm.writer != nil {
			rm.writer.cl.c.CloseNow()
		}
	}
	readers.Wait()

	// Tally.
	var h hist
	var last time.Time
	for _, rm := range rooms {
		var sent uint64
		if rm.writer != nil {
			sent = rm.writer.sent.Load()
		}
		res.Sent += sent
		for _, rv := range rm.receivers {
			got := rv.got.Load()
			res.Delivered += got
			res.Duplicates += rv.dups
			h.merge(&rv.h)
			if rv.last.After(last) {
				last = rv.last
			}
			switch {
			case rv.cl == nil: // never connected: neither expected nor lost
			case rv.err != nil:
				res.DisconnectMissed += sent - min(got, sent)
			default:
				res.Expected += sent
				res.Loss += sent - min(got, sent)
			}
		}
	}
	if span := sendEnd.Sub(sendStart).Seconds(); span > 0 {
		res.SentRate = float64(res.Sent) / span
	}
	if span := last.Sub(sendStart).Seconds(); span > 0 {
		res.DeliveredPerSec = float64(res.Delivered) / span
	}
	res.P50, res.P99 = h.quantile(0.50), h.quantile(0.99)
	res.Max = time.Duration(h.max) * time.Microsecond
	return res, nil
}

func deliveredAll(rooms []*room, mu *sync.Mutex) bool {
	mu.Lock()
	defer mu.Unlock()
	for _, rm := range rooms {
		if rm.writer == nil {
			continue
		}
		sent := rm.writer.sent.Load()
		for _, rv := range rm.receivers {
			if rv.cl != nil && rv.err == nil && rv.got.Load() < sent {
				return false
			}
		}
	}
	return true
}

// run reads until the connection ends, recording every marker.
func (rv *receiver) run(ctx context.Context) error {
	onUpdate := func(p []byte) {
		now := time.Now()
		scanMarkers(p, func(seq uint64, ts int64) {
			if seq >= rv.limit {
				return
			}
			if rv.seen[seq/64]&(1<<(seq%64)) != 0 {
				rv.dups++
				return
			}
			rv.seen[seq/64] |= 1 << (seq % 64)
			rv.h.add(now.Sub(time.Unix(0, ts)))
			rv.last = now
			rv.got.Add(1)
		})
	}
	return rv.cl.serve(ctx, onUpdate)
}

// drain reads (and ignores) what the server sends the writer, so that
// the socket never backs up and pings are answered.
func (w *writer) drain(ctx context.Context) error { return w.cl.serve(ctx, nil) }

// send sends update seq at start + seq/rate until duration is over. A
// writer that falls behind (the server pushes back) catches up without
// sleeping, but gives up two seconds after the end: the run is bounded in
// time, and SentRate shows the shortfall.
func (w *writer) send(ctx context.Context, start time.Time, rate float64, duration time.Duration, limit uint64) error {
	interval := time.Duration(float64(time.Second) / rate)
	end := start.Add(duration)
	for seq := uint64(0); seq < limit; seq++ {
		due := start.Add(time.Duration(seq) * interval)
		if !due.Before(end) {
			return nil
		}
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if time.Now().After(end.Add(2 * time.Second)) {
			return nil
		}
		msg, err := w.insert(seq)
		if err != nil {
			return err
		}
		if err := w.cl.send(ctx, msg); err != nil {
			return err
		}
		w.sent.Add(1)
	}
	return nil
}

// Text writes the result for people.
func (r *Result) Text(w io.Writer) {
	fmt.Fprintf(w, "load: %s, %d room(s) × %d receivers + 1 writer, %.0f updates/s per room for %v\n",
		r.Protocol, r.Rooms, r.Receivers, r.Rate, r.Duration)
	fmt.Fprintf(w, "  connect:   %d/%d clients synced in %v", r.Connected, r.Clients, r.ConnectTime.Round(time.Millisecond))
	if r.ConnectErr > 0 {
		fmt.Fprintf(w, ", %d failed: %s", r.ConnectErr, topReasons(r.ConnectErrors))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  sent:      %d updates (%.0f/s)\n", r.Sent, r.SentRate)
	fmt.Fprintf(w, "  delivered: %d (%.0f msg/s), %d duplicates\n", r.Delivered, r.DeliveredPerSec, r.Duplicates)
	fmt.Fprintf(w, "  latency:   p50 %v  p99 %v  max %v\n", fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.Max))
	fmt.Fprintf(w, "  loss:      %d of %d expected (%.2f%%)", r.Loss, r.Expected, pct(r.Loss, r.Expected))
	if !r.Drained {
		fmt.Fprint(w, ", drain timed out")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  disconnects: %d", r.Disconnects)
	if r.Disconnects > 0 {
		fmt.Fprintf(w, " (%s; they missed %d updates)", topReasons(r.CloseReasons), r.DisconnectMissed)
	}
	fmt.Fprintln(w)
	if r.WriterErrors > 0 {
		fmt.Fprintf(w, "  writer errors: %d\n", r.WriterErrors)
	}
	fmt.Fprintf(w, "  loadgen:   CPU %.2f s\n", r.LoadgenCPU.Seconds())
	if r.Server {
		fmt.Fprintf(w, "  server:    CPU %.2f s (connect %.2f s), RSS %s, peak %s\n",
			r.ServerCPU.Seconds(), r.ConnectCPU.Seconds(), fmtBytes(r.ServerRSS), fmtBytes(r.ServerPeak))
	}
}

// KV writes the result as one "result key=value …" line for scripts.
func (r *Result) KV(w io.Writer) {
	fmt.Fprintf(w, "result kind=load protocol=%s rooms=%d receivers=%d rate=%g duration_s=%g clients=%d connected=%d connect_failed=%d connect_s=%.3f sent=%d sent_per_s=%.1f expected=%d delivered=%d delivered_per_s=%.0f duplicates=%d loss=%d loss_pct=%.3f disconnects=%d disconnect_missed=%d drained=%t peak_reset=%t p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
		r.Protocol, r.Rooms, r.Receivers, r.Rate, r.Duration.Seconds(), r.Clients, r.Connected, r.ConnectErr,
		r.ConnectTime.Seconds(), r.Sent, r.SentRate, r.Expected, r.Delivered, r.DeliveredPerSec, r.Duplicates,
		r.Loss, pct(r.Loss, r.Expected), r.Disconnects, r.DisconnectMissed, r.Drained, r.PeakReset,
		ms(r.P50), ms(r.P99), ms(r.Max))
	fmt.Fprintf(w, " loadgen_cpu_s=%.2f", r.LoadgenCPU.Seconds())
	if r.Server {
		fmt.Fprintf(w, " server_cpu_s=%.2f connect_cpu_s=%.2f server_rss_kib=%d server_peak_kib=%d",
			r.ServerCPU.Seconds(), r.ConnectCPU.Seconds(), r.ServerRSS/1024, r.ServerPeak/1024)
	}
	fmt.Fprintln(w)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pct(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", ms(d))
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}

// topReasons lists the three most frequent reasons with their counts.
func topReasons(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var s []kv
	for k, v := range m {
		s = append(s, kv{k, v})
	}
	sort.Slice(s, func(i, j int) bool { return s[i].v > s[j].v || s[i].v == s[j].v && s[i].k < s[j].k })
	out := ""
	for i, x := range s {
		if i == 3 {
			out += ", …"
			break
		}
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%d× %s", x.v, x.k)
	}
	return out
}
