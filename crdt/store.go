package crdt

// store holds every struct of a document, per client, ordered by clock
// with no gaps (the first struct of a client starts at clock 0).
type store struct {
	clients map[uint64]*structList
	// order lists the same struct lists; iterating it avoids the cost of
	// ranging over a map on every transaction.
	order []*structList
	// pendingStructs holds structs that could not be integrated yet, as a
	// v1 update, and the lowest missing clock per client.
	pendingUpdate  []byte
	pendingMissing StateVector
	// pendingDS holds deletions of ids that do not exist yet.
	pendingDS *DeleteSet
}

func newStore() *store { return &store{clients: map[uint64]*structList{}} }

func (s *store) state(client uint64) uint64 {
	l := s.clients[client]
	if l == nil {
		return 0
	}
	last := l.last()
	return last.id.Clock + uint64(last.length)
}

func (s *store) stateVector() StateVector {
	sv := make(StateVector, len(s.clients))
	for _, l := range s.order {
		last := l.last()
		sv[l.client] = last.id.Clock + uint64(last.length)
	}
	return sv
}

// find returns the struct holding id, or nil.
func (s *store) find(id ID) *Item {
	l, i := s.locate(id)
	if i < 0 {
		return nil
	}
	return l.get(i)
}

// add appends a struct; its clock must follow the client's last one.
func (s *store) add(it *Item) {
	l := s.clients[it.id.Client]
	if l == nil {
		l = &structList{client: it.id.Client, idx: len(s.order)}
		s.clients[it.id.Client] = l
		s.order = append(s.order, l)
	}
	l.push(it)
}

// locate returns the list of id's client and the index in it of the item
// holding id; the index is -1 (and the list maybe nil) when there is none.
func (s *store) locate(id ID) (*structList, int) {
	l := s.clients[id.Client]
	if l == nil {
		return nil, -1
	}
	return l, l.findIndex(id.Clock)
}

// cleanStart returns the item starting exactly at id, splitting if needed.
func (s *store) cleanStart(tx *Transaction, id ID) *Item {
	l, i := s.locate(id)
	if i < 0 {
		return nil
	}
	return l.cleanStartAt(tx, i, id.Clock)
}

func (l *structList) cleanStartAt(tx *Transaction, i int, clock uint64) *Item {
	it := l.get(i)
	if it.id.Clock < clock && !it.isGC() {
		r := splitItem(tx, it, int(clock-it.id.Clock))
		l.insert(i+1, r)
		return r
	}
	return it
}

// cleanEnd returns the item ending exactly at id, splitting if needed.
func (s *store) cleanEnd(tx *Transaction, id ID) *Item {
	l, i := s.locate(id)
	if i < 0 {
		return nil
	}
	it := l.get(i)
	if id.Clock != it.id.Clock+uint64(it.length)-1 && !it.isGC() {
		r := splitItem(tx, it, int(id.Clock-it.id.Clock)+1)
		l.insert(i+1, r)
	}
	return it
}

// replaceWithGC swaps a struct for a GC struct of the same range.
func (s *store) replaceWithGC(it *Item) {
	l := s.clients[it.id.Client]
	i := l.findIndex(it.id.Clock)
	if i >= 0 {
		l.set(i, newGC(it.id, it.length))
	}
}

// tryMergeWithLefts merges the struct at pos with its left neighbours
// while possible and returns how many were merged away.
func (l *structList) tryMergeWithLefts(pos int) int {
	right := l.get(pos)
	i := pos
	for ; i > 0; i-- {
		left := l.get(i - 1)
		if left.deleted() == right.deleted() && left.isGC() == right.isGC() && left.mergeWith(right) {
			if !right.isGC() && right.hasParentSub() && right.parent != nil && right.parent.mapItems[right.parentSub] == right {
				right.parent.mapItems[right.parentSub] = left
			}
			right = left
			continue
		}
		break
	}
	merged := pos - i
	if merged > 0 {
		l.deleteRange(pos+1-merged, pos+1)
	}
	return merged
}
