package crdt

import (
	"fmt"
	"slices"
	"sort"
)

type typeKind uint8

// Kinds; a type's v1 type ref is kind-1.
const (
	kindUnknown typeKind = iota
	kindArray
	kindMap
	kindText
	kindXmlElement
	kindXmlFragment
	kindXmlHook
	kindXmlText
)

func (k typeKind) String() string {
	return [...]string{"unknown type", "Array", "Map", "Text", "XmlElement", "XmlFragment", "XmlHook", "XmlText"}[k]
}

// Type is the state shared by every kind of shared type: its list of
// items (start), its map entries (mapItems, each the newest item of a key)
// and its visible length.
type Type struct {
	doc      *Doc
	item     *Item // the item holding this type; nil for a root
	name     string
	kind     typeKind
	nodeName string // XmlElement tag or XmlHook name

	start    *Item
	mapItems map[string]*Item
	length   int

	hasFormatting bool
	cache         posCache

	// chTx and ch record what changed in the type during transaction chTx.
	chTx *Transaction
	ch   *changeSet

	observers     []*observer
	deepObservers []*observer

	// prelim holds edits made before the type was inserted in a document.
	prelim []func(tx *Transaction)
	// prelimLen is the text length the prelim edits will make, so that
	// edits before integration are checked against it (as yjs queues
	// them) rather than against the still empty type.
	prelimLen int
}

// posCache remembers one position (an item and the visible length before
// it) so that consecutive local edits near each other do not walk the
// list from the start. Any change not made through a cache-aware local
// operation invalidates it.
type posCache struct {
	item  *Item
	index int
	valid bool
}

type observer struct {
	fn func(e *Event)
}

func (t *Type) writeRef(e *encoder) {
	e.writeVarUint(uint64(t.kind - 1))
	if t.kind == kindXmlElement || t.kind == kindXmlHook {
		e.writeVarString(t.nodeName)
	}
}

