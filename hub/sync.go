package hub

import (
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
}

type cachedAnswer struct {
	sv  string
	msg []byte
}

// maxCachedDiffs bounds answerCache.diffs.
const maxCachedDiffs = 4

// syncMessage returns a sync step 2 message with everything the document
// has that a peer with the encoded state vector sv lacks.
func (rm *room) syncMessage(sv []byte) ([]byte, error) {
	peer, err := crdt.DecodeStateVector(sv)
	if err != nil {
		return nil, err
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
		if rm.answers.full == nil {
			u, err := rm.doc.EncodeStateAsUpdate(nil)
			if err != nil {
				return nil, err
			}
			rm.answers.full = yproto.SyncStep2Message(u)
		} else {
			rm.reg.metrics.Step1Cached.Inc()
		}
		return rm.answers.full, nil
	}
	key := norm.Encode()
	for _, a := range rm.answers.diffs {
		if a.sv == string(key) {
			rm.reg.metrics.Step1Cached.Inc()
			return a.msg, nil
		}
	}
	u, err := rm.doc.EncodeStateAsUpdate(key)
	if err != nil {
		return nil, err
	}
	msg := yproto.SyncStep2Message(u)
	if len(rm.answers.diffs) == maxCachedDiffs {
		copy(rm.answers.diffs, rm.answers.diffs[1:])
		rm.answers.diffs = rm.answers.diffs[:maxCachedDiffs-1]
	}
	rm.answers.diffs = append(rm.answers.diffs, cachedAnswer{sv: string(key), msg: msg})
	return msg, nil
}

// answerStep1 answers a client's sync step 1. The answer replaces one
// still queued (it covers it: a client's state only grows), so repeated
// step 1s from a reader that is not reading cost no memory.
func (rm *room) answerStep1(c *conn, sv []byte) {
	msg, err := rm.syncMessage(sv)
	if err != nil {
		c.refuse(StatusInvalidPayload, "invalid state vector", "invalid_state_vector", err)
		return
	}
	c.synced, c.baseSV = true, sv
	rm.setSync(c, msg, false)
}

// resync replaces c's queued updates with one diff from the state vector
// c is known to have: c fell too far behind (its queue, or the room's,
// is over its bound). Nothing is lost; c gets one larger frame instead of
// the backlog.
func (rm *room) resync(c *conn) {
	msg, err := rm.syncMessage(c.baseSV)
	if err != nil {
		// baseSV was accepted before: cannot happen. Start over.
		c.kill(StatusInternalError, "resync failed", true)
		return
	}
	rm.reg.metrics.Resyncs.Inc()
	rm.setSync(c, msg, true)
}

func (rm *room) setSync(c *conn, msg []byte, dropUpdates bool) {
	if c.isKilled() {
		return
	}
	res, ok := c.out.setSync(msg, dropUpdates, rm.reg.cfg.QueueSize)
	if !ok {
		c.slow()
		return
	}
	if res == pushedStart {
		go c.writeRun()
	}
}
