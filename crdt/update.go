package crdt

import (
	"fmt"
	"slices"
)

// clientRefs are the decoded structs of one client in an update, in clock
// order.
type clientRefs struct {
	client uint64
	refs   []*Item
}

// decodedUpdate is a fully decoded and checked v1 update.
type decodedUpdate struct {
	clients []clientRefs
	ds      *DeleteSet

	// Inline storage for the common update: one client, one struct.
	clientsBuf [1]clientRefs
	refsBuf    [1]*Item
	dsBuf      DeleteSet
}

// decodeUpdate decodes a v1 update completely and checks it, so that no
// malformed input reaches integration.
func decodeUpdate(b []byte) (*decodedUpdate, error) {
	d := newDecoder(b)
	u, err := readUpdate(d)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidUpdate, err)
	}
	return u, nil
}

func readUpdate(d *decoder) (*decodedUpdate, error) {
	n, err := d.readLen(3)
	if err != nil {
		return nil, fmt.Errorf("client count: %w", err)
	}
	u := &decodedUpdate{}
	if n <= len(u.clientsBuf) {
		u.clients = u.clientsBuf[:0]
	} else {
		u.clients = make([]clientRefs, 0, n)
	}
	for i := 0; i < n; i++ {
		count, err := d.readLen(2)
		if err != nil {
			return nil, fmt.Errorf("struct count: %w", err)
		}
		client, err := d.readVarUint()
		if err != nil {
			return nil, fmt.Errorf("client id: %w", err)
		}
		for _, c := range u.clients {
			if c.client == client {
				return nil, d.errAt(fmt.Errorf("client %d appears twice", client))
			}
		}
		clock, err := d.readVarUint()
		if err != nil {
			return nil, fmt.Errorf("clock of client %d: %w", client, err)
		}
		var refs []*Item
		if i == 0 && count <= len(u.refsBuf) {
			refs = u.refsBuf[:0]
		} else {
			refs = make([]*Item, 0, count)
		}
		for j := 0; j < count; j++ {
			it, err := readStruct(d, ID{client, clock})
			if err != nil {
				return nil, fmt.Errorf("struct %d of client %d: %w", j, client, err)
			}
			clock += uint64(it.length)
			if clock > maxSafeInteger {
				return nil, fmt.Errorf("client %d: clock %d: %w", client, clock, ErrIntegerOverflow)
			}
			refs = append(refs, it)
		}
		u.clients = append(u.clients, clientRefs{client, refs})
	}
	if d.remaining() == 0 {
		// yjs reads a missing delete set as an error too, but some
		// producers omit it for struct-only updates; treat it as empty.
		u.ds = &u.dsBuf
		return u, nil
	}
	u.ds = &u.dsBuf
	if err := readDeleteSetInto(d, u.ds); err != nil {
		return nil, err
	}
	return u, nil
}

func readStruct(d *decoder, id ID) (*Item, error) {
	info, err := d.readUint8()
	if err != nil {
		return nil, err
	}
	ref := info & 0x1f
	switch ref {
	case refGC, refSkip:
		l, err := d.readVarUint()
		if err != nil {
			return nil, err
		}
		if l == 0 {
			return nil, d.errAt(fmt.Errorf("empty struct"))
		}
		it := &Item{id: id, length: int(l)}
		if ref == refGC {
			it.info = flagGC | flagDeleted
		} else {
			it.info = flagSkip
		}
		return it, nil
	}
	var it *Item
	if ref == refString {
		// The item and its text in one allocation.
		pair := &struct {
			item Item
			cs   contentString
		}{}
		it = &pair.item
		it.content = &pair.cs
	} else {
		it = &Item{}
	}
	it.id = id
	if info&0x80 != 0 {
		if it.origin, err = readOrigin(d, id, "origin"); err != nil {
			return nil, err
		}
		it.info |= flagHasOrigin
	}
	if info&0x40 != 0 {
		if it.rightOrigin, err = readOrigin(d, id, "right origin"); err != nil {
			return nil, err
		}
		it.info |= flagHasRightOrigin
	}
	if info&0xc0 == 0 {
		isKey, err := d.readVarUint()
		if err != nil {
			return nil, err
		}
		p := &pendingParent{}
		if isKey == 1 {
			if p.key, err = d.readVarString(); err != nil {
				return nil, err
			}
		} else {
			if p.id, err = readID(d); err != nil {
				return nil, err
			}
			p.hasID = true
			if p.id.Client == id.Client && p.id.Clock >= id.Clock {
				return nil, d.errAt(fmt.Errorf("parent %v is not before %v", p.id, id))
			}
		}
		it.pend = p
		if info&0x20 != 0 {
			if it.parentSub, err = d.readVarString(); err != nil {
				return nil, err
			}
			it.info |= flagHasParentSub
		}
	}
	var c content
	if ref == refString {
		cs := it.content.(*contentString)
		if err := readStringContent(d, cs); err != nil {
			return nil, err
		}
		c = cs
	} else if c, err = readContent(d, ref); err != nil {
		return nil, err
	}
	it.content = c
	it.length = c.length()
	if it.length <= 0 {
		return nil, d.errAt(fmt.Errorf("empty content"))
	}
	if c.countable() {
		it.info |= flagCountable
	}
	return it, nil
}

