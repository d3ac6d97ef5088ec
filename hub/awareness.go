package hub

import (
	"encoding/json"
	"fmt"
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
//
// A connection controls one awareness client id, the first it uses;
// entries for any other id are dropped and counted. Its states get its
// ConnOptions.User stamped on them, so nobody relays a name that is not
// theirs.
func (rm *room) applyAwareness(c *conn, entries []yproto.AwarenessEntry, now time.Time) {
	var changed []yproto.AwarenessEntry
	for _, e := range entries {
		if c != nil {
			if !c.hasAW {
				if st := rm.aw[e.ClientID]; st != nil && st.owner != nil && st.owner != c {
					// Another connection holds this id.
					rm.reg.metrics.Refused.WithLabelValues("awareness_foreign_client").Inc()
					continue
				}
				c.awID, c.hasAW = e.ClientID, true
			} else if e.ClientID != c.awID {
				rm.reg.metrics.Refused.WithLabelValues("awareness_foreign_client").Inc()
				continue
			}
		}
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
		var state []byte
		if !removed {
			state = slices.Clone(e.State)
			if c != nil && (c.user != User{}) {
				stamped, err := stampUser(state, c.user)
				if err != nil {
					rm.reg.metrics.Refused.WithLabelValues("awareness_invalid").Inc()
					continue
				}
				state = stamped
			}
		}
		if st == nil {
			st = &awState{}
			rm.aw[e.ClientID] = st
		}
		st.clock, st.updated = e.Clock, now
		if removed {
			st.owner = nil
			st.state = nil
			if !present {
				continue
			}
			changed = append(changed, yproto.AwarenessEntry{ClientID: e.ClientID, Clock: e.Clock, State: nullState})
			continue
		}
		st.state, st.owner = state, c
		changed = append(changed, yproto.AwarenessEntry{ClientID: e.ClientID, Clock: e.Clock, State: st.state})
	}
	if len(changed) > 0 {
		msg := yproto.AwarenessMessage(changed)
		rm.broadcastAwareness(msg)
		if c != nil {
			rm.publishFrame("awareness", msg)
		}
	}
}

// stampUser returns state (a JSON object) with user.name and user.color
// set from u (those of u's fields that are set).
func stampUser(state []byte, u User) ([]byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(state, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("awareness state is not a JSON object: %w", err)
	}
	user := map[string]json.RawMessage{}
	if raw, ok := obj["user"]; ok {
		// A user that is not an object is replaced.
		_ = json.Unmarshal(raw, &user)
		if user == nil {
			user = map[string]json.RawMessage{}
		}
	}
	set := func(k, v string) {
		if v != "" {
			b, _ := json.Marshal(v)
			user[k] = b
		}
	}
	set("name", u.Name)
	set("color", u.Color)
	b, err := json.Marshal(user)
	if err != nil {
		return nil, err
	}
	obj["user"] = b
	return json.Marshal(obj)
}

// forgetAwareness removes the awareness client c controlled and tells
// the others (a null state at the same clock).
func (rm *room) forgetAwareness(c *conn) {
	if !c.hasAW {
		return
	}
	st := rm.aw[c.awID]
	if st == nil || st.state == nil || st.owner != c {
		return
	}
	st.state, st.owner = nil, nil
	msg := yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: c.awID, Clock: st.clock, State: nullState}})
	rm.broadcastAwareness(msg)
	rm.publishFrame("awareness", msg)
}

// expireAwareness removes entries not renewed within the timeout.
func (rm *room) expireAwareness(now time.Time) {
	var changed []yproto.AwarenessEntry
	for id, st := range rm.aw {
		if st.state == nil || now.Sub(st.updated) < rm.reg.cfg.AwarenessTimeout {
			continue
		}
		st.owner = nil
		st.state = nil
		changed = append(changed, yproto.AwarenessEntry{ClientID: id, Clock: st.clock, State: nullState})
	}
	if len(changed) > 0 {
		sortEntries(changed)
		rm.broadcastAwareness(yproto.AwarenessMessage(changed))
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
