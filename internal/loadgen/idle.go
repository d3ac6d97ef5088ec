package loadgen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// IdleConfig describes an idle run: many clients connect, sync and then
// stay quiet, as a crowd of readers does.
type IdleConfig struct {
	URL      string
	Protocol Protocol
	// Conns is how many clients to open (default 20000), spread evenly
	// over Rooms documents (default Conns/20).
	Conns, Rooms int
	// DocsPerConn, above 1, makes each connection one Hocuspocus socket
	// carrying that many documents (as one HocuspocusProviderWebsocket
	// with several providers): Conns × DocsPerConn documents are opened,
	// spread over Rooms (default: one per 20 of them).
	DocsPerConn int
	// Hold is how long the connections stay open once all are synced,
	// before memory is read (default 3 s, letting the server settle).
	Hold            time.Duration
	ServerPID       int
	SourceAddrs     int
	DialConcurrency int
	ConnectTimeout  time.Duration // default 3 min
	RoomPrefix      string
	Log             io.Writer
}

// IdleResult is what an idle run measured.
type IdleResult struct {
	Protocol      string
	Conns, Rooms  int
	DocsPerConn   int
	Connected     int
	ConnectErr    int
	ConnectErrors map[string]int
	// OpenTime is from the first dial until every client was synced (or
	// had failed); OpenRate is Connected / OpenTime.
	OpenTime time.Duration
	OpenRate float64
	// Dropped counts connections that ended during Hold.
	Dropped int

	Server     bool
	OpenCPU    time.Duration // server CPU while opening
	RSSBefore  int64         // server VmRSS before the first dial
	RSSAfter   int64         // after Hold
	ServerPeak int64         // VmHWM after Hold
	PerConn    int64         // (RSSAfter − RSSBefore) / Connected, bytes
	PerDoc     int64         // PerConn / DocsPerConn
}

// RunIdle opens cfg.Conns synced connections, holds them, reports, and
// closes them.
func RunIdle(ctx context.Context, cfg IdleConfig) (*IdleResult, error) {
	cfg.Conns = cmp.Or(cfg.Conns, 20000)
	if cfg.Conns < 0 || cfg.Conns > 100_000 {
		return nil, fmt.Errorf("%d idle connections: want 1 to 100000", cfg.Conns)
	}
	if cfg.DocsPerConn <= 0 {
		cfg.DocsPerConn = 1
	}
	if cfg.Rooms <= 0 {
		cfg.Rooms = max(1, cfg.Conns*cfg.DocsPerConn/20)
	}
	cfg.Hold = cmp.Or(cfg.Hold, 3*time.Second)
	cfg.SourceAddrs = cmp.Or(cfg.SourceAddrs, 250)
	if cfg.DialConcurrency <= 0 {
		cfg.DialConcurrency = 64
	}
	cfg.ConnectTimeout = cmp.Or(cfg.ConnectTimeout, 3*time.Minute)
	cfg.RoomPrefix = cmp.Or(cfg.RoomPrefix, "idle-"+randomID())
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	d, err := newDialer(cfg.URL, cfg.Protocol, cfg.SourceAddrs)
	if err != nil {
		return nil, err
	}
	defer d.close()
	res := &IdleResult{Protocol: cfg.Protocol.String(), Conns: cfg.Conns, Rooms: cfg.Rooms, DocsPerConn: cfg.DocsPerConn, ConnectErrors: map[string]int{}}
	var before ProcStats
	if cfg.ServerPID != 0 {
		resetPeak(cfg.ServerPID)
		if before, err = ReadProc(cfg.ServerPID); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", cfg.ServerPID, err)
		}
		res.RSSBefore = before.RSS
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	connectCtx, connectCancel := context.WithTimeout(runCtx, cfg.ConnectTimeout)
	defer connectCancel()
	var (
		mu       sync.Mutex
		clients  = make([]*client, 0, cfg.Conns)
		stopping atomic.Bool
		dropped  atomic.Int64
		readers  sync.WaitGroup
		dials    sync.WaitGroup
		sem      = make(chan struct{}, cfg.DialConcurrency)
	)
	fmt.Fprintf(cfg.Log, "opening %d idle connections over %d rooms to %s\n", cfg.Conns, cfg.Rooms, d.base)
	start := time.Now()
	progress := start
	for i := 0; i < cfg.Conns; i++ {
		if connectCtx.Err() != nil {
			mu.Lock()
			res.ConnectErr += cfg.Conns - i
			res.ConnectErrors["connect phase timed out"] += cfg.Conns - i
			mu.Unlock()
			break
		}
		sem <- struct{}{}
		dials.Add(1)
		go func() {
			defer dials.Done()
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(connectCtx, 30*time.Second)
			defer cancel()
			var cl *client
			var err error
			if cfg.DocsPerConn == 1 {
				cl, err = d.dial(dctx, fmt.Sprintf("%s-%d", cfg.RoomPrefix, i%cfg.Rooms), nil)
			} else {
				rooms := make([]string, cfg.DocsPerConn)
				for k := range rooms {
					rooms[k] = fmt.Sprintf("%s-%d", cfg.RoomPrefix, (i*cfg.DocsPerConn+k)%cfg.Rooms)
				}
				cl, err = d.dialDocs(dctx, rooms)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.ConnectErr++
				res.ConnectErrors[closeReason(err)]++
				return
			}
			clients = append(clients, cl)
			readers.Add(1)
			go func() { // ends when the connection is closed (see Run on why not runCtx)
				defer readers.Done()
				for {
					m, err := cl.read(context.Background())
					if err == nil {
						_, err = cl.handle(context.Background(), m, nil)
					}
					if err != nil {
						if !stopping.Load() {
							dropped.Add(1)
						}
						return
					}
				}
			}()
		}()
		if time.Since(progress) > 5*time.Second {
			progress = time.Now()
			fmt.Fprintf(cfg.Log, "  %d dialled in %v\n", i, time.Since(start).Round(time.Millisecond))
		}
	}
	dials.Wait()
	res.OpenTime = time.Since(start)
	res.Connected = len(clients)
	if s := res.OpenTime.Seconds(); s > 0 {
		res.OpenRate = float64(res.Connected) / s
	}
	fmt.Fprintf(cfg.Log, "opened %d/%d in %v (%d failed)\n", res.Connected, cfg.Conns, res.OpenTime.Round(time.Millisecond), res.ConnectErr)
	if cfg.ServerPID != 0 {
		if s, err := ReadProc(cfg.ServerPID); err == nil {
			res.OpenCPU = s.CPU - before.CPU
		}
	}
	select {
	case <-time.After(cfg.Hold):
	case <-ctx.Done():
	}
	res.Dropped = int(dropped.Load())
	if cfg.ServerPID != 0 {
		if s, err := ReadProc(cfg.ServerPID); err == nil {
			res.Server = true
			res.RSSAfter = s.RSS
			res.ServerPeak = s.HWM
			if res.Connected > 0 {
				res.PerConn = (res.RSSAfter - res.RSSBefore) / int64(res.Connected)
				res.PerDoc = res.PerConn / int64(cfg.DocsPerConn)
			}
		}
	}
	stopping.Store(true)
	stop()
	for _, cl := range clients {
		cl.c.CloseNow()
	}
	readers.Wait()
	if res.Connected == 0 {
		return res, errors.New("no connection opened: " + topReasons(res.ConnectErrors))
	}
	return res, ctx.Err()
}

