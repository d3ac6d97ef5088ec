package hub

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

type eventKind uint8

const (
	evJoin eventKind = iota
	evLeave
	evMessage
	evSetReadOnly
	evDo            // Registry.Do
	evRelease       // a Do is done; unload if idle
	evKick          // DeleteSession: close every connection
	evBus           // a message from another instance
	evBusSubscribed // the document's bus channel is (again) subscribed
)

// inboxSize is the capacity of a room's inbox. A full inbox blocks the
// readers feeding it (back-pressure on their sockets) and drops bus
// messages (the room heals on its next tick), so it only has to absorb
// bursts; it is allocated whole for every loaded document.
const inboxSize = 64

// event is what a room's inbox carries. It is kept small, as every
// room's inbox holds inboxSize of them whether used or not: what only
// rare events need is behind x.
type event struct {
	kind eventKind
	// An evMessage's message (yproto.Message): its types in a byte each
	// (Decode has checked them), without what the hub never reads
	// (Reason); 72 bytes an event instead of 104.
	typ, sync uint8
	conn      *conn
	payload   []byte
	awareness []yproto.AwarenessEntry
	x         *eventExt
}

// messageEvent is the evMessage event of m from c.
func messageEvent(c *conn, m yproto.Message) event {
	return event{kind: evMessage, conn: c, typ: uint8(m.Type), sync: uint8(m.Sync), payload: m.Payload, awareness: m.Awareness}
}

// message is an evMessage event's message.
func (ev *event) message() yproto.Message {
	return yproto.Message{Type: yproto.Type(ev.typ), Sync: yproto.SyncType(ev.sync), Payload: ev.payload, Awareness: ev.awareness}
}

// eventExt holds the fields of the rarer events.
type eventExt struct {
	// evSetReadOnly
	subject  string
	readOnly bool
	revoke   bool       // close the subject's connections instead
	reply    chan<- int // buffered; gets the number of connections changed

	// evDo
	do      func(*crdt.Doc) error
	doReply chan<- error // buffered

	// evBus
	bus busMsg
}

// room is the hub of one live document. Its run loop owns every field
// below the line; refs is guarded by the registry's mutex.
type room struct {
	reg   *Registry
	name  string
	log   *slog.Logger
	inbox chan event
	done  chan struct{}
	refs  int
	// channel is the document's bus channel; busLost is set when a bus
	// message could not be queued, to heal on the next tick.
	channel string
	busLost atomic.Bool

	doc       *crdt.Doc
	conns     map[*conn]struct{}
	aw        map[uint64]*awState
	pending   [][]byte // applied updates not yet handed to the persister
	size      int64    // upper bound of the encoded document size
	loadErr   error
	persister *persister
	// changed: updates since the last snapshot (OnSnapshot), taken at
	// snapshotAt.
	changed    bool
	snapshotAt time.Time
	deleted    bool        // its session was deleted: nothing more is stored
	unloadDue  bool        // an unload failed (the store): retried every tick
	kickReq    atomic.Bool // markGone asks for kick (when the inbox was full)

	lastState   time.Time // when the last state message was published
	digestVal   uint64    // digest of the delete set, see digest
	digestFresh bool

	// queued is the update bytes queued for all connections (their
	// writers subtract what they take).
	queued atomic.Int64
	// rev counts changes of the document; curSV is its encoded state
	// vector as of rev; answers caches sync answers for rev (sync.go).
	rev     uint64
	curSV   []byte
	answers answerCache
	// savedSV is the stored state vector last told to SavedAcks
	// connections (the loaded state, then the persister's stored).
	savedSV []byte
}

func newRoom(r *Registry, name string) *room {
	return &room{
		reg:   r,
		name:  name,
		log:   r.log.With("doc", name),
		inbox: make(chan event, inboxSize),
		done:  make(chan struct{}),
		conns: map[*conn]struct{}{},
		aw:    map[uint64]*awState{},
	}
}

// send delivers ev to the run loop; false if the room has stopped.
func (rm *room) send(ev event) bool {
	select {
	case rm.inbox <- ev:
		return true
	case <-rm.done:
		return false
	}
}

// sendFrom is send for a connection's reader, which also gives up when
// its connection is closed.
func (rm *room) sendFrom(c *conn, ev event) bool {
	select {
	case rm.inbox <- ev:
		return true
	default:
	}
	if c.isKilled() {
		return false
	}
	select {
	case rm.inbox <- ev:
		return true
	case <-rm.done:
		return false
	case <-c.killedChan():
		return false
	}
}

