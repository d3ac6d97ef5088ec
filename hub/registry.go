package hub

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/defaults"
	"github.com/cocreate/cocreate/notes"
)

// ErrClosed is returned by Serve and Do once the Registry is shutting down.
var ErrClosed = errors.New("hub: shutting down")

// ErrGone is returned by Serve and Do for a document of a session that
// DeleteSession removed.
var ErrGone = errors.New("hub: session deleted")

// Config configures a Registry. Store is required; zero values of the
// other fields pick the defaults noted beside them.
type Config struct {
	// Store keeps every applied update.
	Store notes.Store
	// Logger receives one line per event worth an operator's attention.
	Logger *slog.Logger
	// Metrics counts; nil makes an unregistered set.
	Metrics *Metrics
	// QueueSize bounds each connection's outbound queue (default 256
	// messages). Updates that do not fit are not lost: the queued ones are
	// dropped and replaced by one diff of the document from what the
	// connection is known to have (a resync); awareness is coalesced to
	// the latest state per client. Only a queue full of messages that
	// cannot be merged (command answers) closes the connection (1013).
	QueueSize int
	// QueueBytes bounds the update bytes queued for one connection
	// (default 1 MiB); beyond it the connection is resynced, as above.
	QueueBytes int
	// RoomQueueBytes bounds the bytes of diffs computed for single
	// connections of one document (sync answers, resyncs) that are queued
	// or being written (default 16 MiB); beyond it connections are sent
	// the whole state, which is encoded once per change and shared.
	// Broadcast updates are shared by every connection's queue: together
	// they hold at most QueueBytes of them.
	RoomQueueBytes int64
	// Rates are the per-connection message rates.
	Rates Rates
	// MaxAwarenessState refuses an awareness state larger than this many
	// bytes of JSON (default 8 KiB), closing the connection (1008).
	MaxAwarenessState int
	// FlushInterval is how often applied updates are handed to the store
	// (default 200ms). An applied update is durable within FlushInterval
	// plus one store write, well under 1s by default.
	FlushInterval time.Duration
	// CompactEvery compacts a document's log after this many appended
	// updates (default 500), and always when the document is unloaded.
	CompactEvery int
	// CompactAfter also compacts a log that has grown at all once this
	// long has passed since the last compaction (default 1m), checked when
	// updates are written, so an idle document is compacted at most this
	// late after its last burst of edits or when it is unloaded.
	CompactAfter time.Duration
	// AwarenessTimeout forgets an awareness entry not renewed for this
	// long (default 30s, as y-protocols).
	AwarenessTimeout time.Duration
	// PingInterval is the keepalive period (default 30s); a peer that does
	// not answer within the next interval is disconnected.
	PingInterval time.Duration
	// WriteTimeout bounds one socket write (default 10s).
	WriteTimeout time.Duration
	// MaxConnsPerDoc refuses connections beyond this many per document
	// (0 = no limit).
	MaxConnsPerDoc int
	// OnSnapshot, when set, receives a document's whole encoded state
	// after it changed: at most every SnapshotEvery while it is loaded,
	// and when it unloads. It runs in the room's goroutine and must not
	// block (the server indexes notes and writes periodic versions from
	// it, in goroutines of its own).
	OnSnapshot func(doc string, state []byte)
	// SnapshotEvery paces OnSnapshot (default 10m).
	SnapshotEvery time.Duration
	// OnStored, when set, is called with a loaded document after a
	// write of the persister stored more of it (at most once per
	// FlushInterval tick, however many writes, and when it unloads
	// having stored more). It runs in the room's
	// goroutine: it may read d but
	// must not block, keep d or change it (the server reads the notes'
	// task items from it).
	OnStored func(doc string, d *crdt.Doc)
	// ClientID is the CRDT client id under which this instance writes
	// documents itself (Do): one id per server instance, so its edits
	// never collide with a client's or another instance's. 0 picks a
	// random id per loaded document.
	ClientID uint64
	// MaxDocSize refuses updates that would grow a document beyond this
	// many bytes of encoded state (0 = no limit). The size is the encoded
	// state at load plus every update applied since, an upper bound.
	MaxDocSize int64
	// Bus carries updates and awareness to the other instances that have
	// a document loaded (default: an in-process MemoryBus, a single
	// instance). The Registry starts it and closes it on Close.
	Bus Bus
	// SyncInterval is how often a live document exchanges state vectors
	// with the other instances to heal lost messages (default 5s).
	SyncInterval time.Duration
	// CheckInterval is how often the instance sends a probe through the
	// bus to itself (default 1s); BusErr reports a failure once none has
	// come back for CheckTimeout (default 3 × CheckInterval).
	CheckInterval, CheckTimeout time.Duration
	// Validate, when set, is asked before a connection's update is
	// applied to doc (d is the document as it is, not to be changed):
	// an error refuses the update with a y-protocols "permission denied"
	// carrying the error's text, and nothing is applied, sent or stored.
	// It runs in the room's goroutine. Updates from other instances and
	// from Do are not asked: each instance validates its own clients.
	Validate func(doc string, d *crdt.Doc, update []byte) error
	// MaxSessionBytes refuses an update that would make the documents of
	// its session ("{session}/…") hold more than this many bytes in all
	// (0 = no limit; quota.go): the connection is closed with 1009.
	MaxSessionBytes int64
	// SpoolDir is where updates the store refuses at shutdown are written
	// (spool.go), for ReplaySpool on the next start. Empty: nowhere, and
	// such updates are lost (Close reports them).
	SpoolDir string
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics()
	}
	defaults.Positive(&c.QueueSize, 256)
	defaults.Positive(&c.QueueBytes, 1<<20)
	defaults.Positive(&c.RoomQueueBytes, 16<<20)
	defaults.Positive(&c.MaxAwarenessState, 8<<10)
	c.Rates.setDefaults()
	defaults.Positive(&c.FlushInterval, 200*time.Millisecond)
	defaults.Positive(&c.CompactEvery, 500)
	defaults.Positive(&c.CompactAfter, time.Minute)
	defaults.Positive(&c.AwarenessTimeout, 30*time.Second)
	defaults.Positive(&c.SnapshotEvery, 10*time.Minute)
	defaults.Positive(&c.PingInterval, 30*time.Second)
	defaults.Positive(&c.WriteTimeout, 10*time.Second)
	if c.Bus == nil {
		c.Bus = NewMemoryBus(nil)
	}
	defaults.Positive(&c.SyncInterval, 5*time.Second)
	defaults.Positive(&c.CheckInterval, time.Second)
	defaults.Positive(&c.CheckTimeout, 3*c.CheckInterval)
}

