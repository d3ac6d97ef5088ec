package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// Server is the cocreate HTTP server. Create it with New, run it with
// Serve or ListenAndServe.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   workspace.Store
	hubs    *hub.Registry
	metrics *hub.Metrics
	echo    *echo.Echo
	ready   atomic.Bool
	accepts *acceptBucket

	ipMu    sync.Mutex
	ipConns map[string]int // open WebSocket connections per client address

	ws     *workspace.Workspace
	hooks  *webhook.Dispatcher // webhook deliveries, run by Serve
	closer []io.Closer         // what New opened besides store and hubs (the meeting lock)

	guestKey  []byte               // derives guests' public ids (guest.go)
	preg      *prometheus.Registry // served on /metrics or --metrics-addr
	creations *creations           // dev-mode creations per address (quota.go)

	conns sync.WaitGroup // upgraded sockets being served
	// sockets is cancelled when shutdown starts: /hocuspocus sockets
	// close themselves then, even with no document open in a hub.
	sockets     context.Context
	stopSockets context.CancelFunc
}

// NewLogger returns the logger Config.LogFormat asks for, writing to w.
func NewLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// New validates cfg, opens the store and builds the server. On error
// it closes whatever it opened.
func New(cfg Config, log *slog.Logger) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var opened []io.Closer
	defer func() {
		if err != nil {
			for _, c := range slices.Backward(opened) {
				c.Close()
			}
		}
	}()
	var bus hub.Bus         // nil: in-process
	var lock workspace.Lock // nil: one instance
	var redisLock *hub.RedisLock
	if cfg.Redis != "" {
		redisPrefix, err := cfg.redisPrefix()
		if err != nil {
			return nil, err
		}
		rb, err := hub.NewRedisBus(hub.RedisOptions{URL: cfg.Redis, Prefix: redisPrefix, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		opened = append(opened, rb)
		log.Info("redis bus", "cluster", hub.IsRedisClusterURL(cfg.Redis), "prefix", redisPrefix)
		bus = rb
		rl, err := hub.NewRedisLock(hub.RedisLockOptions{URL: cfg.Redis, Prefix: redisPrefix, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		opened = append(opened, rl)
		lock, redisLock = rl, rl
	}
	store, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	opened = append(opened, store)
	if err := replaySpool(cfg, store, log); err != nil {
		return nil, err
	}
	keyCtx, cancelKeys := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelKeys()
	ballotKey, err := ballotKey(keyCtx, cfg, store, log)
	if err != nil {
		return nil, err
	}
	guestKey, err := sharedKey(keyCtx, cfg, store, log, "guest")
	if err != nil {
		return nil, err
	}
	preg := prometheus.NewRegistry()
	metrics := hub.NewMetrics()
	if err := metrics.Register(preg); err != nil {
		return nil, err
	}
	preg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The hubs' OnSnapshot calls the workspace, once it exists.
	var ws *workspace.Workspace
	hubs := hub.New(hub.Config{
		// The server's own CRDT peer id on this instance (meeting
		// documents); 31 bits, as yjs picks them.
		ClientID:       uint64(rand.Uint32() >> 1),
		Store:          store,
		Logger:         log,
		Metrics:        metrics,
		FlushInterval:  cfg.FlushInterval,
		MaxConnsPerDoc: cfg.MaxConnsPerDoc,
		MaxDocSize:     cfg.MaxDocSize,
		QueueSize:      cfg.ConnQueue,
		QueueBytes:     cfg.ConnQueueBytes,
		RoomQueueBytes: cfg.RoomQueueBytes,
		Rates:          cfg.hubRates(),

		MaxAwarenessState: cfg.MaxAwarenessSize,
		SpoolDir:          cfg.spoolDir(),
		Validate:          validateUpdate,
		MaxSessionBytes:   cfg.MaxSessionBytes,
		Bus:               bus,
		SyncInterval:      cfg.SyncInterval,
		OnSnapshot:        func(doc string, state []byte) { ws.OnSnapshot(doc, state) },
		OnStored:          func(doc string, d *crdt.Doc) { ws.OnStored(doc, d) },
		SnapshotEvery:     min(10*time.Minute, cfg.VersionEvery/4),
	})
	hooks := webhook.New(webhook.Config{
		Store:        store,
		Instance:     hubs.Instance(),
		AllowPrivate: cfg.WebhookAllowPrivate,
		Logger:       log,
	})
	ws = workspace.New(workspace.Config{
		Webhooks:                hooks,
		WebhookAllowPrivate:     cfg.WebhookAllowPrivate,
		Store:                   store,
		Hubs:                    hubs,
		Lock:                    lock,
		BallotKey:               ballotKey,
		RateCommands:            cfg.RateCommands,
		RateUpdates:             cfg.RateUpdates,
		VersionEvery:            cfg.VersionEvery,
		Logger:                  log,
		MaxAttendance:           cfg.MaxAttendance,
		MaxDocsPerSession:       cfg.MaxDocsPerSession,
		MaxSessionsPerSpaceHour: cfg.MaxSessionsPerSpaceHour,
		MaxSpacesPerPerson:      cfg.MaxSpacesPerPerson,
		MaxInvitesPerSpace:      cfg.MaxInvitesPerSpace,
	})
	s := &Server{
		cfg:       cfg,
		log:       log,
		store:     store,
		metrics:   metrics,
		ipConns:   map[string]int{},
		ws:        ws,
		accepts:   newAcceptBucket(cfg.AcceptRate, cfg.AcceptBurst),
		hubs:      hubs,
		guestKey:  guestKey,
		preg:      preg,
		creations: newCreations(cfg.GuestCreationsPerMinute),
		hooks:     hooks,
	}
	if redisLock != nil {
		s.closer = append(s.closer, redisLock)
	}
	s.sockets, s.stopSockets = context.WithCancel(context.Background())
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// Limits per address count the peer itself: forwarding headers are
	// trusted only once a proxy is configured.
	e.IPExtractor = echo.ExtractIPDirect()
	if ranges, _ := cfg.proxyRanges(); len(ranges) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, r := range ranges {
			opts = append(opts, echo.TrustIPRange(r))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	if statusHook != nil {
		e.Use(observeStatus)
	}
	// Headers, deadlines and the dev mode's cross-site checks (hygiene.go).
	e.Use(s.hygiene)
	// Identity for /sync and /api routes, however they are registered.
	e.Use(s.authenticate)
	e.Use(s.creationQuota)
	e.Use(s.countRefused)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler(preg))
	e.GET("/sync/:session/:doc", s.sync)
	e.GET("/sync/:room", s.sync)
	e.GET("/hocuspocus", s.hocuspocus)
	e.POST("/api/tokens", s.mintToken)
	s.sessionRoutes(e.Group("/api"))
	s.calendarRoutes(e.Group("/api"))
	s.accessRoutes(e.Group("/api"))
	e.GET("/notes/:id", s.readNotesPage)
	e.GET("/api/search", s.search)
	s.webRoutes(e)
	s.echo = e
	s.ready.Store(true)
	return s, nil
}

// statusHook, when set (by the package's tests), is told the route and
// final status of every request, so the tests can check each status the
// server answers is documented in docs/openapi.yaml.
var statusHook func(method, route string, status int)

func observeStatus(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil {
			c.Error(err) // writes the answer now, so its status is known
			err = nil
		}
		statusHook(c.Request().Method, c.Path(), c.Response().Status)
		return err
	}
}

// openStore opens the store cfg selects: PostgreSQL with --postgres,
// else SQLite in --data.
func openStore(cfg Config) (workspace.Store, error) {
	if cfg.Postgres != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		store, err := notes.OpenPostgres(ctx, cfg.Postgres)
		if err != nil {
			return nil, fmt.Errorf("--postgres: %w", err)
		}
		return store, nil
	}
	store, err := notes.OpenSQLite(cfg.Data)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	return store, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// readyz is 200 "ok" while the instance can serve and reach the other
// instances; 503 with {"status","reason"} JSON while it shuts down, while
// its bus is broken ("degraded": local clients still work, but edits do
// not reach the other instances until the bus is back) or while the store
// refuses writes ("store_unavailable": edits are kept in memory, retried,
// and spooled at shutdown).
func (s *Server) readyz(c echo.Context) error {
	if !s.ready.Load() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "shutting down", "reason": "the server is shutting down"})
	}
	if err := s.hubs.BusErr(); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "degraded", "reason": err.Error()})
	}
	if err := s.storeErr(c.Request().Context()); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "store_unavailable", "reason": err.Error()})
	}
	return c.String(http.StatusOK, "ok\n")
}