// readOrigin reads an item's origin or right origin (what), which must
// come before the item when it is of the same client.
func readOrigin(d *decoder, id ID, what string) (ID, error) {
	o, err := readID(d)
	if err != nil {
		return ID{}, err
	}
	if o.Client == id.Client && o.Clock >= id.Clock {
		return ID{}, d.errAt(fmt.Errorf("%s %v is not before %v", what, o, id))
	}
	return o, nil
}

func readID(d *decoder) (ID, error) {
	c, err := d.readVarUint()
	if err != nil {
		return ID{}, err
	}
	k, err := d.readVarUint()
	if err != nil {
		return ID{}, err
	}
	return ID{c, k}, nil
}

// ApplyUpdate applies a v1 update. Structs whose dependencies are missing
// are kept pending and integrated as soon as the missing ones arrive. A
// malformed update returns an error wrapping ErrInvalidUpdate and changes
// nothing.
func (d *Doc) ApplyUpdate(update []byte, origin any) error {
	u, err := decodeUpdate(update)
	if err != nil {
		return err
	}
	initial := d.begin(origin, false)
	d.tx.Local = false
	d.applyDecoded(d.tx, u)
	d.end(initial)
	return nil
}

func (d *Doc) applyDecoded(tx *Transaction, u *decodedUpdate) {
	s := d.store
	retry := false
	restUpdate, restMissing := integrateStructs(tx, s, u.clients)
	if s.pendingUpdate != nil {
		for client, clock := range s.pendingMissing {
			if clock < s.state(client) {
				retry = true
				break
			}
		}
		if restUpdate != nil {
			for client, clock := range restMissing {
				if m, ok := s.pendingMissing[client]; !ok || m > clock {
					s.pendingMissing[client] = clock
				}
			}
			merged, err := MergeUpdates([][]byte{s.pendingUpdate, restUpdate})
			if err == nil {
				s.pendingUpdate = merged
			}
		}
	} else if restUpdate != nil {
		s.pendingUpdate = restUpdate
		s.pendingMissing = restMissing
	}
	dsRest := applyDeleteSet(tx, s, u.ds)
	if s.pendingDS != nil {
		dsRest2 := applyDeleteSet(tx, s, s.pendingDS)
		switch {
		case dsRest != nil && dsRest2 != nil:
			s.pendingDS = mergeDeleteSets(dsRest, dsRest2)
		case dsRest != nil:
			s.pendingDS = dsRest
		default:
			s.pendingDS = dsRest2
		}
	} else {
		s.pendingDS = dsRest
	}
	if retry {
		pending := s.pendingUpdate
		s.pendingUpdate = nil
		s.pendingMissing = nil
		if pu, err := decodeUpdate(pending); err == nil {
			d.applyDecoded(tx, pu)
		}
	}
}