// Text writes the result for people.
func (r *IdleResult) Text(w io.Writer) {
	fmt.Fprintf(w, "idle: %s, %d connections over %d rooms", r.Protocol, r.Conns, r.Rooms)
	if r.DocsPerConn > 1 {
		fmt.Fprintf(w, ", %d documents per connection", r.DocsPerConn)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  open:      %d synced in %v (%.0f/s)", r.Connected, r.OpenTime.Round(time.Millisecond), r.OpenRate)
	if r.ConnectErr > 0 {
		fmt.Fprintf(w, ", %d failed: %s", r.ConnectErr, topReasons(r.ConnectErrors))
	}
	fmt.Fprintln(w)
	if r.Dropped > 0 {
		fmt.Fprintf(w, "  dropped while idle: %d\n", r.Dropped)
	}
	if r.Server {
		fmt.Fprintf(w, "  server:    CPU to open %.2f s, RSS %s → %s (%.1f KiB per connection), peak %s\n",
			r.OpenCPU.Seconds(), fmtBytes(r.RSSBefore), fmtBytes(r.RSSAfter), float64(r.PerConn)/1024, fmtBytes(r.ServerPeak))
		if r.DocsPerConn > 1 {
			fmt.Fprintf(w, "             %.1f KiB per document\n", float64(r.PerDoc)/1024)
		}
	}
}

// KV writes the result as one "result key=value …" line for scripts.
func (r *IdleResult) KV(w io.Writer) {
	fmt.Fprintf(w, "result kind=idle protocol=%s conns=%d rooms=%d docs_per_conn=%d connected=%d connect_failed=%d open_s=%.3f open_per_s=%.0f dropped=%d",
		r.Protocol, r.Conns, r.Rooms, r.DocsPerConn, r.Connected, r.ConnectErr, r.OpenTime.Seconds(), r.OpenRate, r.Dropped)
	if r.Server {
		fmt.Fprintf(w, " open_cpu_s=%.2f rss_before_kib=%d rss_after_kib=%d server_peak_kib=%d per_conn_kib=%.1f per_doc_kib=%.1f",
			r.OpenCPU.Seconds(), r.RSSBefore/1024, r.RSSAfter/1024, r.ServerPeak/1024, float64(r.PerConn)/1024, float64(r.PerDoc)/1024)
	}
	fmt.Fprintln(w)
}
