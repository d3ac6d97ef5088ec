package crdt

// Item flags.
const (
	flagKeep           = 1 << 0
	flagCountable      = 1 << 1
	flagDeleted        = 1 << 2
	flagHasOrigin      = 1 << 3
	flagHasRightOrigin = 1 << 4
	flagHasParentSub   = 1 << 5
	flagGC             = 1 << 6
	flagSkip           = 1 << 7
)

// Item is one struct of the document: a run of content of one client with
// consecutive clocks, placed in its parent's list between left and right.
// GC structs (collected content whose parent is gone) and Skip structs
// (gaps in merged updates) are Items with flagGC / flagSkip and no content.
type Item struct {
	id          ID
	length      int
	origin      ID // valid when flagHasOrigin
	rightOrigin ID // valid when flagHasRightOrigin
	left, right *Item
	parent      *Type
	parentSub   string // valid when flagHasParentSub
	content     content
	info        uint8
	// pend holds the parent as decoded (a root name or the id of the item
	// holding the parent type) until the item is integrated.
	pend *pendingParent
}

type pendingParent struct {
	key   string
	id    ID
	hasID bool
}

func (it *Item) deleted() bool   { return it.info&flagDeleted != 0 }
func (it *Item) isGC() bool      { return it.info&flagGC != 0 }
func (it *Item) isSkip() bool    { return it.info&flagSkip != 0 }
func (it *Item) keep() bool      { return it.info&flagKeep != 0 }
func (it *Item) countable() bool { return it.info&flagCountable != 0 }
func (it *Item) hasOrigin() bool { return it.info&flagHasOrigin != 0 }
func (it *Item) hasRightOrigin() bool {
	return it.info&flagHasRightOrigin != 0
}
func (it *Item) hasParentSub() bool { return it.info&flagHasParentSub != 0 }
func (it *Item) markDeleted()       { it.info |= flagDeleted }
func (it *Item) lastID() ID         { return ID{it.id.Client, it.id.Clock + uint64(it.length) - 1} }

// visibleLen is the item's contribution to its parent's length.
func (it *Item) visibleLen() int {
	if it.info&(flagCountable|flagDeleted) == flagCountable {
		return it.length
	}
	return 0
}

func newGC(id ID, length int) *Item {
	return &Item{id: id, length: length, info: flagGC | flagDeleted}
}

func newItem(id ID, left *Item, origin *ID, right *Item, rightOrigin *ID, parent *Type, parentSub *string, c content) *Item {
	it := &Item{id: id, left: left, right: right, parent: parent, content: c, length: c.length()}
	if origin != nil {
		it.origin = *origin
		it.info |= flagHasOrigin
	}
	if rightOrigin != nil {
		it.rightOrigin = *rightOrigin
		it.info |= flagHasRightOrigin
	}
	if parentSub != nil {
		it.parentSub = *parentSub
		it.info |= flagHasParentSub
	}
	if c.countable() {
		it.info |= flagCountable
	}
	return it
}

func sameOrigin(aHas bool, a ID, bHas bool, b ID) bool {
	return aHas == bHas && (!aHas || a == b)
}

// splitItem cuts it at diff: it keeps [0, diff) and the returned item holds
// the rest, linked to its right.
func splitItem(tx *Transaction, it *Item, diff int) *Item {
	var r *Item
	if cs, ok := it.content.(*contentString); ok {
		// Allocate the right half and its content together.
		pair := &struct {
			item Item
			cs   contentString
		}{}
		r = &pair.item
		bo, mid := cs.byteOffset(diff)
		if !mid {
			pair.cs = contentString{str: cs.str[bo:], n: cs.n - diff}
			cs.str = cs.str[:bo:bo]
			cs.n = diff
			r.content = &pair.cs
		}
	} else {
		r = &Item{}
	}
	*r = Item{
		content:     r.content,
		id:          it.id.add(diff),
		length:      it.length - diff,
		origin:      ID{it.id.Client, it.id.Clock + uint64(diff) - 1},
		rightOrigin: it.rightOrigin,
		left:        it,
		right:       it.right,
		parent:      it.parent,
		parentSub:   it.parentSub,
		info:        it.info&(flagKeep|flagCountable|flagDeleted|flagHasRightOrigin|flagHasParentSub) | flagHasOrigin,
	}
	if r.content == nil {
		r.content = it.content.splice(diff)
	}
	it.right = r
	if r.right != nil {
		r.right.left = r
	}
	if tx != nil {
		tx.mergeStructs = append(tx.mergeStructs, r)
	}
	if r.hasParentSub() && r.right == nil && r.parent != nil {
		r.parent.mapItems[r.parentSub] = r
	}
	it.length = diff
	return r
}