func (rm *room) run() {
	tick, ping := rm.begin()
	defer rm.end(tick, ping)
	// The loop waits with a small frame (what it does is in functions of
	// their own), so the runtime can shrink the room's stack to 4 KiB.
	for {
		select {
		case ev := <-rm.inbox:
			if rm.event(&ev) {
				return
			}
		case now := <-tick.C:
			if rm.tick(now) {
				return
			}
		case <-ping.C:
			rm.keepalive()
		case <-rm.reg.shutdown:
			rm.shutdown()
			return
		}
	}
}

// begin loads the document and starts the persister and the room's
// tickers: FlushInterval's, and one keepalive ticker per document, not
// one per connection.
//
//go:noinline
func (rm *room) begin() (tick, ping *time.Ticker) {
	rm.load()
	rm.persister = newPersister(rm)
	return time.NewTicker(rm.reg.cfg.FlushInterval), time.NewTicker(rm.reg.cfg.PingInterval)
}

// end stops what begin started; the room is gone.
//
//go:noinline
func (rm *room) end(tick, ping *time.Ticker) {
	ping.Stop()
	tick.Stop()
	rm.persister.stop()
	rm.reg.metrics.Docs.Dec()
	close(rm.done)
	rm.reg.roomsWG.Done()
}

// event handles one event of the inbox; true when the room is done.
//
//go:noinline
func (rm *room) event(ev *event) bool {
	switch ev.kind {
	case evJoin:
		rm.join(ev.conn)
	case evMessage:
		if _, ok := rm.conns[ev.conn]; ok && !ev.conn.isKilled() {
			rm.handle(ev.conn, ev.message())
		}
	case evSetReadOnly:
		ev.x.reply <- rm.setReadOnly(ev.x.subject, ev.x.readOnly, ev.x.revoke)
	case evDo:
		ev.x.doReply <- rm.do(ev.x.do)
	case evRelease:
		return len(rm.conns) == 0 && rm.tryUnload()
	case evKick:
		rm.kick()
	case evBus:
		rm.handleBus(ev.x.bus, time.Now())
	case evBusSubscribed:
		// (Re)subscribed: messages may have been missed. Exchange
		// state vectors and ask for the other clients' awareness.
		rm.publishState(true, time.Now())
	case evLeave:
		rm.leave(ev.conn)
		return len(rm.conns) == 0 && rm.tryUnload()
	}
	return false
}

// tick is the room's periodic work (every FlushInterval); true when the
// room is done.
//
//go:noinline
func (rm *room) tick(now time.Time) bool {
	if rm.kickReq.Load() && !rm.deleted {
		rm.kick()
	}
	if rm.unloadDue && len(rm.conns) == 0 && rm.tryUnload() {
		return true
	}
	rm.flush()
	rm.announceSaved()
	rm.expireAwareness(now)
	if rm.busLost.Swap(false) || now.Sub(rm.lastState) >= rm.reg.cfg.SyncInterval {
		rm.publishState(false, now)
	}
	for c := range rm.conns {
		c.checkWrite(now)
	}
	if rm.changed && now.Sub(rm.snapshotAt) >= rm.reg.cfg.SnapshotEvery {
		rm.snapshot(now)
	}
	return false
}

// keepalive pings every connection (every PingInterval).
//
//go:noinline
func (rm *room) keepalive() {
	for c := range rm.conns {
		c.keepalive()
	}
}

// shutdown closes every connection with 1001 and stores the document,
// then stays until no Serve or Do holds the room. A connection whose
// join is still in the inbox is closed too when the loop reads it: the
// select in run may take the shutdown before such a join, and a room
// that stopped then would leave that connection open, its reader
// waiting on the peer and Registry.Close on the reader. Every reference
// let go is followed by an event (leave, release), so the loop wakes to
// see the last one go; Close refuses new ones.
func (rm *room) shutdown() {
	for c := range rm.conns {
		c.kill(StatusGoingAway, "server shutting down", false)
	}
	rm.store()
	for {
		rm.reg.mu.Lock()
		if rm.refs == 0 {
			delete(rm.reg.rooms, rm.name)
			rm.reg.bus.Unsubscribe(rm.channel)
			rm.reg.mu.Unlock()
			return
		}
		rm.reg.mu.Unlock()
		ev := <-rm.inbox
		switch ev.kind {
		case evJoin:
			ev.conn.kill(StatusGoingAway, "server shutting down", false)
		case evLeave:
			rm.leave(ev.conn)
		case evDo:
			// The document has been stored: a change now would be lost.
			ev.x.doReply <- ErrClosed
		case evSetReadOnly:
			ev.x.reply <- 0
		}
		// The rest (messages of closed connections, bus traffic, kicks)
		// changes nothing that is still stored or served.
	}
}