// Registry holds the live documents of this instance and runs their
// connections. Its zero value is not usable; use New.
type Registry struct {
	cfg      Config
	log      *slog.Logger
	metrics  *Metrics
	shutdown chan struct{}

	mu      sync.Mutex
	closing bool
	rooms   map[string]*room    // guarded by mu, with each room's refs
	gone    map[string]struct{} // deleted sessions, guarded by mu

	roomsWG sync.WaitGroup // room goroutines
	serves  sync.WaitGroup // Serve calls

	bus        Bus
	solo       bool         // no Bus configured: no other instance to tell
	busStarted bool         // guarded by mu
	instance   uuid.UUID    // this instance on the bus
	lastProbe  atomic.Int64 // unix ns when our last probe came back
	stopCheck  chan struct{}
	checkWG    sync.WaitGroup
	closeBus   sync.Once

	dur   *durability  // persist.go
	quota sessionBytes // quota.go
}

// New returns a Registry. It panics if cfg.Store is nil (a programming
// error).
func New(cfg Config) *Registry {
	if cfg.Store == nil {
		panic("hub: Config.Store is nil")
	}
	solo := cfg.Bus == nil
	cfg.setDefaults()
	r := &Registry{
		cfg:      cfg,
		log:      cfg.Logger,
		metrics:  cfg.Metrics,
		shutdown: make(chan struct{}),
		rooms:    map[string]*room{},
		gone:     map[string]struct{}{},
	}
	// The bus side (bus_check.go).
	r.bus, r.solo, r.instance, r.stopCheck = cfg.Bus, solo, uuid.New(), make(chan struct{})
	r.log = r.log.With("instance", r.instance.String())
	r.dur = &durability{spool: spoolWriter{dir: cfg.SpoolDir, name: spoolName(r.instance.String())}}
	return r
}

