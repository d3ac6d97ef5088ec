package hub

import (
	"slices"
	"sort"
	"time"

	"github.com/cocreate/cocreate/crdt/yproto"
)

// awState is what the hub knows of one awareness client, with the
// y-protocols rules: an entry is replaced only by a higher clock, or by a
// null state at the same clock; a removed client keeps its clock.
type awState struct {
	clock   uint64
	state   []byte // JSON; nil once removed
	updated time.Time
	owner   *conn
}

var nullState = []byte("null")

// applyAwareness applies entries from c and relays what changed to every
// connection, c included (as the y-websocket server does), and to the
// other instances. c is nil for entries from another instance, which are
// not published again.
func (rm *room) applyAwareness(c *conn, entries []yproto.AwarenessEntry, now time.Time) {
	var changed []yproto.AwarenessEntry
	for _, e := range entries {
		st := rm.aw[e.ClientID]
		var clock uint64
		present := false
		if st != nil {
			clock, present = st.clock, st.state != nil
		}
		removed := e.Removed()
		if !(clock < e.Clock || (clock == e.Clock && removed && present)) {
			continue
		}
		if st == nil {
			st = &awState{}
			rm.aw[e.ClientID] = st
		}
		st.clock, st.updated = e.Clock, now
		if removed {
			rm.dropOwner(e.ClientID, st)
			st.state = nil
			if !present {
				continue
			}
			changed = append(changed, yproto.AwarenessEntry{ClientID: e.ClientID, Clock: e.Clock, State: nullState})
			continue
		}
		st.state = slices.Clone(e.State)
		if st.owner != c {
			rm.dropOwner(e.ClientID, st)
			st.owner = c
			if c != nil {
				if c.awareness == nil {
					c.awareness = map[uint64]struct{}{}
				}
				c.awareness[e.ClientID] = struct{}{}
			}
		}
		changed = append(changed, yproto.AwarenessEntry{ClientID: e.ClientID, Clock: e.Clock, State: st.state})
	}
	if len(changed) > 0 {
		msg := yproto.AwarenessMessage(changed)
		rm.broadcast(msg)
		if c != nil {
			rm.publishFrame("awareness", msg)
		}
	}
}

func (rm *room) dropOwner(id uint64, st *awState) {
	if st.owner != nil {
		delete(st.owner.awareness, id)
		st.owner = nil
	}
}

// forgetAwareness removes the awareness clients c controlled and tells
// the others (null states at the same clock).
func (rm *room) forgetAwareness(c *conn) {
	var changed []yproto.AwarenessEntry
	for id := range c.awareness {
		st := rm.aw[id]
		if st == nil || st.state == nil {
			continue
		}
		st.state, st.owner = nil, nil
		changed = append(changed, yproto.AwarenessEntry{ClientID: id, Clock: st.clock, State: nullState})
	}
	clear(c.awareness)
	if len(changed) > 0 {
		sortEntries(changed)
		msg := yproto.AwarenessMessage(changed)
		rm.broadcast(msg)
		rm.publishFrame("awareness", msg)
	}
}

// expireAwareness removes entries not renewed within the timeout.
func (rm *room) expireAwareness(now time.Time) {
	var changed []yproto.AwarenessEntry
	for id, st := range rm.aw {
		if st.state == nil || now.Sub(st.updated) < rm.reg.cfg.AwarenessTimeout {
			continue
		}
		rm.dropOwner(id, st)
		st.state = nil
		changed = append(changed, yproto.AwarenessEntry{ClientID: id, Clock: st.clock, State: nullState})
	}
	if len(changed) > 0 {
		sortEntries(changed)
		rm.broadcast(yproto.AwarenessMessage(changed))
	}
}

// localAwareness returns the present entries of this instance's own
// connections (for another instance that asked).
func (rm *room) localAwareness() []yproto.AwarenessEntry {
	var local []yproto.AwarenessEntry
	for id, st := range rm.aw {
		if st.state != nil && st.owner != nil {
			local = append(local, yproto.AwarenessEntry{ClientID: id, Clock: st.clock, State: st.state})
		}
	}
	sortEntries(local)
	return local
}

// awarenessAll returns every present awareness entry.
func (rm *room) awarenessAll() []yproto.AwarenessEntry {
	var all []yproto.AwarenessEntry
	for id, st := range rm.aw {
		if st.state != nil {
			all = append(all, yproto.AwarenessEntry{ClientID: id, Clock: st.clock, State: st.state})
		}
	}
	sortEntries(all)
	return all
}

func sortEntries(es []yproto.AwarenessEntry) {
	sort.Slice(es, func(i, j int) bool { return es[i].ClientID < es[j].ClientID })
}