// sync upgrades GET /sync/{session}/{doc} and hands the socket to the
// document's hub until it closes, as workspace.Connect decided.
func (s *Server) sync(c echo.Context) error {
	session, doc := param(c, "session"), param(c, "doc")
	if session == "" {
		session = param(c, "room") // a room name without a slash
	}
	if ok, err := s.admitSocket(c); !ok {
		return err
	}
	// ?saved=1 opts in to saved messages (type 101, hub.ConnOptions.SavedAcks).
	saved := c.QueryParam("saved")
	if saved != "" && saved != "0" && saved != "1" {
		return jsonError(c, http.StatusBadRequest, "bad_request", fmt.Sprintf("saved: %q is not 0 or 1", saved))
	}
	id := identityOf(c)
	access, err := s.openDoc(c.Request().Context(), id, c.RealIP(), session, doc)
	if err != nil {
		status, body := answerOf(err)
		return c.JSON(status, body)
	}
	access.opts.SavedAcks = saved == "1"
	ws, sock, ip := s.upgrade(c)
	if ws == nil {
		return nil
	}
	name := session
	if doc != "" {
		name += "/" + doc
	}
	// The socket is served by goroutines of its own (hub.Registry.Start)
	// and the handler returns: net/http's connection goroutine (with its
	// deep stack), the request and echo's context are freed, which is
	// most of what an idle connection would otherwise keep. The socket
	// stays valid: it was hijacked. Nothing of the request is kept: the
	// hub gets a context of its own (the request's is not cancelled on
	// server shutdown for hijacked connections anyway; the registry
	// closes them itself).
	access.opened()
	s.conns.Add(1)
	closed := access.closed // not access: the closure would keep all of it
	err = s.hubs.Start(context.Background(), name, transport(ws, sock), access.opts, func() {
		s.socketDone(nil, name, ip, closed)
	})
	if err != nil {
		s.socketDone(err, name, ip, closed)
	}
	return nil
}