// ConnOptions describes one connection.
type ConnOptions struct {
	// ReadOnly refuses the connection's document updates with a
	// y-protocols auth "permission denied" message; they are never
	// applied.
	ReadOnly bool
	// Remote names the peer in logs (an address).
	Remote string
	// Subject is who is connected (an identity's stable id); SetReadOnly
	// finds a person's live connections by it.
	Subject string
	// ExpiresAt, when set, closes the connection with 1008 "token expired"
	// at that time: a token's expiry applies to a live connection too.
	ExpiresAt time.Time
	// OnCommand, when set, answers the connection's command messages
	// (yproto.TypeCommand): it gets the JSON payload and returns the JSON
	// answer, which is sent back on this connection only. It runs in the
	// connection's reader, so it may block (e.g. on Registry.Do for
	// another document) without holding up the room. Without it a
	// command message closes the connection as invalid input.
	OnCommand func(ctx context.Context, payload []byte) []byte
	// AllowUpdate, when set, is asked before each document update the
	// connection sends (sync step 2 and update messages); false closes
	// the connection with 1008 "rate limit exceeded". A per-identity
	// token bucket shared by a person's connections goes here.
	AllowUpdate func() bool
	// OnUpdate, when set, is called by the room's run loop after each
	// document update the connection sent (sync step 2 or update) is
	// handled: applied true once the document holds it (applied now, or
	// nothing new), false when it was refused as read-only (the
	// connection is then not sent "permission denied"). An invalid
	// update closes the connection instead. It must not block. The
	// Hocuspocus endpoint acknowledges updates with it (SyncStatus).
	OnUpdate func(applied bool)
	// SavedAcks asks for cocreate saved messages (yproto.TypeSaved): on
	// joining, and after each store write that stored more (at most one
	// per FlushInterval), the connection is sent the encoded state vector
	// of what the store durably holds. Nothing is sent while the store
	// refuses the document's writes. Stock clients leave it off.
	SavedAcks bool
	// User, when its fields are set, is stamped on the connection's
	// awareness states before they are relayed: its Name and Color
	// overwrite the state's user.name and user.color, so a client cannot
	// show itself as someone else.
	User User
}

// User is who a connection's awareness states say is there.
type User struct {
	Name, Color string
}

// Loaded returns the number of documents loaded in memory.
func (r *Registry) Loaded() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.rooms)
}

// Serve runs one client connection to doc until it ends: it joins the
// document's hub (loading the document on first use), reads messages and
// feeds them to the hub, and writes what the hub sends. It returns when
// the connection is closed, by either side or by Close, and always closes
// t. The connection's reader runs in the calling goroutine. Nothing of
// ctx is kept: the connection has a context of its own (given to
// ConnOptions.OnCommand), which ends when the connection does.
func (r *Registry) Serve(ctx context.Context, doc string, t Transport, opts ConnOptions) error {
	return r.serve(ctx, doc, t, &opts)
}

// Start is Serve without the wait: it joins doc's hub and returns, and
// the connection is then served by goroutines of its own; done, if not
// nil, is called once it has ended. An error (as from Serve) means the
// connection was not served: t is closed and done is not called. When t
// is a Waiter, the goroutine waiting for an idle connection's next
// message is always a fresh one with the smallest stack (see Waiter),
// which Serve, reading in its caller's goroutine, cannot offer.
func (r *Registry) Start(ctx context.Context, doc string, t Transport, opts ConnOptions, done func()) error {
	c, err := r.open(ctx, doc, t, &opts)
	if err != nil {
		return err
	}
	c.done = done
	switch _, ok := t.(Waiter); {
	case c.isKilled():
		go r.finish(c)
	case ok:
		go c.readOn()
	default:
		go func() {
			c.readLoop()
			r.finish(c)
		}()
	}
	return nil
}

// serve is Serve. The reader waits in this goroutine for the
// connection's whole life: set-up and tear-down are apart (open, finish)
// so that its stack while waiting is shallow and the runtime can shrink
// it.
//
//go:noinline
func (r *Registry) serve(ctx context.Context, doc string, t Transport, opts *ConnOptions) error {
	c, err := r.open(ctx, doc, t, opts)
	if err != nil {
		return err
	}
	if !c.isKilled() {
		c.readLoop()
	}
	r.finish(c)
	return nil
}