// load reads the document from the store. A document that cannot be
// loaded refuses every connection rather than serve a partial state that
// would be stored over the real one.
func (rm *room) load() {
	rm.doc = crdt.NewDoc(crdt.DocOptions{ClientID: rm.reg.cfg.ClientID})
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	st, err := rm.reg.cfg.Store.Load(ctx, rm.name)
	cancel()
	rm.reg.metrics.StoreSeconds.WithLabelValues("load").Observe(time.Since(start).Seconds())
	if err != nil {
		rm.reg.metrics.StoreErrors.Inc()
		rm.log.Error("load failed", "err", err)
		rm.loadErr = err
		return
	}
	if st.Snapshot != nil {
		if err := rm.doc.ApplyUpdate(st.Snapshot, nil); err != nil {
			rm.log.Error("stored snapshot is invalid; skipped", "err", err)
		}
	}
	for i, u := range st.Updates {
		if err := rm.doc.ApplyUpdate(u, nil); err != nil {
			rm.log.Error("stored update is invalid; skipped", "index", i, "err", err)
		}
	}
	if full, err := rm.doc.EncodeStateAsUpdate(nil); err == nil {
		rm.size = int64(len(full))
	}
	rm.snapshotAt = time.Now()
	rm.curSV = rm.doc.EncodeStateVector()
	// What was loaded is what the store holds.
	rm.savedSV = rm.curSV
	rm.doc.OnUpdate(rm.onUpdate)
}

// onUpdate runs inside ApplyUpdate for every update that changed the
// document. Like the y-websocket server it sends the update to every
// connection, the sender included: providers use the echo to know the
// server has their change.
func (rm *room) onUpdate(update []byte, origin any, _ *crdt.Transaction) {
	msg := yproto.UpdateMessage(update)
	it := outItem{msg: msg, upd: msg[len(msg)-len(update):], kind: kindUpdate}
	for c := range rm.conns {
		// A connection whose earlier updates are all with its writer will
		// have the document as it was before this update: a later resync
		// can start from there (curSV is still that state's).
		if c.push(it) && c.synced {
			c.baseSV = rm.curSV
		}
	}
	rm.rev++
	rm.curSV = rm.doc.EncodeStateVector()
	// Other instances get what this one's clients wrote; what came over
	// the bus is never published again.
	if origin != fromBus {
		rm.publishFrame("update", msg)
	}
	rm.digestFresh = false
	rm.changed = true
	rm.pending = append(rm.pending, update)
	rm.size += int64(len(update))
}

// broadcastAwareness sends an awareness message to every connection.
func (rm *room) broadcastAwareness(msg []byte) {
	for c := range rm.conns {
		c.enqueueAwareness(msg)
	}
}

func (rm *room) join(c *conn) {
	if rm.loadErr != nil {
		rm.reg.metrics.Refused.WithLabelValues("load_failed").Inc()
		c.kill(StatusInternalError, "document could not be loaded", false)
		return
	}
	if max := rm.reg.cfg.MaxConnsPerDoc; max > 0 && len(rm.conns) >= max {
		rm.reg.metrics.Refused.WithLabelValues("too_many_connections").Inc()
		c.kill(StatusTryAgainLater, "too many connections to this document", false)
		return
	}
	rm.conns[c] = struct{}{}
	c.enqueue(yproto.SyncStep1Message(rm.curSV))
	if c.savedAcks {
		c.enqueue(yproto.SavedMessage(rm.savedSV))
	}
	if all := rm.awarenessAll(); len(all) > 0 {
		c.enqueueAwareness(yproto.AwarenessMessage(all))
	}
}

// kick closes every connection of a deleted session's document; from now
// on nothing of it is stored or snapshotted, and the room unloads once
// its connections have left.
func (rm *room) kick() {
	rm.deleted = true
	rm.pending = nil
	for c := range rm.conns {
		c.kill(StatusPolicyViolation, "session deleted", false)
	}
}

// do runs a Registry.Do function on the document.
func (rm *room) do(fn func(*crdt.Doc) error) error {
	if rm.loadErr != nil {
		return fmt.Errorf("document %s could not be loaded: %w", rm.name, rm.loadErr)
	}
	return fn(rm.doc)
}

// setReadOnly changes the read-only state of subject's connections, or
// closes them (revoke).
func (rm *room) setReadOnly(subject string, readOnly, revoke bool) int {
	n := 0
	for c := range rm.conns {
		if revoke && c.subject == subject {
			c.kill(StatusPolicyViolation, "access revoked", false)
			n++
			continue
		}
		if c.subject == subject && c.readOnly != readOnly {
			c.readOnly = readOnly
			n++
		}
	}
	return n
}

func (rm *room) leave(c *conn) {
	if _, ok := rm.conns[c]; !ok {
		return
	}
	delete(rm.conns, c)
	rm.forgetAwareness(c)
}