// integrateStructs integrates decoded structs in causal order. What cannot
// be integrated yet is returned as a v1 update with the lowest missing
// clock per client.
func integrateStructs(tx *Transaction, s *store, clients []clientRefs) ([]byte, StateVector) {
	type target struct {
		client uint64
		i      int
		refs   []*Item
		gone   bool
	}
	var targetsBuf [4]target
	targets := targetsBuf[:0]
	for _, c := range clients {
		if len(c.refs) > 0 {
			targets = append(targets, target{client: c.client, refs: c.refs})
		}
	}
	if len(targets) == 0 {
		return nil, nil
	}
	// Updates carry few clients; a sorted slice beats a map here.
	slices.SortFunc(targets, func(a, b target) int {
		if a.client < b.client {
			return -1
		}
		return 1
	})
	byClient := func(client uint64) *target {
		i, ok := slices.BinarySearchFunc(targets, client, func(t target, c uint64) int {
			switch {
			case t.client < c:
				return -1
			case t.client > c:
				return 1
			}
			return 0
		})
		if !ok || targets[i].gone {
			return nil
		}
		return &targets[i]
	}
	var idsBuf [4]uint64
	ids := idsBuf[:0]
	for i := range targets {
		ids = append(ids, targets[i].client)
	}
	nextTarget := func() *target {
		for len(ids) > 0 {
			t := byClient(ids[len(ids)-1])
			if t != nil && t.i < len(t.refs) {
				return t
			}
			ids = ids[:len(ids)-1]
		}
		return nil
	}
	cur := nextTarget()
	if cur == nil {
		return nil, nil
	}
	var rest *store
	var missingSV StateVector
	updateMissing := func(client, clock uint64) {
		if missingSV == nil {
			missingSV = StateVector{}
		}
		if m, ok := missingSV[client]; !ok || m > clock {
			missingSV[client] = clock
		}
	}
	var stack []*Item
	// state caches the store's clock per client during integration.
	var state []ID
	getState := func(client uint64) uint64 {
		for _, s := range state {
			if s.Client == client {
				return s.Clock
			}
		}
		c := s.state(client)
		state = append(state, ID{client, c})
		return c
	}
	setState := func(client, clock uint64) {
		for i := range state {
			if state[i].Client == client {
				state[i].Clock = clock
				return
			}
		}
		state = append(state, ID{client, clock})
	}
	addStackToRest := func() {
		if rest == nil {
			rest = newStore()
		}
		for _, it := range stack {
			client := it.id.Client
			if t := byClient(client); t != nil {
				t.i--
				rest.clients[client] = newStructList(client, t.refs[t.i:])
				t.gone = true
				t.i = 0
				t.refs = nil
			} else {
				rest.clients[client] = newStructList(client, []*Item{it})
			}
			ids = slices.DeleteFunc(ids, func(c uint64) bool { return c == client })
		}
		stack = stack[:0]
	}
	head := cur.refs[cur.i]
	cur.i++
	for {
		if !head.isSkip() {
			local := getState(head.id.Client)
			if local < head.id.Clock {
				stack = append(stack, head)
				updateMissing(head.id.Client, head.id.Clock-1)
				addStackToRest()
			} else {
				offset := int(local - head.id.Clock)
				if missing, isMissing := head.getMissing(tx, s); isMissing {
					stack = append(stack, head)
					t := byClient(missing)
					if t == nil || t.i == len(t.refs) {
						updateMissing(missing, s.state(missing))
						addStackToRest()
					} else {
						head = t.refs[t.i]
						t.i++
						continue
					}
				} else if offset == 0 || offset < head.length {
					if head.isGC() {
						if offset > 0 {
							head.id.Clock += uint64(offset)
							head.length -= offset
						}
						s.add(head)
					} else if offset > 0 || !extendRemote(tx, s, head) {
						head.integrate(tx, offset)
					}
					setState(head.id.Client, head.id.Clock+uint64(head.length))
				}
			}
		}
		if len(stack) > 0 {
			head = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		} else if cur != nil && cur.i < len(cur.refs) {
			head = cur.refs[cur.i]
			cur.i++
		} else {
			cur = nextTarget()
			if cur == nil {
				break
			}
			head = cur.refs[cur.i]
			cur.i++
		}
	}
	if rest == nil || len(rest.clients) == 0 {
		return nil, nil
	}
	e := &encoder{}
	writeStructsFrom(e, rest, nil)
	e.writeVarUint(0)
	return e.bytes(), missingSV
}

// applyDeleteSet deletes the ranges of ds that exist in the store and
// returns the ranges that do not exist yet (nil if none).
func applyDeleteSet(tx *Transaction, s *store, ds *DeleteSet) *DeleteSet {
	if len(ds.clients) == 0 {
		return nil
	}
	var unapplied *DeleteSet
	clients := make([]uint64, 0, len(ds.clients))
	for c := range ds.clients {
		clients = append(clients, c)
	}
	slices.Sort(clients)
	for _, client := range clients {
		rs := ds.clients[client]
		state := s.state(client)
		l := s.clients[client]
		for _, r := range rs {
			clock, end := r.clock, r.clock+r.len
			if clock < state {
				if state < end {
					if unapplied == nil {
						unapplied = newDeleteSet()
					}
					unapplied.add(client, state, end-state)
				}
				idx := l.findIndex(clock)
				it := l.get(idx)
				if !it.deleted() && it.id.Clock < clock {
					r := splitItem(tx, it, int(clock-it.id.Clock))
					l.insert(idx+1, r)
					idx++
				}
				for idx < l.len() {
					it = l.get(idx)
					idx++
					if it.id.Clock >= end {
						break
					}
					if !it.deleted() {
						if end < it.id.Clock+uint64(it.length) {
							r := splitItem(tx, it, int(end-it.id.Clock))
							l.insert(idx, r)
						}
						it.delete(tx)
					}
				}
			} else {
				if unapplied == nil {
					unapplied = newDeleteSet()
				}
				unapplied.add(client, clock, end-clock)
			}
		}
	}
	return unapplied
}