// open makes the connection and joins doc's room; if the room has
// stopped, the connection comes back killed.
//
//go:noinline
func (r *Registry) open(_ context.Context, doc string, t Transport, opts *ConnOptions) (*conn, error) {
	rm, err := r.acquire(doc)
	if err != nil {
		if errors.Is(err, ErrGone) {
			t.Close(StatusPolicyViolation, "session deleted")
		} else {
			t.Close(StatusGoingAway, "server shutting down")
		}
		return nil, err
	}
	r.metrics.Connections.Inc()
	c := newConn(r, rm, t, *opts)
	if !opts.ExpiresAt.IsZero() {
		// The timer's goroutine exists only while it fires; kill does not
		// block, and once Serve has killed c it does nothing.
		c.expiry = time.AfterFunc(time.Until(opts.ExpiresAt), c.expire)
	}
	if !rm.send(event{kind: evJoin, conn: c}) {
		c.kill(StatusGoingAway, "server shutting down", false)
	}
	return c, nil
}

// finish leaves the room, waits for the connection's goroutines and
// calls its done.
//
//go:noinline
func (r *Registry) finish(c *conn) {
	rm := c.rm
	// Drop the reference before the leave event: the hub stays up while c
	// is among its members, and on the leave it unloads only when no
	// other Serve holds a reference.
	r.mu.Lock()
	rm.refs--
	r.mu.Unlock()
	rm.send(event{kind: evLeave, conn: c})
	c.kill(StatusNormalClosure, "", false)
	if c.expiry != nil {
		c.expiry.Stop()
	}
	c.out.closeAndWait()
	r.metrics.Connections.Dec()
	r.serves.Done()
	if c.done != nil {
		c.done()
	}
}

// acquire returns doc's room, starting it if needed, with one more
// reference and one more Serve/Do counted in r.serves.
func (r *Registry) acquire(doc string) (*room, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return nil, ErrClosed
	}
	if _, gone := r.gone[sessionOf(doc)]; gone {
		return nil, ErrGone
	}
	r.startBusLocked()
	rm := r.rooms[doc]
	if rm == nil {
		rm = newRoom(r, doc)
		rm.channel = docChannel(doc)
		r.rooms[doc] = rm
		// Under the mutex, so the subscription of a room that replaces an
		// unloading one comes after that room's unsubscription.
		r.bus.Subscribe(rm.channel)
		r.metrics.Docs.Inc()
		r.roomsWG.Add(1)
		go rm.run()
	}
	rm.refs++
	r.serves.Add(1)
	return rm, nil
}

// sessionOf is the session part of a document name "{session}/{doc}".
func sessionOf(doc string) string {
	if i := strings.IndexByte(doc, '/'); i >= 0 {
		return doc[:i]
	}
	return doc
}

// Do runs fn in doc's hub, with the hub's document, loading it first if
// no connection has. Changes fn makes to the document are what a
// client's update would be: sent to every connection of the document
// and stored. This is how the server writes as its own CRDT peer (the
// meeting document). fn runs in the hub's goroutine, so it must not
// block or call back into the Registry; Do waits for it and returns its
// error. A document that could not be loaded returns the load error
// without calling fn.
func (r *Registry) Do(doc string, fn func(*crdt.Doc) error) error {
	rm, err := r.acquire(doc)
	if err != nil {
		return err
	}
	defer r.serves.Done()
	defer func() {
		r.mu.Lock()
		rm.refs--
		r.mu.Unlock()
		// Without connections the room unloads once the last Do is done.
		rm.send(event{kind: evRelease})
	}()
	reply := make(chan error, 1)
	if !rm.send(event{kind: evDo, x: &eventExt{do: fn, doReply: reply}}) {
		return ErrClosed
	}
	select {
	case err := <-reply:
		return err
	case <-rm.done:
		select {
		case err := <-reply:
			return err
		default:
			return ErrClosed
		}
	}
}

