package hub

import (
	"sync"
	"sync/atomic"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// itemKind says what the writer may do with a queued message.
type itemKind uint8

const (
	// kindOther is sent as it is, in order (the server's step 1, command
	// answers, permission denied).
	kindOther itemKind = iota
	// kindUpdate is a document update: updates queued together are merged
	// into one (crdt.MergeUpdates), and a backlog of them may be dropped
	// for one diff (a resync).
	kindUpdate
	// kindAwareness is an awareness update: queued together, only the
	// latest state of each client id is sent.
	kindAwareness
	// kindSync is a sync step 2: the answer to the client's step 1, or a
	// resync that replaced a backlog of updates. A queue holds at most
	// one; a newer one replaces it. Its bytes are not counted against the
	// budget: it is at most one encoding of the document, often shared
	// with other connections (the room caches it).
	kindSync
)

// outItem is one queued message. upd is the update inside msg
// (kindUpdate). private is the bytes of msg this connection alone holds
// (a diff computed for it), counted in the room's budget from when it
// is queued until it is written or dropped; messages shared by several
// connections (a broadcast update, the cached whole state) count 0.
type outItem struct {
	msg     []byte
	upd     []byte
	private int
	kind    itemKind
}

// outQueue is a connection's outbound queue: bounded in messages and in
// bytes, holding no memory while empty. The room's run loop pushes; a
// writer goroutine, started by the push that finds none running, takes
// until the queue is empty. It also counts the connection's background
// goroutines (writer, pinger, closer) so that wait can return only when
// all have ended.
type outQueue struct {
	mu      sync.Mutex
	idle    chan struct{} // made by closeAndWait while bg > 0, closed when bg drops to zero
	q       []outItem
	hasSync bool // q holds a kindSync item
	bytes   int  // bytes of the update items in q (the droppable ones)
	updates int  // update items in q
	// room is the room's count of private bytes queued or being written
	// for all its connections.
	room    *atomic.Int64
	writing bool // a writer goroutine is running
	bg      int  // background goroutines running, the writer included
	closed  bool // no more goroutines may start
}

// pushResult tells the run loop what a push did.
type pushResult uint8

const (
	pushed       pushResult = iota
	pushedStart             // pushed; the caller must start a writer (counted already)
	pushedDrop              // the connection is closing; dropped quietly
	pushOverflow            // over a bound: not queued, the caller resyncs or closes
)

// push queues it unless that would take the queue over maxItems messages
// or its update bytes over maxBytes (an update larger than maxBytes is
// still queued alone: it is the same slice for every connection, and a
// diff would be at least as large). drained reports that no update was
// queued before this one (everything sent before is with the writer).
//
// Broadcast updates are shared by every connection's queue, so their
// memory is bounded by maxBytes for all connections together: each queue
// holds a suffix of the same stream.
func (o *outQueue) push(it outItem, maxItems, maxBytes int) (res pushResult, drained bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return pushedDrop, false
	}
	drained = o.updates == 0 && !o.hasSync
	if len(o.q) >= maxItems || (it.kind == kindUpdate && o.updates > 0 && o.bytes+len(it.msg) > maxBytes) {
		return pushOverflow, drained
	}
	o.q = append(o.items(), it)
	if it.kind == kindUpdate {
		o.bytes += len(it.msg)
		o.updates++
	}
	o.countLocked(it.private)
	return o.startLocked(), drained
}

func (o *outQueue) countLocked(private int) {
	if private != 0 && o.room != nil {
		o.room.Add(int64(private))
	}
}

// compactPush coalesces the queue and then queues it, if there is room.
func (o *outQueue) compactPush(it outItem, maxItems int) pushResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return pushedDrop
	}
	o.q = coalesce(o.q)
	o.recountLocked()
	if len(o.q) >= maxItems {
		return pushOverflow
	}
	o.q = append(o.items(), it)
	o.countLocked(it.private)
	return o.startLocked()
}

// recountLocked recounts the update bytes after the queue was coalesced.
func (o *outQueue) recountLocked() {
	o.bytes, o.updates = 0, 0
	for _, it := range o.q {
		if it.kind == kindUpdate {
			o.bytes += len(it.msg)
			o.updates++
		}
	}
}

func (o *outQueue) startLocked() pushResult {
	if !o.writing {
		o.writing = true
		o.bg++
		return pushedStart
	}
	return pushed
}

// setSync queues a sync message in place of the one queued, if any.
// With dropUpdates it also drops every queued update (it holds them all)
// and coalesces queued awareness if the queue is still full; it reports
// false when what stays is over maxItems (messages that cannot be
// dropped).
func (o *outQueue) setSync(it outItem, dropUpdates bool, maxItems int) (res pushResult, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return pushedDrop, true
	}
	o.dropLocked(dropUpdates)
	if len(o.q) >= maxItems {
		o.q = coalesce(o.q)
		o.recountLocked()
	}
	if len(o.q) >= maxItems {
		return pushedDrop, false
	}
	it.kind = kindSync
	o.q = append(o.items(), it)
	o.hasSync = true
	o.countLocked(it.private)
	return o.startLocked(), true
}

// dropLocked drops the queued sync message, and the queued updates too
// with updates.
func (o *outQueue) dropLocked(updates bool) {
	if !o.hasSync && (!updates || o.updates == 0) {
		return
	}
	q := o.q[:0]
	for _, it := range o.q {
		if it.kind != kindSync && (!updates || it.kind != kindUpdate) {
			q = append(q, it)
		} else {
			o.countLocked(-it.private)
		}
	}
	clear(o.q[len(q):])
	o.q = q
	o.hasSync = false
	if updates {
		o.bytes, o.updates = 0, 0
	}
}

