package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cocreate/cocreate/internal/loadgen"
)

// runBenchLoad implements `cocreate bench load`: drive a sync server on
// loopback with receivers and writers (or, with --idle, idle connections)
// and report latency, throughput, loss and the server's CPU and memory.
// args are the flags after "bench load".
func runBenchLoad(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench load", "--url ws://127.0.0.1:PORT/PATH [flags]", stderr)
	var (
		url       = fs.String("url", "", "server base WebSocket URL on loopback; a room is URL/ROOM (cocreate: ws://127.0.0.1:8080/sync/bench); with --protocol hocuspocus the socket URL (cocreate: ws://127.0.0.1:8080/hocuspocus), a room the document bench/ROOM")
		protocol  = fs.String("protocol", "y-websocket", "client framing: y-websocket or hocuspocus")
		rcvURLs   = fs.String("receiver-urls", "", "comma-separated base URLs the receivers are spread over (the instances of a cluster; default: --url)")
		rooms     = fs.Int("rooms", 1, "documents, each with its receivers and one writer")
		receivers = fs.Int("receivers", 100, "listening clients per room")
		rate      = fs.Float64("rate", 50, "updates per second each room's writer sends")
		duration  = fs.Duration("duration", 10*time.Second, "how long the writers send")
		drain     = fs.Duration("drain", 10*time.Second, "longest wait after the last send for receivers to catch up")
		pid       = fs.Int("server-pid", 0, "server process id: report its CPU time and memory from /proc")
		idle      = fs.Int("idle", 0, "instead of a load run, open this many idle synced connections and report memory per connection and the time and server CPU to open them")
		idleRooms = fs.Int("idle-rooms", 0, "rooms the idle connections are spread over (default: one per 20 connections)")
		idleDocs  = fs.Int("idle-docs-per-conn", 1, "with --idle and --protocol hocuspocus: documents each idle socket carries (one HocuspocusProviderWebsocket, several providers)")
		idleHold  = fs.Duration("idle-hold", 3*time.Second, "how long idle connections stay open before the server's memory is read")
		sources   = fs.Int("source-addrs", 250, "number of 127.0.0.x source addresses connections are spread over")
		dialConc  = fs.Int("dial-concurrency", 64, "connection attempts in flight at once")
		prefix    = fs.String("room-prefix", "", "room name prefix (default: random, so runs never share documents)")
		kv        = fs.Bool("kv", false, "also print one machine-readable 'result key=value …' line")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if *url == "" {
		return usageError("--url is required (e.g. ws://127.0.0.1:8080/sync/bench)")
	}
	proto, err := loadgen.ParseProtocol(*protocol)
	if err != nil {
		return usageError("--protocol: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *idle > 0 {
		res, err := loadgen.RunIdle(ctx, loadgen.IdleConfig{
			URL: *url, Protocol: proto, Conns: *idle, Rooms: *idleRooms, DocsPerConn: *idleDocs, Hold: *idleHold,
			ServerPID: *pid, SourceAddrs: *sources, DialConcurrency: *dialConc,
			RoomPrefix: *prefix, Log: stderr,
		})
		if res != nil {
			res.Text(stdout)
			if *kv {
				res.KV(stdout)
			}
		}
		return err
	}
	var receiverURLs []string
	for u := range strings.SplitSeq(*rcvURLs, ",") {
		if u = strings.TrimSpace(u); u != "" {
			receiverURLs = append(receiverURLs, u)
		}
	}
	res, err := loadgen.Run(ctx, loadgen.Config{
		URL: *url, ReceiverURLs: receiverURLs, Protocol: proto, Rooms: *rooms, Receivers: *receivers, Rate: *rate,
		Duration: *duration, Drain: *drain, ServerPID: *pid, SourceAddrs: *sources,
		DialConcurrency: *dialConc, RoomPrefix: *prefix, Log: stderr,
	})
	if res != nil {
		res.Text(stdout)
		if *kv {
			res.KV(stdout)
		}
	}
	return err
}