// admitSocket applies the checks every WebSocket upgrade passes before
// anything else: the server is up, the Origin is allowed, and the
// new-connection rate has room. When one fails it answers the request
// and returns false (and the handler's error).
func (s *Server) admitSocket(c echo.Context) (bool, error) {
	if !s.ready.Load() {
		return false, echo.NewHTTPError(http.StatusServiceUnavailable, "shutting down")
	}
	if err := s.checkOrigin(c.Request()); err != nil {
		s.metrics.Refused.WithLabelValues("bad_origin").Inc()
		return false, authError(c, http.StatusForbidden, "forbidden_origin", err.Error())
	}
	if ok, wait := s.accepts.take(time.Now()); !ok {
		s.metrics.Refused.WithLabelValues("accept_rate").Inc()
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return false, echo.NewHTTPError(http.StatusServiceUnavailable, "too many new connections; retry later")
	}
	return true, nil
}

// upgrade accepts the WebSocket of an admitted request, with the message
// size limit, and counts it against its address (releaseIP(ip) when it
// ends). It returns nil when it refused, having answered or closed.
func (s *Server) upgrade(c echo.Context) (ws *websocket.Conn, sock *corkConn, ip string) {
	sock = &corkConn{}
	ws, err := websocket.Accept(smallBuffers{ResponseWriter: c.Response(), sock: sock}, c.Request(), &websocket.AcceptOptions{
		// checkOrigin has applied --allowed-origins.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.metrics.Refused.WithLabelValues("bad_upgrade").Inc()
		return nil, nil, "" // Accept has written the HTTP error
	}
	ws.SetReadLimit(s.cfg.MaxMessageSize)
	sock.unwrap()
	ip = c.RealIP()
	if !s.acquireIP(ip) {
		s.metrics.Refused.WithLabelValues("too_many_connections_from_ip").Inc()
		s.log.Warn("connection refused: too many from one address", "remote", ip)
		ws.Close(websocket.StatusTryAgainLater, "too many connections from this address")
		return nil, nil, ""
	}
	return ws, sock, ip
}

// socketDone is what follows a socket's life in the hub.
func (s *Server) socketDone(err error, name, ip string, closed func()) {
	defer s.conns.Done()
	closed()
	s.releaseIP(ip)
	if err != nil && !errors.Is(err, hub.ErrClosed) && !errors.Is(err, hub.ErrGone) {
		s.log.Warn("connection ended with an error", "doc", name, "err", err)
	}
}

func (s *Server) acquireIP(ip string) bool {
	s.ipMu.Lock()
	defer s.ipMu.Unlock()
	if max := s.cfg.MaxConnsPerIP; max > 0 && s.ipConns[ip] >= max {
		return false
	}
	s.ipConns[ip]++
	return true
}

func (s *Server) releaseIP(ip string) {
	s.ipMu.Lock()
	defer s.ipMu.Unlock()
	if s.ipConns[ip]--; s.ipConns[ip] <= 0 {
		delete(s.ipConns, ip)
	}
}

// Serve serves HTTP on ln until ctx is done, then shuts down gracefully:
// it stops accepting, closes every WebSocket with 1001 "going away",
// stores every document and closes the store, within ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		// A slow body or a slow reader of the answer is cut off; an
		// idle keep-alive connection is closed. WebSocket upgrades clear
		// the deadlines (hygiene).
		ReadTimeout:  s.cfg.ReadTimeout,
		WriteTimeout: s.cfg.WriteTimeout,
		IdleTimeout:  s.cfg.IdleTimeout,
		ErrorLog:     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.hubs.StartBus()
	stopMetrics := s.serveMetrics(s.preg)
	defer stopMetrics()
	// Webhook deliveries run until the documents are closed (their last
	// events emitted), and stop before the store closes.
	hooksCtx, stopHooks := context.WithCancel(context.Background())
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); s.hooks.Run(hooksCtx) }()
	// Series occurrences come into being as they come up.
	seriesDone := make(chan struct{})
	go func() { defer close(seriesDone); s.ws.RunSeries(hooksCtx, time.Minute) }()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	var debug *http.Server
	debugDone := make(chan struct{})
	if s.cfg.DebugAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		debug = &http.Server{Addr: s.cfg.DebugAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			defer close(debugDone)
			if err := debug.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("debug listener", "addr", s.cfg.DebugAddr, "err", err)
			}
		}()
	} else {
		close(debugDone)
	}
	s.log.Info("listening", "url", openURL(ln.Addr()), "addr", ln.Addr().String(), "data", s.cfg.Data, "bus", s.busName(), "instance", s.hubs.Instance())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	s.ready.Store(false)
	s.stopSockets()
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		errs = append(errs, serveErr)
	}
	// Stop accepting first, then drain the hubs: Shutdown does not wait for
	// hijacked WebSocket connections.
	if err := hs.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if serveErr == nil {
		<-served
	}
	if debug != nil {
		_ = debug.Close()
	}
	<-debugDone
	if err := s.hubs.Close(sctx); err != nil {
		errs = append(errs, fmt.Errorf("closing documents: %w", err))
	}
	served2 := make(chan struct{})
	go func() { s.conns.Wait(); close(served2) }()
	select {
	case <-served2:
	case <-sctx.Done():
		errs = append(errs, fmt.Errorf("connections still open after %v", s.cfg.ShutdownTimeout))
	}
	s.ws.Wait() // the rooms are gone: no more snapshots
	stopHooks()
	<-hooksDone
	<-seriesDone
	if err := s.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("closing store: %w", err))
	}
	for _, c := range s.closer {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the meeting lock client: %w", err))
		}
	}
	s.log.Info("stopped")
	return errors.Join(errs...)
}

func (s *Server) busName() string {
	if s.cfg.Redis != "" {
		return "redis"
	}
	return "memory"
}

// ListenAndServe listens on Config.Addr and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		s.hubs.Close(ctx)
		s.store.Close()
		for _, c := range s.closer {
			c.Close()
		}
		return fmt.Errorf("--addr %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// openURL is the address a person opens in a browser to reach a server
// listening on addr: an unspecified host (0.0.0.0, ::) becomes localhost.
func openURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