func readTypeRef(d *decoder) (*Type, error) {
	ref, err := d.readVarUint()
	if err != nil {
		return nil, err
	}
	if ref > 6 {
		return nil, d.errAt(fmt.Errorf("unknown type ref %d", ref))
	}
	t := &Type{kind: typeKind(ref + 1)}
	if t.kind == kindXmlElement || t.kind == kindXmlHook {
		if t.nodeName, err = d.readVarString(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// cloneEmpty returns a new, unintegrated type of the same kind.
func (t *Type) cloneEmpty() *Type {
	return &Type{kind: t.kind, nodeName: t.nodeName}
}

func (t *Type) integrate(d *Doc, it *Item) {
	t.doc = d
	t.item = it
	if len(t.prelim) > 0 && d.tx != nil {
		p := t.prelim
		t.prelim = nil
		for _, f := range p {
			f(d.tx)
		}
	}
}

// api returns the public wrapper for the type's kind.
func (t *Type) api() any {
	switch t.kind {
	case kindText:
		return &Text{t}
	case kindMap:
		return &Map{t}
	case kindArray:
		return &Array{t}
	case kindXmlElement:
		return &XmlElement{t}
	case kindXmlFragment:
		return &XmlFragment{t}
	case kindXmlText:
		return &XmlText{t}
	case kindXmlHook:
		return &XmlHook{t}
	}
	return t
}

// sortedMapItems returns the newest item of every key, by key.
func (t *Type) sortedMapItems() []*Item {
	keys := make([]string, 0, len(t.mapItems))
	for k := range t.mapItems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*Item, len(keys))
	for i, k := range keys {
		out[i] = t.mapItems[k]
	}
	return out
}

// transact runs fn in a transaction of the type's document, or records it
// for when the type is integrated.
func (t *Type) transact(fn func(tx *Transaction)) {
	if t.doc == nil {
		t.prelim = append(t.prelim, fn)
		return
	}
	t.doc.transact(fn, nil, true)
}

// textLen is the length text edits are checked against: the content, or
// before integration the length the recorded edits will make.
func (t *Type) textLen() int {
	if t.doc == nil {
		return t.prelimLen
	}
	return t.length
}

// Len returns the number of visible elements (UTF-16 units for text).
func (t *Type) Len() int { return t.length }

// seek returns an item and the visible length before it, near index.
func (t *Type) seek(index int) (*Item, int) {
	p, pindex := t.start, 0
	if t.cache.valid && t.cache.item != nil && !t.hasFormatting {
		d := index - t.cache.index
		if d < 0 {
			d = -d
		}
		if d < index {
			p, pindex = t.cache.item, t.cache.index
		}
	}
	if p == nil {
		return nil, 0
	}
	for p.right != nil && pindex < index {
		if v := p.visibleLen(); v > 0 {
			if index < pindex+v {
				break
			}
			pindex += v
		}
		p = p.right
	}
	for p.left != nil && pindex > index {
		p = p.left
		pindex -= p.visibleLen()
	}
	return p, pindex
}

func (t *Type) setCache(it *Item, index int) {
	t.cache = posCache{item: it, index: index, valid: it != nil}
}

// newLocalItem creates an item for local content between left and right.
func (t *Type) newLocalItem(tx *Transaction, left, right *Item, parentSub *string, c content) *Item {
	d := tx.doc
	id := ID{d.clientID, d.store.state(d.clientID)}
	var o, ro *ID
	if left != nil {
		l := left.lastID()
		o = &l
	}
	if right != nil {
		r := right.id
		ro = &r
	}
	it := newItem(id, left, o, right, ro, t, parentSub, c)
	it.integrate(tx, 0)
	return it
}

// contentsFromValues packs values into contents like yjs: runs of plain
// values share one ContentAny; binaries and types get their own.
func contentsFromValues(values []any) ([]content, error) {
	var out []content
	var run []any
	flush := func() {
		if len(run) > 0 {
			out = append(out, &contentAny{elems: run})
			run = nil
		}
	}
	for _, v := range values {
		switch x := v.(type) {
		case []byte:
			flush()
			out = append(out, &contentBinary{b: slices.Clone(x)})
		case SharedType:
			flush()
			nt := x.base()
			if nt.doc != nil || nt.item != nil {
				return nil, ErrIntegrated
			}
			out = append(out, &contentType{t: nt})
		default:
			nv, err := normalizeValue(v, 0)
			if err != nil {
				return nil, err
			}
			run = append(run, nv)
		}
	}
	flush()
	return out, nil
}

// insertAfter inserts contents in order after left (nil: at the start).
func (t *Type) insertAfter(tx *Transaction, left *Item, cs []content) *Item {
	var right *Item
	if left == nil {
		right = t.start
	} else {
		right = left.right
	}
	for _, c := range cs {
		left = t.newLocalItem(tx, left, right, nil, c)
	}
	return left
}

// listInsert inserts contents at a visible index of a list type.
func (t *Type) listInsert(tx *Transaction, index int, cs []content) error {
	if index < 0 || index > t.length {
		return fmt.Errorf("%w: insert at %d, length %d", ErrIndexOutOfRange, index, t.length)
	}
	n := 0
	for _, c := range cs {
		n += c.length()
	}
	if index == 0 {
		last := t.insertAfter(tx, nil, cs)
		t.setCache(last, n-last.visibleLen())
		return nil
	}
	left := t.leftOf(tx, index)
	last := t.insertAfter(tx, left, cs)
	t.setCache(last, index+n-last.visibleLen())
	return nil
}

// leftOf returns the visible item whose last unit is at index-1, splitting
// it so that it ends there.
func (t *Type) leftOf(tx *Transaction, index int) *Item {
	p, pindex := t.seek(index)
	for n := p; n != nil; n = n.right {
		v := n.visibleLen()
		if v == 0 {
			continue
		}
		if index-pindex <= v {
			if index-pindex == 0 {
				// The wanted item ends before n: walk back to it.
				l := n.left
				for l != nil && l.visibleLen() == 0 {
					l = l.left
				}
				return l
			}
			if index-pindex < v {
				tx.doc.store.cleanStart(tx, n.id.add(index-pindex))
			}
			return n
		}
		pindex += v
	}
	return nil
}

// listDelete deletes length visible units from index.
func (t *Type) listDelete(tx *Transaction, index, length int) error {
	if length == 0 {
		return nil
	}
	if index < 0 || length < 0 || index+length > t.length {
		return fmt.Errorf("%w: delete %d at %d, length %d", ErrIndexOutOfRange, length, index, t.length)
	}
	s := tx.doc.store
	n, pindex := t.seek(index)
	rel := index - pindex
	for ; n != nil && rel > 0; n = n.right {
		if v := n.visibleLen(); v > 0 {
			if rel < v {
				s.cleanStart(tx, n.id.add(rel))
			}
			rel -= n.visibleLen()
		}
	}
	first := n
	for length > 0 && n != nil {
		if !n.deleted() {
			if length < n.length {
				s.cleanStart(tx, n.id.add(length))
			}
			n.delete(tx)
			length -= n.length
		}
		n = n.right
	}
	if first != nil {
		t.setCache(first, index)
	}
	return nil
}

// listValues returns every visible element.
func (t *Type) listValues() []any {
	out := make([]any, 0, t.length)
	for n := t.start; n != nil; n = n.right {
		if n.countable() && !n.deleted() {
			out = append(out, n.content.values()...)
		}
	}
	return out
}

// listGet returns the element at index.
func (t *Type) listGet(index int) (any, bool) {
	if index < 0 || index >= t.length {
		return nil, false
	}
	p, pindex := t.seek(index)
	for n := p; n != nil; n = n.right {
		v := n.visibleLen()
		if v == 0 {
			continue
		}
		if index < pindex+v {
			t.setCache(n, pindex)
			return n.content.values()[index-pindex], true
		}
		pindex += v
	}
	return nil, false
}

// mapSet sets key to the given content.
func (t *Type) mapSet(tx *Transaction, key string, c content) {
	left := t.mapItems[key]
	k := key
	t.newLocalItem(tx, left, nil, &k, c)
}

func (t *Type) mapDelete(tx *Transaction, key string) {
	if it := t.mapItems[key]; it != nil {
		it.delete(tx)
	}
}

// mapGet returns the current value of key.
func (t *Type) mapGet(key string) (any, bool) {
	it := t.mapItems[key]
	if it == nil || it.deleted() {
		return nil, false
	}
	vs := it.content.values()
	if len(vs) == 0 {
		return nil, false
	}
	return vs[it.length-1], true
}

// mapKeys returns the keys with a current value, sorted.
func (t *Type) mapKeys() []string {
	keys := make([]string, 0, len(t.mapItems))
	for k, it := range t.mapItems {
		if !it.deleted() {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// SharedType is implemented by every shared type (Text, Map, Array and
// the Xml types), so they can be nested.
type SharedType interface {
	base() *Type
}

func (t *Type) base() *Type { return t }