// mergeWith appends right to it when both are one run, as yjs squashes
// items after each transaction.
func (it *Item) mergeWith(right *Item) bool {
	if it.isGC() || right.isGC() {
		if it.isGC() && right.isGC() {
			it.length += right.length
			return true
		}
		return false
	}
	if !right.hasOrigin() || right.origin != it.lastID() ||
		it.right != right ||
		!sameOrigin(it.hasRightOrigin(), it.rightOrigin, right.hasRightOrigin(), right.rightOrigin) ||
		it.id.Client != right.id.Client ||
		it.id.Clock+uint64(it.length) != right.id.Clock ||
		it.deleted() != right.deleted() ||
		it.content.ref() != right.content.ref() ||
		!it.content.mergeWith(right.content) {
		return false
	}
	if p := it.parent; p != nil && p.cache.item == right {
		p.cache.item = it
		p.cache.index -= it.visibleLen()
	}
	if right.keep() {
		it.info |= flagKeep
	}
	it.right = right.right
	if it.right != nil {
		it.right.left = it
	}
	it.length += right.length
	return true
}

// deleteShallow marks the item deleted and records it. If the item holds
// a type whose children must be deleted too, that type is returned.
func (it *Item) deleteShallow(tx *Transaction) *Type {
	if it.deleted() {
		return nil
	}
	p := it.parent
	if it.countable() && !it.hasParentSub() {
		p.length -= it.length
	}
	it.markDeleted()
	p.cache.valid = false
	tx.deleteSet.add(it.id.Client, it.id.Clock, uint64(it.length))
	tx.addChangedType(p, it.parentSub, it.hasParentSub())
	if ct, ok := it.content.(*contentType); ok {
		return ct.t
	}
	it.content.delete(tx)
	return nil
}

// delete deletes the item and everything nested inside it.
func (it *Item) delete(tx *Transaction) {
	if t := it.deleteShallow(tx); t != nil {
		(&contentType{t: t}).delete(tx)
	}
}

// gc frees a deleted item's content. With parentGCd the item itself
// becomes a GC struct.
func (it *Item) gc(s *store, parentGCd bool) {
	it.content.gc(s)
	if parentGCd {
		s.replaceWithGC(it)
	} else {
		it.content = &contentDeleted{n: it.length}
	}
}

// getMissing resolves the item's origins and parent against the store.
// If something it depends on is not there yet it returns that client.
func (it *Item) getMissing(tx *Transaction, s *store) (uint64, bool) {
	if it.hasOrigin() && it.origin.Client != it.id.Client && it.origin.Clock >= s.state(it.origin.Client) {
		return it.origin.Client, true
	}
	if it.hasRightOrigin() && it.rightOrigin.Client != it.id.Client && it.rightOrigin.Clock >= s.state(it.rightOrigin.Client) {
		return it.rightOrigin.Client, true
	}
	if it.pend != nil && it.pend.hasID && it.id.Client != it.pend.id.Client && it.pend.id.Clock >= s.state(it.pend.id.Client) {
		return it.pend.id.Client, true
	}
	if it.hasOrigin() {
		it.left = s.cleanEnd(tx, it.origin)
		it.origin = it.left.lastID()
	}
	if it.hasRightOrigin() {
		it.right = s.cleanStart(tx, it.rightOrigin)
		it.rightOrigin = it.right.id
	}
	switch {
	case (it.left != nil && it.left.isGC()) || (it.right != nil && it.right.isGC()):
		it.parent = nil
	case it.pend == nil:
		if it.left != nil {
			it.parent = it.left.parent
			it.parentSub = it.left.parentSub
			it.info = it.info&^flagHasParentSub | it.left.info&flagHasParentSub
		} else if it.right != nil {
			it.parent = it.right.parent
			it.parentSub = it.right.parentSub
			it.info = it.info&^flagHasParentSub | it.right.info&flagHasParentSub
		}
	case it.pend.hasID:
		pi := s.find(it.pend.id)
		it.parent = nil
		if pi != nil && !pi.isGC() {
			if ct, ok := pi.content.(*contentType); ok {
				it.parent = ct.t
			}
		}
	default:
		it.parent = tx.doc.getRoot(it.pend.key)
	}
	return 0, false
}

