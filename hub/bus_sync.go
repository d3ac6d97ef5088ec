package hub

import (
	"hash/fnv"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// This file is the room's side of the bus, run by the room's run loop:
// publishing what local clients change, applying what other instances
// publish, and healing by exchanging state vectors.

// fromBus is the transaction origin of updates that came over the bus;
// they are sent to local connections but never published again.
var fromBus = &struct{ name string }{"bus"}

// stateRequestGap is the shortest time between two state messages a room
// sends because a peer looked ahead of it (the periodic ones aside).
const stateRequestGap = time.Second

// publishFrame publishes one y-protocols message this instance applied.
func (rm *room) publishFrame(kind string, frame []byte) {
	if rm.reg.solo {
		return
	}
	rm.reg.metrics.BusMessages.WithLabelValues("out", kind).Inc()
	rm.reg.bus.Publish(rm.channel, encodeFrame(rm.reg.instance, frame))
}

// publishState publishes this room's state vector and delete-set digest
// (a sync step 1 to the other instances); hello also asks for their
// clients' awareness.
func (rm *room) publishState(hello bool, now time.Time) {
	rm.lastState = now
	if rm.loadErr != nil || rm.reg.solo {
		return
	}
	var flags byte
	if hello {
		flags |= flagHello
	}
	rm.reg.metrics.BusMessages.WithLabelValues("out", "state").Inc()
	rm.reg.bus.Publish(rm.channel, encodeState(rm.reg.instance, flags, rm.digest(), rm.doc.EncodeStateVector()))
}

// digest hashes the document's delete set. A state vector says nothing
// of deletions, so two instances with equal state vectors compare
// digests to find out whether one of them missed a delete.
func (rm *room) digest() uint64 {
	if rm.digestFresh {
		return rm.digestVal
	}
	ds, err := rm.doc.EncodeStateAsUpdate(rm.doc.EncodeStateVector())
	if err != nil {
		return 0
	}
	h := fnv.New64a()
	h.Write(ds)
	rm.digestVal, rm.digestFresh = h.Sum64(), true
	return rm.digestVal
}

// handleBus applies one message from another instance.
func (rm *room) handleBus(m busMsg, now time.Time) {
	if rm.loadErr != nil {
		return
	}
	switch m.kind {
	case busFrame:
		msg, err := yproto.Decode(m.body)
		if err != nil {
			rm.busInvalid("frame", err)
			return
		}
		switch msg.Type {
		case yproto.TypeSync:
			if msg.Sync == yproto.SyncStep1 {
				return
			}
			rm.reg.metrics.BusMessages.WithLabelValues("in", "update").Inc()
			if err := rm.doc.ApplyUpdate(msg.Payload, fromBus); err != nil {
				rm.busInvalid("update", err)
			}
		case yproto.TypeAwareness:
			rm.reg.metrics.BusMessages.WithLabelValues("in", "awareness").Inc()
			rm.applyAwareness(nil, msg.Awareness, now)
		}
	case busState:
		rm.reg.metrics.BusMessages.WithLabelValues("in", "state").Inc()
		rm.answerState(m, now)
	case busDiff:
		if m.to != rm.reg.instance {
			return
		}
		rm.reg.metrics.BusMessages.WithLabelValues("in", "diff").Inc()
		if err := rm.doc.ApplyUpdate(m.body, fromBus); err != nil {
			rm.busInvalid("diff", err)
		}
	}
}

func (rm *room) busInvalid(what string, err error) {
	rm.reg.metrics.BusMessages.WithLabelValues("in", "invalid").Inc()
	rm.log.Warn("invalid message from the bus; dropped", "what", what, "err", err)
}

// answerState answers a peer's state message: the diff it lacks (if
// any), our clients' awareness if it said hello, and our own state
// message if the peer has something we lack.
func (rm *room) answerState(m busMsg, now time.Time) {
	theirs, err := crdt.DecodeStateVector(m.body)
	if err != nil {
		rm.busInvalid("state vector", err)
		return
	}
	mine := rm.doc.StateVector()
	theyLack, weLack := false, false
	for client, clock := range mine {
		if theirs[client] < clock {
			theyLack = true
			break
		}
	}
	for client, clock := range theirs {
		if mine[client] < clock {
			weLack = true
			break
		}
	}
	sameDeletes := rm.digest() == m.digest
	if theyLack || !sameDeletes {
		diff, err := rm.doc.EncodeStateAsUpdate(m.body)
		if err != nil {
			rm.busInvalid("state vector", err)
			return
		}
		rm.reg.metrics.BusMessages.WithLabelValues("out", "diff").Inc()
		rm.reg.bus.Publish(rm.channel, encodeDiff(rm.reg.instance, m.sender, diff))
	}
	if m.flags&flagHello != 0 {
		if local := rm.localAwareness(); len(local) > 0 {
			rm.publishFrame("awareness", yproto.AwarenessMessage(local))
		}
	}
	if (weLack || !sameDeletes) && now.Sub(rm.lastState) >= stateRequestGap {
		rm.publishState(false, now)
	}
}
