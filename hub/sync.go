package hub

import (
	"bytes"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// answerCache holds the sync step 2 messages computed for one revision
// of the document, so repeated step 1s and resyncs cost at most one
// encoding each per change: the whole state (the answer to an empty or
// unrelated state vector, which is what most clients send on connecting)
// and the last few diffs, keyed by the state vector as the document
// sees it (each client's clock capped at the document's).
type answerCache struct {
	rev   uint64
	full  []byte
	diffs []cachedAnswer
	// spent is the bytes of diffs encoded for this revision. Once it
	// reaches the size of the document, further answers are the shared
	// whole state: answering step 1s never costs more than about one
	// full encoding per change of the document, whatever state vectors
	// clients make up.
	spent int64
}

type cachedAnswer struct {
	sv  string
	msg []byte
}

// maxCachedDiffs bounds answerCache.diffs.
const maxCachedDiffs = 4

// syncItem returns a sync step 2 message with everything the document
// has that a peer with the encoded state vector sv lacks. While the
// diffs computed for single connections and not yet written are over
// RoomQueueBytes, it answers with the whole state instead, which is
// encoded once per change and shared: a flood of step 1s with made-up
// state vectors costs CPU (rate-limited) but no memory.
func (rm *room) syncItem(sv []byte) (outItem, error) {
	if rm.answers.rev != rm.rev {
		rm.answers = answerCache{rev: rm.rev}
	}
	if rm.queued.Load() >= rm.reg.cfg.RoomQueueBytes || rm.answers.spent >= max(rm.size, 64<<10) {
		if _, err := crdt.DecodeStateVector(sv); err != nil {
			return outItem{}, err
		}
		msg, err := rm.fullMessage()
		return outItem{msg: msg}, err
	}
	msg, shared, err := rm.syncMessage(sv)
	if err != nil {
		return outItem{}, err
	}
	if shared {
		return outItem{msg: msg}, nil
	}
	if rm.queued.Load()+int64(len(msg)) > rm.reg.cfg.RoomQueueBytes {
		msg, err = rm.fullMessage()
		return outItem{msg: msg}, err
	}
	return outItem{msg: msg, private: len(msg)}, nil
}

// fullMessage returns the whole state as a sync step 2 message, encoded
// once per revision.
func (rm *room) fullMessage() ([]byte, error) {
	if rm.answers.rev != rm.rev {
		rm.answers = answerCache{rev: rm.rev}
	}
	if rm.answers.full != nil {
		rm.reg.metrics.Step1Cached.Inc()
		return rm.answers.full, nil
	}
	u, err := rm.doc.EncodeStateAsUpdate(nil)
	if err != nil {
		return nil, err
	}
	rm.answers.full = yproto.SyncStep2Message(u)
	return rm.answers.full, nil
}

// syncMessage returns the diff for sv, and whether it is the shared
// whole state.
func (rm *room) syncMessage(sv []byte) (msg []byte, shared bool, err error) {
	peer, err := crdt.DecodeStateVector(sv)
	if err != nil {
		return nil, false, err
	}
	if rm.answers.rev != rm.rev {
		rm.answers = answerCache{rev: rm.rev}
	}
	// What the peer has beyond the document does not change the answer:
	// only the clocks the document knows count.
	own := rm.doc.StateVector()
	norm := crdt.StateVector{}
	for client, clock := range peer {
		if have := own[client]; have > 0 && clock > 0 {
			norm[client] = min(clock, have)
		}
	}
	if len(norm) == 0 {
		msg, err := rm.fullMessage()
		return msg, true, err
	}
	key := norm.Encode()
	for _, a := range rm.answers.diffs {
		if a.sv == string(key) {
			rm.reg.metrics.Step1Cached.Inc()
			return a.msg, false, nil
		}
	}
	u, err := rm.doc.EncodeStateAsUpdate(key)
	if err != nil {
		return nil, false, err
	}
	msg = yproto.SyncStep2Message(u)
	rm.answers.spent += int64(len(u))
	if len(rm.answers.diffs) == maxCachedDiffs {
		copy(rm.answers.diffs, rm.answers.diffs[1:])
		rm.answers.diffs = rm.answers.diffs[:maxCachedDiffs-1]
	}
	rm.answers.diffs = append(rm.answers.diffs, cachedAnswer{sv: string(key), msg: msg})
	return msg, false, nil
}

// answerStep1 answers a client's sync step 1. The answer replaces one
// still queued (it covers it: a client's state only grows), so repeated
// step 1s from a reader that is not reading cost no memory.
func (rm *room) answerStep1(c *conn, sv []byte) {
	it, err := rm.syncItem(sv)
	if err != nil {
		c.refuse(StatusInvalidPayload, "invalid state vector", "invalid_state_vector", err)
		return
	}
	// A copy: sv points into the message the transport read, which
	// would otherwise stay alive for as long as the connection is idle.
	c.synced, c.baseSV = true, bytes.Clone(sv)
	rm.setSync(c, it, false)
}

// resync replaces c's queued updates with one diff from the state vector
// c is known to have: c fell too far behind (its queue, or the room's,
// is over its bound). Nothing is lost; c gets one larger frame instead of
// the backlog.
func (rm *room) resync(c *conn) {
	it, err := rm.syncItem(c.baseSV)
	if err != nil {
		// baseSV was accepted before: cannot happen. Start over.
		c.kill(StatusInternalError, "resync failed", true)
		return
	}
	rm.reg.metrics.Resyncs.Inc()
	rm.setSync(c, it, true)
}

func (rm *room) setSync(c *conn, it outItem, dropUpdates bool) {
	if c.isKilled() {
		return
	}
	res, ok := c.out.setSync(it, dropUpdates, rm.reg.cfg.QueueSize)
	if !ok {
		c.slow()
		return
	}
	if res == pushedStart {
		go c.writeRun()
	}
}