// Docs returns the names of the loaded documents that start with prefix.
func (r *Registry) Docs(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for name := range r.rooms {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// Gone reports whether session was deleted by DeleteSession.
func (r *Registry) Gone(session string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.gone[session]
	return ok
}

// DeleteSession refuses, from now on, every connection and Do for the
// documents of session, closes their live connections (1008 "session
// deleted") and waits until their hubs have stored what they held and
// unloaded, or ctx is done. The caller then deletes the documents from
// the store: nothing in this instance writes them again.
func (r *Registry) DeleteSession(ctx context.Context, session string) error {
	rooms := r.markGone(session)
	// The other instances do the same with their connections and rooms.
	r.bus.Publish(controlChannel, encodeGone(r.instance, session))
	for _, rm := range rooms {
		select {
		case <-rm.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// markGone refuses session from now on and tells its rooms to close their
// connections and unload without storing (their documents are being
// deleted). It never blocks: it runs for bus messages too. It returns the
// rooms it told.
func (r *Registry) markGone(session string) []*room {
	prefix := session + "/"
	r.mu.Lock()
	r.gone[session] = struct{}{}
	var rooms []*room
	for name, rm := range r.rooms {
		if strings.HasPrefix(name, prefix) {
			rooms = append(rooms, rm)
		}
	}
	r.mu.Unlock()
	for _, rm := range rooms {
		rm.kickReq.Store(true)
		select {
		case rm.inbox <- event{kind: evKick}:
		default: // a full inbox: the room sees kickReq on its next tick
		}
	}
	return rooms
}

// SetReadOnly makes every live connection of subject to the documents of
// session read-only (or writable again), on every instance: at once on
// this one (an update the room handles after SetReadOnly returns is
// judged by the new state), and on the others as soon as the bus
// delivers the change (a busAccess message on the control channel). It
// returns how many connections it changed here. Connections made later
// take their state from their own ConnOptions.
func (r *Registry) SetReadOnly(session, subject string, readOnly bool) int {
	a := accessChange{session: session, subject: subject, readOnly: readOnly}
	r.bus.Publish(controlChannel, encodeAccess(r.instance, a))
	return r.applyAccess(a)
}

// Revoke closes every live connection of subject to the documents of
// session (1008 "access revoked"), on every instance, as SetReadOnly
// changes them; it returns how many it closed here. The edge refuses
// the person's new connections itself.
func (r *Registry) Revoke(session, subject string) int {
	a := accessChange{session: session, subject: subject, revoke: true}
	r.bus.Publish(controlChannel, encodeAccess(r.instance, a))
	return r.applyAccess(a)
}

// applyAccessAsync applies an access change from the bus without
// blocking the bus's goroutine; Close waits for it.
func (r *Registry) applyAccessAsync(a accessChange) {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return
	}
	r.serves.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.serves.Done()
		if n := r.applyAccess(a); n > 0 {
			r.log.Info("access changed from another instance", "session", a.session, "subject", a.subject, "read_only", a.readOnly, "revoked", a.revoke, "connections", n)
		}
	}()
}

// applyAccess changes the read-only state of subject's connections to
// the documents of a session on this instance and returns how many
// changed.
func (r *Registry) applyAccess(a accessChange) int {
	prefix := a.session + "/"
	r.mu.Lock()
	var rooms []*room
	for name, rm := range r.rooms {
		// {session}/meeting is written by the server alone: its
		// connections stay read-only whatever the person's role.
		if strings.HasPrefix(name, prefix) && (a.revoke || name != prefix+"meeting") {
			rooms = append(rooms, rm)
		}
	}
	r.mu.Unlock()
	n := 0
	for _, rm := range rooms {
		reply := make(chan int, 1)
		if !rm.send(event{kind: evSetReadOnly, x: &eventExt{subject: a.subject, readOnly: a.readOnly, revoke: a.revoke, reply: reply}}) {
			continue
		}
		select {
		case k := <-reply:
			n += k
		case <-rm.done:
		}
	}
	return n
}

// Close shuts the registry down: it refuses new connections, closes
// every connection with 1001 "going away", stores every document and
// waits for all of it, or until ctx is done.
func (r *Registry) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closing {
		r.closing = true
		close(r.shutdown)
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.roomsWG.Wait()
		r.serves.Wait()
		r.closeBus.Do(func() {
			close(r.stopCheck)
			r.checkWG.Wait() // closing is set: the bus cannot start any more
			if err := r.bus.Close(); err != nil {
				r.log.Warn("closing the bus", "err", err)
			}
		})
		close(done)
	}()
	select {
	case <-done:
		r.dur.spool.close()
		return r.dur.lostErr()
	case <-ctx.Done():
		return ctx.Err()
	}
}