// integrate places the item into its parent's list, resolving concurrent
// inserts at the same position exactly as yjs (YATA) does. offset > 0 means
// the first offset ids are already known and are skipped.
func (it *Item) integrate(tx *Transaction, offset int) {
	s := tx.doc.store
	if offset > 0 {
		it.id.Clock += uint64(offset)
		it.left = s.cleanEnd(tx, ID{it.id.Client, it.id.Clock - 1})
		it.origin = it.left.lastID()
		it.info |= flagHasOrigin
		it.content = it.content.splice(offset)
		it.length -= offset
	}
	it.pend = nil
	if it.parent == nil {
		g := newGC(it.id, it.length)
		s.add(g)
		return
	}
	p := it.parent
	if (it.left == nil && (it.right == nil || it.right.left != nil)) || (it.left != nil && it.left.right != it.right) {
		it.resolveConflict(s)
	}
	if it.left != nil {
		it.right = it.left.right
		it.left.right = it
	} else {
		var r *Item
		if it.hasParentSub() {
			r = p.mapItems[it.parentSub]
			for r != nil && r.left != nil {
				r = r.left
			}
		} else {
			r = p.start
			p.start = it
		}
		it.right = r
	}
	if it.right != nil {
		it.right.left = it
	} else if it.hasParentSub() {
		if p.mapItems == nil {
			p.mapItems = map[string]*Item{}
		}
		p.mapItems[it.parentSub] = it
		if it.left != nil {
			it.left.delete(tx)
		}
	}
	if !it.hasParentSub() && it.countable() && !it.deleted() {
		p.length += it.length
	}
	p.cache.valid = false
	s.add(it)
	it.content.integrate(tx, it)
	tx.addChangedType(p, it.parentSub, it.hasParentSub())
	if (p.item != nil && p.item.deleted()) || (it.hasParentSub() && it.right != nil) {
		it.delete(tx)
	}
}

// resolveConflict finds the item's left neighbour among concurrent inserts
// between its origin and right origin.
func (it *Item) resolveConflict(s *store) {
	p := it.parent
	left := it.left
	var o *Item
	if left != nil {
		o = left.right
	} else if it.hasParentSub() {
		o = p.mapItems[it.parentSub]
		for o != nil && o.left != nil {
			o = o.left
		}
	} else {
		o = p.start
	}
	// Sets are small in practice; slices avoid map allocation.
	var conflicting, beforeOrigin []*Item
	has := func(set []*Item, x *Item) bool {
		for _, y := range set {
			if y == x {
				return true
			}
		}
		return false
	}
	for o != nil && o != it.right {
		beforeOrigin = append(beforeOrigin, o)
		conflicting = append(conflicting, o)
		if sameOrigin(it.hasOrigin(), it.origin, o.hasOrigin(), o.origin) {
			if o.id.Client < it.id.Client {
				left = o
				conflicting = conflicting[:0]
			} else if sameOrigin(it.hasRightOrigin(), it.rightOrigin, o.hasRightOrigin(), o.rightOrigin) {
				break
			}
		} else if o.hasOrigin() {
			oo := s.find(o.origin)
			if oo != nil && has(beforeOrigin, oo) {
				if !has(conflicting, oo) {
					left = o
					conflicting = conflicting[:0]
				}
			} else {
				break
			}
		} else {
			break
		}
		o = o.right
	}
	it.left = left
}

// write encodes the item (v1) starting offset ids into it.
func (it *Item) write(e *encoder, offset int) {
	if it.isGC() {
		e.writeUint8(refGC)
		e.writeVarUint(uint64(it.length - offset))
		return
	}
	if it.isSkip() {
		e.writeUint8(refSkip)
		e.writeVarUint(uint64(it.length - offset))
		return
	}
	hasOrigin := it.hasOrigin() || offset > 0
	origin := it.origin
	if offset > 0 {
		origin = ID{it.id.Client, it.id.Clock + uint64(offset) - 1}
	}
	info := it.content.ref() & 0x1f
	if hasOrigin {
		info |= 0x80
	}
	if it.hasRightOrigin() {
		info |= 0x40
	}
	if it.hasParentSub() {
		info |= 0x20
	}
	e.writeUint8(info)
	if hasOrigin {
		e.writeVarUint(origin.Client)
		e.writeVarUint(origin.Clock)
	}
	if it.hasRightOrigin() {
		e.writeVarUint(it.rightOrigin.Client)
		e.writeVarUint(it.rightOrigin.Clock)
	}
	if !hasOrigin && !it.hasRightOrigin() {
		switch {
		case it.parent != nil && it.parent.item == nil:
			e.writeVarUint(1)
			e.writeVarString(it.parent.name)
		case it.parent != nil:
			e.writeVarUint(0)
			e.writeVarUint(it.parent.item.id.Client)
			e.writeVarUint(it.parent.item.id.Clock)
		case it.pend != nil && it.pend.hasID:
			e.writeVarUint(0)
			e.writeVarUint(it.pend.id.Client)
			e.writeVarUint(it.pend.id.Clock)
		case it.pend != nil:
			e.writeVarUint(1)
			e.writeVarString(it.pend.key)
		default:
			// An item with neither origin nor parent cannot be encoded by
			// yjs either; write an empty root name rather than panic.
			e.writeVarUint(1)
			e.writeVarString("")
		}
		if it.hasParentSub() {
			e.writeVarString(it.parentSub)
		}
	}
	it.content.write(e, offset)
}