// writeStructsFrom writes every struct the store has beyond sv (v1), the
// clients with the highest ids first, as yjs does.
func writeStructsFrom(e *encoder, s *store, sv StateVector) {
	type entry struct{ client, clock uint64 }
	entries := make([]entry, 0, len(s.clients))
	for client, l := range s.clients {
		if l.len() == 0 {
			continue
		}
		clock := sv[client]
		last := l.last()
		if last.id.Clock+uint64(last.length) > clock {
			entries = append(entries, entry{client, clock})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if a.client > b.client {
			return -1
		}
		if a.client < b.client {
			return 1
		}
		return 0
	})
	e.writeVarUint(uint64(len(entries)))
	for _, en := range entries {
		s.clients[en.client].writeFrom(e, en.clock)
	}
}

// writeFrom writes the list's structs from clock on (v1): their count,
// the client, the first clock, then the structs, the first one cut at
// clock.
func (l *structList) writeFrom(e *encoder, clock uint64) {
	clock = max(clock, l.get(0).id.Clock)
	start := l.findIndex(clock)
	e.writeVarUint(uint64(l.len() - start))
	e.writeVarUint(l.client)
	e.writeVarUint(clock)
	first := l.get(start)
	first.write(e, int(clock-first.id.Clock))
	l.each(start+1, func(it *Item) bool {
		it.write(e, 0)
		return true
	})
}

// extendRemote appends a remote item's text to the item it continues
// (its origin, the same client's newest struct) when yjs would integrate
// it there and merge the two at the end of the transaction anyway: the
// store, the encoded state and the transaction's update come out the same,
// without a new item to link and merge. This is the server's hot path:
// someone typing. It is not used while anyone observes the parent type,
// because events tell new items from old by their clock.
func extendRemote(tx *Transaction, s *store, it *Item) bool {
	l := it.left
	p := it.parent
	if l == nil || p == nil || it.hasParentSub() || !it.hasOrigin() || l.isGC() || l.deleted() || l.parent != p ||
		l.id.Client != it.id.Client || l.right != it.right ||
		!sameOrigin(l.hasRightOrigin(), l.rightOrigin, it.hasRightOrigin(), it.rightOrigin) {
		return false
	}
	cs, ok := it.content.(*contentString)
	if !ok {
		return false
	}
	ls, ok := l.content.(*contentString)
	if !ok || l.id.Clock+uint64(l.length) != it.id.Clock || s.state(it.id.Client) != it.id.Clock {
		return false
	}
	if p.item != nil && p.item.deleted() || len(p.observers) > 0 || hasDeepObserver(p) {
		return false
	}
	// The conflict check of integrate must find nothing to resolve.
	if it.right != nil && it.right.left != l {
		return false
	}
	ls.str = append(ls.str, cs.str...)
	ls.n += cs.n
	l.length += it.length
	p.length += it.length
	p.cache.valid = false
	it.pend = nil
	tx.addChangedType(p, "", false)
	return true
}

// Changes reports whether applying update would change d: whether it
// holds a struct d does not have yet, or deletes something d has not
// deleted (or does not have yet). A peer's sync step 2 that only repeats
// what the document already holds changes nothing. d is not modified.
// A malformed update returns an error wrapping ErrInvalidUpdate.
func (d *Doc) Changes(update []byte) (bool, error) {
	u, err := decodeUpdate(update)
	if err != nil {
		return false, err
	}
	s := d.store
	for _, c := range u.clients {
		if n := len(c.refs); n > 0 {
			last := c.refs[n-1]
			if last.id.Clock+uint64(last.length) > s.state(c.client) {
				return true, nil
			}
		}
	}
	for client, rs := range u.ds.clients {
		state := s.state(client)
		l := s.clients[client]
		for _, r := range rs {
			if r.len == 0 {
				continue
			}
			if r.clock+r.len > state {
				return true, nil
			}
			for idx := l.findIndex(r.clock); idx >= 0 && idx < l.len(); idx++ {
				it := l.get(idx)
				if it.id.Clock >= r.clock+r.len {
					break
				}
				if !it.deleted() {
					return true, nil
				}
			}
		}
	}
	return false, nil
}
