package crdt

import (
	"fmt"
	"slices"
	"sort"
)

// deleteRange is a run of deleted ids of one client.
type deleteRange struct {
	clock uint64
	len   uint64
}

// DeleteSet records which ids are deleted, per client, as sorted and
// squashed ranges once sortAndMerge has run.
type DeleteSet struct {
	clients map[uint64][]deleteRange
	// dirty is set by add; reset and sortAndMerge skip clean sets without
	// ranging over the map.
	dirty bool
}

func newDeleteSet() *DeleteSet { return &DeleteSet{clients: map[uint64][]deleteRange{}} }

func (ds *DeleteSet) add(client, clock, length uint64) {
	if length == 0 {
		return
	}
	if ds.clients == nil {
		ds.clients = map[uint64][]deleteRange{}
	}
	ds.dirty = true
	ds.clients[client] = append(ds.clients[client], deleteRange{clock, length})
}

// empty reports whether no range is recorded.
func (ds *DeleteSet) empty() bool {
	if !ds.dirty {
		return true
	}
	for _, rs := range ds.clients {
		if len(rs) > 0 {
			return false
		}
	}
	return true
}

// reset empties ds, keeping small per-client slices for reuse.
func (ds *DeleteSet) reset() {
	if !ds.dirty {
		return
	}
	ds.dirty = false
	for c, rs := range ds.clients {
		if cap(rs) > 64 || len(ds.clients) > 8 {
			delete(ds.clients, c)
		} else {
			ds.clients[c] = rs[:0]
		}
	}
}

// sortAndMerge sorts every client's ranges and joins overlapping or
// adjacent ones, exactly as yjs's sortAndMergeDeleteSet.
func (ds *DeleteSet) sortAndMerge() {
	if len(ds.clients) == 0 || !ds.dirty {
		return
	}
	for c, rs := range ds.clients {
		if len(rs) < 2 {
			continue
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].clock < rs[j].clock })
		j := 1
		for i := 1; i < len(rs); i++ {
			left := &rs[j-1]
			right := rs[i]
			if left.clock+left.len >= right.clock {
				if end := right.clock + right.len; end > left.clock+left.len {
					left.len = end - left.clock
				}
			} else {
				rs[j] = right
				j++
			}
		}
		ds.clients[c] = rs[:j]
	}
}

// contains reports whether id is deleted according to ds (which must be
// sorted and merged).
func (ds *DeleteSet) contains(id ID) bool {
	rs := ds.clients[id.Client]
	i := sort.Search(len(rs), func(i int) bool { return rs[i].clock+rs[i].len > id.Clock })
	return i < len(rs) && rs[i].clock <= id.Clock
}

// mergeDeleteSets returns the union of the given sets, sorted and merged.
func mergeDeleteSets(sets ...*DeleteSet) *DeleteSet {
	out := newDeleteSet()
	for _, ds := range sets {
		for c, rs := range ds.clients {
			if len(rs) == 0 {
				continue
			}
			out.clients[c] = append(out.clients[c], rs...)
			out.dirty = true
		}
	}
	out.sortAndMerge()
	return out
}

func (ds *DeleteSet) sortedClients() []uint64 {
	if len(ds.clients) == 1 {
		for c, rs := range ds.clients {
			if len(rs) > 0 {
				return []uint64{c}
			}
		}
		return nil
	}
	cs := make([]uint64, 0, len(ds.clients))
	for c, rs := range ds.clients {
		if len(rs) > 0 {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	slices.Reverse(cs)
	return cs
}

// write encodes the delete set (v1), clients in descending order as yjs
// writes them.
func (ds *DeleteSet) write(e *encoder) {
	cs := ds.sortedClients()
	e.writeVarUint(uint64(len(cs)))
	for _, c := range cs {
		rs := ds.clients[c]
		e.writeVarUint(c)
		e.writeVarUint(uint64(len(rs)))
		for _, r := range rs {
			e.writeVarUint(r.clock)
			e.writeVarUint(r.len)
		}
	}
}

// readDeleteSetInto decodes a v1 delete set into ds, refusing ranges whose end would
// overflow a JavaScript number.
func readDeleteSetInto(d *decoder, ds *DeleteSet) error {
	n, err := d.readLen(2)
	if err != nil {
		return fmt.Errorf("delete set: %w", err)
	}
	if n > 0 {
		ds.clients = make(map[uint64][]deleteRange, n)
	}
	for i := 0; i < n; i++ {
		client, err := d.readVarUint()
		if err != nil {
			return fmt.Errorf("delete set: %w", err)
		}
		m, err := d.readLen(2)
		if err != nil {
			return fmt.Errorf("delete set: %w", err)
		}
		rs := ds.clients[client]
		for j := 0; j < m; j++ {
			clock, err := d.readVarUint()
			if err != nil {
				return fmt.Errorf("delete set: %w", err)
			}
			l, err := d.readVarUint()
			if err != nil {
				return fmt.Errorf("delete set: %w", err)
			}
			if clock+l > maxSafeInteger {
				return fmt.Errorf("delete set: range %d+%d of client %d: %w", clock, l, client, ErrIntegerOverflow)
			}
			if l > 0 {
				rs = append(rs, deleteRange{clock, l})
			}
		}
		if len(rs) > 0 {
			ds.clients[client] = rs
			ds.dirty = true
		}
	}
	return nil
}