func (rm *room) handle(c *conn, m yproto.Message) {
	switch m.Type {
	case yproto.TypeSync:
		switch m.Sync {
		case yproto.SyncStep1:
			rm.answerStep1(c, m.Payload)
		case yproto.SyncStep2, yproto.SyncUpdate:
			if c.readOnly {
				// A sync step 2 that only repeats what the document
				// holds (what every client sends on connecting) is no
				// edit: drop it quietly, so stock clients of read-only
				// documents are not told "permission denied" for nothing.
				if ch, err := rm.doc.Changes(m.Payload); err == nil && !ch {
					c.updateHandled(true)
					return
				}
				rm.reg.metrics.Refused.WithLabelValues("read_only").Inc()
				if c.onUpdate != nil {
					c.onUpdate(false)
				} else {
					c.enqueue(yproto.PermissionDeniedMessage("read-only: this connection may not edit"))
				}
				return
			}
			if max := rm.reg.cfg.MaxDocSize; max > 0 && rm.size+int64(len(m.Payload)) > max {
				c.refuse(StatusMessageTooBig, "document too large", "doc_too_large", nil)
				return
			}
			if !rm.validate(c, m.Payload) {
				return
			}
			start := time.Now()
			err := rm.doc.ApplyUpdate(m.Payload, c)
			rm.reg.metrics.ApplySeconds.Observe(time.Since(start).Seconds())
			if err != nil {
				c.refuse(StatusInvalidPayload, "invalid update", "invalid_update", err)
				return
			}
			c.updateHandled(true)
		}
	case yproto.TypeAwareness:
		rm.applyAwareness(c, m.Awareness, time.Now())
	case yproto.TypeQueryAwareness:
		c.enqueueAwareness(yproto.AwarenessMessage(rm.awarenessAll()))
	case yproto.TypeAuth:
		// Clients have nothing to tell the server through auth messages.
	}
}

// flush hands pending updates to the persister without blocking; when it
// is busy they wait for the next tick.
func (rm *room) flush() {
	if rm.deleted {
		rm.pending = nil
		return
	}
	if len(rm.pending) == 0 && !rm.persister.hasCarry() {
		return
	}
	if rm.persister.offer(rm.pending, rm.curSV) {
		rm.pending = nil
	}
}

// announceSaved sends the stored state vector to the SavedAcks
// connections when a write stored more since the last tick: at most one
// message per tick, however many writes. A document whose writes fail
// announces nothing until one succeeds.
func (rm *room) announceSaved() {
	p := rm.persister.stored.Load()
	if p == nil || bytes.Equal(*p, rm.savedSV) {
		return
	}
	rm.savedSV = *p
	if rm.reg.cfg.OnStored != nil && rm.loadErr == nil && !rm.deleted {
		rm.reg.cfg.OnStored(rm.name, rm.doc)
	}
	var msg []byte
	for c := range rm.conns {
		if c.savedAcks {
			if msg == nil {
				msg = yproto.SavedMessage(rm.savedSV)
			}
			c.enqueue(msg)
		}
	}
}

// store writes every pending update and compacts the log, waiting for it.
func (rm *room) store() error {
	if rm.deleted {
		rm.pending = nil
		return nil
	}
	err := rm.persister.sync(rm.pending, rm.curSV)
	rm.pending = nil
	return err
}

// tryUnload stores the document and removes the room from the registry
// unless a connection is joining. It reports whether the room is gone.
func (rm *room) tryUnload() bool {
	rm.unloadDue = false
	if err := rm.store(); err != nil {
		// Keep the document loaded and try again on the next tick, until
		// the store takes it.
		rm.unloadDue = true
		return false
	}
	rm.reg.mu.Lock()
	if rm.refs > 0 {
		rm.reg.mu.Unlock()
		return false
	}
	delete(rm.reg.rooms, rm.name)
	rm.reg.bus.Unsubscribe(rm.channel)
	rm.reg.mu.Unlock()
	// Outside the registry mutex: OnSnapshot and OnStored may call the
	// Registry.
	rm.announceSaved()
	if rm.changed {
		rm.snapshot(time.Now())
	}
	return true
}

// snapshot hands the document's whole state to Config.OnSnapshot, if
// set: after changes, at most every SnapshotEvery while it is loaded and
// when it unloads.
func (rm *room) snapshot(now time.Time) {
	rm.changed, rm.snapshotAt = false, now
	if rm.reg.cfg.OnSnapshot == nil || rm.loadErr != nil || rm.deleted {
		return
	}
	if state, err := rm.doc.EncodeStateAsUpdate(nil); err == nil {
		rm.reg.cfg.OnSnapshot(rm.name, state)
	}
}