// take moves the queued messages into buf. When there are none it calls
// onIdle and marks the writer stopped, under the lock: the caller must
// then return (and call doneBackground) without touching writer state.
// The caller calls written for each item once it is written (or the
// write failed).
func (o *outQueue) take(buf []outItem, onIdle func()) []outItem {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.q) == 0 {
		onIdle()
		o.writing = false
		o.dropItems()
		return buf
	}
	buf = append(buf, o.q...)
	o.hasSync = false
	clear(o.q)
	o.q = o.q[:0]
	o.bytes, o.updates = 0, 0
	return buf
}

// written releases the private bytes of items the writer is done with.
func (o *outQueue) written(items []outItem) {
	n := 0
	for _, it := range items {
		n += it.private
	}
	if n != 0 && o.room != nil {
		o.room.Add(-int64(n))
	}
}

// smallItems holds the backing arrays of queues that were emptied, for
// the next push to any queue: an idle connection's queue holds none,
// and a busy one does not allocate one per burst.
var smallItems = sync.Pool{New: func() any { return new([smallQueue]outItem) }}

const smallQueue = 4

// items returns o.q, with a pooled backing array if it has none.
func (o *outQueue) items() []outItem {
	if o.q == nil {
		o.q = smallItems.Get().(*[smallQueue]outItem)[:0]
	}
	return o.q
}

// dropItems lets the empty queue's backing array go: a small one back
// to the pool, a burst's to the collector.
func (o *outQueue) dropItems() {
	if cap(o.q) == smallQueue {
		clear(o.q[:smallQueue])
		smallItems.Put((*[smallQueue]outItem)(o.q[:smallQueue]))
	}
	o.q = nil
}

// releaseLocked forgets the queue (the connection is finished).
func (o *outQueue) releaseLocked() {
	for _, it := range o.q {
		o.countLocked(-it.private)
	}
	o.q, o.hasSync = nil, false
	o.bytes, o.updates = 0, 0
}

// abandon drops what is queued after a failed write; no writer starts
// again.
func (o *outQueue) abandon() {
	o.mu.Lock()
	o.releaseLocked()
	o.writing = false
	o.closed = true
	o.mu.Unlock()
}

// startBackground counts a background goroutine about to start, unless
// the connection is finished.
func (o *outQueue) startBackground() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.bg++
	return true
}

func (o *outQueue) doneBackground() {
	o.mu.Lock()
	o.bg--
	if o.bg == 0 && o.idle != nil {
		close(o.idle)
		o.idle = nil
	}
	o.mu.Unlock()
}

// closeAndWait stops new background goroutines and waits for the running
// ones to end.
func (o *outQueue) closeAndWait() {
	o.mu.Lock()
	o.closed = true
	o.releaseLocked()
	if o.bg == 0 {
		o.mu.Unlock()
		return
	}
	if o.idle == nil {
		o.idle = make(chan struct{})
	}
	idle := o.idle
	o.mu.Unlock()
	<-idle
}

// coalesce merges the update items of batch into one update message at
// the place of the first, and the awareness items into one message with
// the latest state of each client id at the place of the first; other
// items keep their order. Merged updates have the effect of applying
// them one by one (crdt.MergeUpdates), so the receiver's document ends
// the same with fewer frames. When nothing can be merged, or a merge
// fails (it cannot for updates the room applied), batch is returned as
// it is.
func coalesce(batch []outItem) []outItem {
	nu, na := 0, 0
	for _, it := range batch {
		switch it.kind {
		case kindUpdate:
			nu++
		case kindAwareness:
			na++
		}
	}
	if nu < 2 && na < 2 {
		return batch
	}
	var merged, mergedUpd, aw []byte
	if nu >= 2 {
		ups := make([][]byte, 0, nu)
		for _, it := range batch {
			if it.kind == kindUpdate {
				ups = append(ups, it.upd)
			}
		}
		if u, err := crdt.MergeUpdates(ups); err == nil {
			merged, mergedUpd = yproto.UpdateMessage(u), u
		}
	}
	if na >= 2 {
		aw = coalesceAwareness(batch)
	}
	// A merged message replaces its parts: it carries their private
	// bytes, released when it is written.
	privU, privA := 0, 0
	for _, it := range batch {
		switch {
		case it.kind == kindUpdate && merged != nil:
			privU += it.private
		case it.kind == kindAwareness && aw != nil:
			privA += it.private
		}
	}
	out := batch[:0]
	doneU, doneA := false, false
	for _, it := range batch {
		switch {
		case it.kind == kindUpdate && merged != nil:
			if !doneU {
				out = append(out, outItem{msg: merged, upd: mergedUpd, private: privU, kind: kindUpdate})
				doneU = true
			}
		case it.kind == kindAwareness && aw != nil:
			if !doneA {
				out = append(out, outItem{msg: aw, private: privA, kind: kindAwareness})
				doneA = true
			}
		default:
			out = append(out, it)
		}
	}
	clear(batch[len(out):])
	return out
}

// coalesceAwareness returns one awareness message holding, for each
// client id in the batch's awareness items, its last entry (the room
// relays only changes, so the last is the newest); nil if one does not
// decode.
func coalesceAwareness(batch []outItem) []byte {
	latest := map[uint64]int{}
	var entries []yproto.AwarenessEntry
	for _, it := range batch {
		if it.kind != kindAwareness {
			continue
		}
		m, err := yproto.Decode(it.msg)
		if err != nil || m.Type != yproto.TypeAwareness {
			return nil
		}
		for _, e := range m.Awareness {
			if i, ok := latest[e.ClientID]; ok {
				entries[i] = e
				continue
			}
			latest[e.ClientID] = len(entries)
			entries = append(entries, e)
		}
	}
	return yproto.AwarenessMessage(entries)
}
