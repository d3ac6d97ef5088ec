package crdt

import (
	"fmt"
	"sort"
	"strings"
)

// Attributes are text formatting attributes (bold: true, link: "...").
// A nil value removes an attribute.
type Attributes map[string]any

// Text is a shared text with formatting and embeds. Indices and lengths
// are in UTF-16 code units, as yjs counts them.
type Text struct{ t *Type }

// NewText returns a Text that is not part of a document yet; insert it
// into a Map, Array or Xml type to use it. Edits made before then are
// applied when it is inserted.
func NewText() *Text { return &Text{&Type{kind: kindText}} }

func (x *Text) base() *Type { return x.t }

// Len returns the length in UTF-16 code units.
func (x *Text) Len() int { return x.t.length }

// String returns the text without formatting or embeds.
func (x *Text) String() string { return x.t.textString() }

// Insert inserts s at index. With nil attrs the text takes the formatting
// at that position.
func (x *Text) Insert(index int, s string, attrs Attributes) error {
	if s == "" {
		return nil
	}
	return x.t.textInsert(index, s, nil, attrs)
}

// InsertEmbed inserts an embed (a JSON-like value) at index.
func (x *Text) InsertEmbed(index int, embed any, attrs Attributes) error {
	v, err := normalizeValue(embed, 0)
	if err != nil {
		return err
	}
	return x.t.textInsert(index, "", &contentEmbed{raw: jsonStringify(v), value: v}, attrs)
}

// Delete deletes length units from index.
func (x *Text) Delete(index, length int) error { return x.t.textDelete(index, length) }

// Format sets attrs on length units from index (nil values remove).
func (x *Text) Format(index, length int, attrs Attributes) error {
	return x.t.textFormat(index, length, attrs)
}

// ToDelta returns the content as a Quill-style delta of inserts.
func (x *Text) ToDelta() []Delta { return x.t.toDelta() }

// ApplyDelta applies a delta of inserts, retains and deletes.
func (x *Text) ApplyDelta(delta []Delta) error { return x.t.applyDelta(delta) }

// Observe calls fn after every transaction that changed the text.
func (x *Text) Observe(fn func(e *Event)) func() { return x.t.Observe(fn) }

// textPos is a position between two items of a text, with the formatting
// attributes in effect there.
type textPos struct {
	left, right *Item
	index       int
	attrs       map[string]any
}

func (p *textPos) forward() {
	r := p.right
	if !r.deleted() {
		if f, ok := r.content.(*contentFormat); ok {
			p.update(f)
		} else {
			p.index += r.length
		}
	}
	p.left = r
	p.right = r.right
}

// update applies a format mark to the position's attributes, allocating
// them only when text has formatting at all.
func (p *textPos) update(f *contentFormat) {
	if p.attrs == nil {
		if f.value == nil {
			return
		}
		p.attrs = map[string]any{}
	}
	updateAttrs(p.attrs, f)
}

func updateAttrs(attrs map[string]any, f *contentFormat) {
	if f.value == nil {
		delete(attrs, f.key)
	} else {
		attrs[f.key] = f.value
	}
}

// findTextPos returns the position after index visible units.
func (t *Type) findTextPos(tx *Transaction, index int) textPos {
	var pos textPos
	p, pindex := t.start, 0
	if !t.hasFormatting && index > 0 {
		p, pindex = t.seek(index)
		// Start one item to the left so the position can settle between
		// p and its left neighbour.
	}
	if p != nil {
		pos.left, pos.right, pos.index = p.left, p, pindex
	}
	count := index - pindex
	for pos.right != nil && count > 0 {
		r := pos.right
		if !r.deleted() {
			if f, ok := r.content.(*contentFormat); ok {
				pos.update(f)
			} else {
				if count < r.length {
					tx.doc.store.cleanStart(tx, r.id.add(count))
				}
				pos.index += r.length
				count -= r.length
			}
		}
		pos.left = r
		pos.right = r.right
	}
	return pos
}

func equalAttr(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ao, aok := a.(*object)
	bo, bok := b.(*object)
	if aok && bok {
		if ao == bo {
			return true
		}
		if len(ao.keys) != len(bo.keys) {
			return false
		}
		for i, k := range ao.keys {
			found := false
			for j, k2 := range bo.keys {
				if k == k2 {
					found = true
					if !primitiveEqual(ao.values[i], bo.values[j]) {
						return false
					}
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return primitiveEqual(a, b)
}

func primitiveEqual(a, b any) bool {
	switch x := a.(type) {
	case string, bool, undefinedValue, BigInt:
		return a == b
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
	case nil:
		return b == nil
	}
	return false // objects and arrays compare by identity in yjs
}

func sortedAttrKeys(attrs map[string]any) []string {
	ks := make([]string, 0, len(attrs))
	for k := range attrs {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func normalizeAttrs(attrs Attributes) (map[string]any, error) {
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		nv, err := normalizeValue(v, 0)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = nv
	}
	return out, nil
}

// textInsert inserts s (when c is nil) or c at index.
func (t *Type) textInsert(index int, s string, c content, attrs Attributes) error {
	if index < 0 || index > t.textLen() {
		return fmt.Errorf("%w: insert at %d, length %d", ErrIndexOutOfRange, index, t.textLen())
	}
	var na map[string]any
	if attrs != nil {
		var err error
		if na, err = normalizeAttrs(attrs); err != nil {
			return err
		}
	}
	if t.doc != nil && t.doc.tx != nil {
		// Already in a transaction: no closure to allocate.
		t.insertAt(t.doc.tx, index, s, c, na)
		return nil
	}
	if t.doc == nil {
		if c != nil {
			t.prelimLen++
		} else {
			t.prelimLen += utf16Len(s)
		}
	}
	t.transact(func(tx *Transaction) { t.insertAt(tx, index, s, c, na) })
	return nil
}

func (t *Type) insertAt(tx *Transaction, index int, s string, c content, na map[string]any) {
	p := t.findTextPos(tx, index)
	pos := &p
	a := na
	if a == nil && len(pos.attrs) > 0 {
		a = make(map[string]any, len(pos.attrs))
		for k, v := range pos.attrs {
			a[k] = v
		}
	}
	t.insertText(tx, pos, s, c, a)
}

func (t *Type) minimizeAttrChanges(pos *textPos, attrs map[string]any) {
	for pos.right != nil {
		r := pos.right
		if r.deleted() {
			pos.forward()
			continue
		}
		if f, ok := r.content.(*contentFormat); ok && equalAttr(attrs[f.key], f.value) {
			pos.forward()
			continue
		}
		break
	}
}

func (t *Type) insertAttrs(tx *Transaction, pos *textPos, attrs map[string]any) map[string]any {
	var negated map[string]any
	if len(attrs) == 0 {
		return nil
	}
	for _, k := range sortedAttrKeys(attrs) {
		v := attrs[k]
		cur := pos.attrs[k]
		if !equalAttr(cur, v) {
			if negated == nil {
				negated = map[string]any{}
			}
			negated[k] = cur
			pos.right = t.newLocalItem(tx, pos.left, pos.right, nil, &contentFormat{key: k, raw: jsonStringify(v), value: v})
			pos.forward()
		}
	}
	return negated
}

func (t *Type) insertNegatedAttrs(tx *Transaction, pos *textPos, negated map[string]any) {
	for pos.right != nil {
		r := pos.right
		if r.deleted() {
			pos.forward()
			continue
		}
		if f, ok := r.content.(*contentFormat); ok {
			if v, has := negated[f.key]; has && equalAttr(v, f.value) {
				delete(negated, f.key)
				pos.forward()
				continue
			}
		}
		break
	}
	for _, k := range sortedAttrKeys(negated) {
		v := negated[k]
		pos.right = t.newLocalItem(tx, pos.left, pos.right, nil, &contentFormat{key: k, raw: jsonStringify(v), value: v})
		pos.forward()
	}
}

// insertText inserts s (when c is nil) or c at pos.
func (t *Type) insertText(tx *Transaction, pos *textPos, s string, c content, attrs map[string]any) {
	for k := range pos.attrs {
		if _, ok := attrs[k]; !ok {
			attrs[k] = nil // attrs is non-nil whenever pos.attrs is not empty
		}
	}
	t.minimizeAttrChanges(pos, attrs)
	negated := t.insertAttrs(tx, pos, attrs)
	index := pos.index
	if c == nil {
		if n := t.tryExtend(tx, pos.left, pos.right, s); n > 0 {
			// pos.left now ends with the new text; the position moves past it.
			pos.index += n
			if !t.hasFormatting {
				t.setCache(pos.left, index+n-pos.left.length)
			}
			if len(negated) > 0 {
				t.insertNegatedAttrs(tx, pos, negated)
			}
			return
		}
		c = newContentString(s)
	}
	it := t.newLocalItem(tx, pos.left, pos.right, nil, c)
	pos.right = it
	pos.index = index
	pos.forward()
	if !t.hasFormatting {
		t.setCache(it, index)
	}
	if len(negated) > 0 {
		t.insertNegatedAttrs(tx, pos, negated)
	}
}

// tryExtend appends typed text to the item on its left when that item is
// this peer's newest and yjs would merge the two at the end of the
// transaction anyway: same structure, same encoded update, but no item to
// allocate and merge. It is not used while anyone observes the type,
// because events tell new items from old by their clock.
func (t *Type) tryExtend(tx *Transaction, left, right *Item, s string) int {
	if left == nil || left.deleted() || left.right != right || t.item != nil && t.item.deleted() {
		return 0
	}
	ls, ok := left.content.(*contentString)
	if !ok {
		return 0
	}
	d := tx.doc
	if left.id.Client != d.clientID || left.id.Clock+uint64(left.length) != d.store.state(d.clientID) {
		return 0
	}
	if right != nil {
		if !left.hasRightOrigin() || left.rightOrigin != right.id {
			return 0
		}
	} else if left.hasRightOrigin() {
		return 0
	}
	if len(t.observers) > 0 || hasDeepObserver(t) {
		return 0
	}
	n := utf16Len(s)
	ls.str = append(ls.str, s...)
	ls.n += n
	left.length += n
	t.length += n
	t.cache.valid = false
	tx.addChangedType(t, "", false)
	return n
}

func (t *Type) textDelete(index, length int) error {
	if length == 0 {
		return nil
	}
	if index < 0 || length < 0 || index+length > t.textLen() {
		return fmt.Errorf("%w: delete %d at %d, length %d", ErrIndexOutOfRange, length, index, t.textLen())
	}
	if t.doc == nil {
		t.prelimLen -= length
	}
	if t.doc != nil && t.doc.tx != nil {
		pos := t.findTextPos(t.doc.tx, index)
		t.deleteText(t.doc.tx, &pos, length)
		return nil
	}
	t.transact(func(tx *Transaction) {
		pos := t.findTextPos(tx, index)
		t.deleteText(tx, &pos, length)
	})
	return nil
}

func (t *Type) deleteText(tx *Transaction, pos *textPos, length int) {
	var startAttrs map[string]any
	if t.hasFormatting {
		startAttrs = make(map[string]any, len(pos.attrs))
		for k, v := range pos.attrs {
			startAttrs[k] = v
		}
		if pos.attrs == nil {
			pos.attrs = map[string]any{}
		}
	}
	start := pos.right
	startIndex := pos.index
	for length > 0 && pos.right != nil {
		r := pos.right
		if !r.deleted() {
			switch r.content.(type) {
			case *contentType, *contentEmbed, *contentString:
				if length < r.length {
					tx.doc.store.cleanStart(tx, r.id.add(length))
				}
				length -= r.length
				r.delete(tx)
			}
		}
		pos.forward()
	}
	if start != nil && t.hasFormatting {
		cleanupFormattingGap(tx, start, pos.right, startAttrs, pos.attrs)
	}
	if start != nil && !t.hasFormatting {
		t.setCache(start, startIndex)
	}
}

// cleanupFormattingGap deletes format items between start and curr that
// are overwritten or redundant.
func cleanupFormattingGap(tx *Transaction, start, curr *Item, startAttrs, currAttrs map[string]any) int {
	end := start
	endFormats := map[string]*contentFormat{}
	for end != nil && (!end.countable() || end.deleted()) {
		if !end.deleted() {
			if f, ok := end.content.(*contentFormat); ok {
				endFormats[f.key] = f
			}
		}
		end = end.right
	}
	cleanups := 0
	reachedCurr := false
	for start != end {
		if curr == start {
			reachedCurr = true
		}
		if !start.deleted() {
			if f, ok := start.content.(*contentFormat); ok {
				startVal := startAttrs[f.key]
				if endFormats[f.key] != f || identical(startVal, f.value) {
					start.delete(tx)
					cleanups++
					if !reachedCurr && identical(currAttrs[f.key], f.value) && !identical(startVal, f.value) {
						if startVal == nil {
							delete(currAttrs, f.key)
						} else {
							currAttrs[f.key] = startVal
						}
					}
				}
				if !reachedCurr && !start.deleted() {
					updateAttrs(currAttrs, f)
				}
			}
		}
		start = start.right
	}
	return cleanups
}

// identical is JavaScript's === on attribute values.
func identical(a, b any) bool {
	switch a.(type) {
	case *object, []any, []byte:
		ao, aok := a.(*object)
		bo, bok := b.(*object)
		return aok && bok && ao == bo
	}
	return primitiveEqual(a, b)
}

func (t *Type) textFormat(index, length int, attrs Attributes) error {
	if length == 0 {
		return nil
	}
	if index < 0 || length < 0 || index+length > t.textLen() {
		return fmt.Errorf("%w: format %d at %d, length %d", ErrIndexOutOfRange, length, index, t.textLen())
	}
	na, err := normalizeAttrs(attrs)
	if err != nil {
		return err
	}
	t.transact(func(tx *Transaction) {
		pos := t.findTextPos(tx, index)
		if pos.right == nil {
			return
		}
		t.formatText(tx, &pos, length, na)
	})
	return nil
}

func (t *Type) formatText(tx *Transaction, pos *textPos, length int, attrs map[string]any) {
	t.minimizeAttrChanges(pos, attrs)
	negated := t.insertAttrs(tx, pos, attrs)
	if negated == nil {
		negated = map[string]any{}
	}
	if pos.attrs == nil {
		pos.attrs = map[string]any{}
	}
loop:
	for pos.right != nil && (length > 0 || (len(negated) > 0 && (pos.right.deleted() || isFormat(pos.right)))) {
		r := pos.right
		if !r.deleted() {
			if f, ok := r.content.(*contentFormat); ok {
				if v, has := attrs[f.key]; has {
					if equalAttr(v, f.value) {
						delete(negated, f.key)
					} else {
						if length == 0 {
							break loop
						}
						negated[f.key] = f.value
					}
					r.delete(tx)
				} else {
					pos.attrs[f.key] = f.value
				}
			} else {
				if length < r.length {
					tx.doc.store.cleanStart(tx, r.id.add(length))
				}
				length -= r.length
			}
		}
		pos.forward()
	}
	if length > 0 {
		// Quill-style: formatting past the end inserts newlines.
		it := t.newLocalItem(tx, pos.left, pos.right, nil, newContentString(strings.Repeat("\n", length)))
		pos.right = it
		pos.forward()
	}
	t.insertNegatedAttrs(tx, pos, negated)
}

func isFormat(it *Item) bool {
	_, ok := it.content.(*contentFormat)
	return ok
}

func (t *Type) textString() string {
	var b strings.Builder
	for n := t.start; n != nil; n = n.right {
		if !n.deleted() {
			if s, ok := n.content.(*contentString); ok {
				b.Write(s.str)
			}
		}
	}
	return b.String()
}

func copyAttrs(attrs map[string]any) map[string]any {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		out[k] = publicValue(v)
	}
	return out
}

func (t *Type) toDelta() []Delta {
	out := []Delta{}
	attrs := map[string]any{}
	var sb strings.Builder
	pack := func() {
		if sb.Len() > 0 {
			out = append(out, Delta{Insert: sb.String(), Attributes: copyAttrs(attrs)})
			sb.Reset()
		}
	}
	for n := t.start; n != nil; n = n.right {
		if n.deleted() {
			continue
		}
		switch c := n.content.(type) {
		case *contentString:
			sb.Write(c.str)
		case *contentType, *contentEmbed:
			pack()
			out = append(out, Delta{Insert: c.values()[0], Attributes: copyAttrs(attrs)})
		case *contentFormat:
			pack()
			updateAttrs(attrs, c)
		}
	}
	pack()
	return out
}

func (t *Type) applyDelta(delta []Delta) error {
	var err error
	t.transact(func(tx *Transaction) {
		pos := &textPos{right: t.start}
		for _, op := range delta {
			switch {
			case op.Insert != nil:
				var na map[string]any
				if na, err = normalizeAttrs(op.Attributes); err != nil {
					return
				}
				var c content
				var str string
				switch v := op.Insert.(type) {
				case string:
					if v == "" {
						continue
					}
					str = v
				case SharedType:
					c = &contentType{t: v.base()}
				default:
					nv, e := normalizeValue(v, 0)
					if e != nil {
						err = e
						return
					}
					c = &contentEmbed{raw: jsonStringify(nv), value: nv}
				}
				t.insertText(tx, pos, str, c, na)
			case op.Retain > 0:
				var na map[string]any
				if na, err = normalizeAttrs(op.Attributes); err != nil {
					return
				}
				t.formatText(tx, pos, op.Retain, na)
			case op.Delete > 0:
				t.deleteText(tx, pos, op.Delete)
			}
		}
	})
	return err
}

// cleanupFormattingAfterTransaction removes formatting marks made
// redundant by a remote transaction, in a new local transaction, as yjs
// does after applying remote changes to formatted text.
func cleanupFormattingAfterTransaction(tx *Transaction) {
	d := tx.doc
	full := map[*Type]bool{}
	var fullOrder []*Type
	addFull := func(t *Type) {
		if !full[t] {
			full[t] = true
			fullOrder = append(fullOrder, t)
		}
	}
	for _, l0 := range d.store.order {
		client := l0.client
		after, before := tx.afterOf(client), tx.beforeOf(client)
		if after == before {
			continue
		}
		l := d.store.clients[client]
		for i := l.findIndex(before); i >= 0 && i < l.len(); i++ {
			it := l.get(i)
			if !it.isGC() && !it.deleted() && isFormat(it) {
				addFull(it.parent)
			}
		}
	}
	d.transact(func(t2 *Transaction) {
		for _, client := range tx.deleteSet.sortedClients() {
			l := d.store.clients[client]
			if l == nil {
				continue
			}
			for _, r := range tx.deleteSet.clients[client] {
				for i := l.findIndex(r.clock); i >= 0 && i < l.len() && l.get(i).id.Clock < r.clock+r.len; i++ {
					it := l.get(i)
					if it.isGC() || it.parent == nil || !it.parent.hasFormatting || full[it.parent] {
						continue
					}
					if isFormat(it) {
						addFull(it.parent)
					} else {
						cleanupContextlessFormattingGap(t2, it)
					}
				}
			}
		}
		for _, t := range fullOrder {
			cleanupTextFormatting(t2, t)
		}
	}, nil, true)
}

func cleanupContextlessFormattingGap(tx *Transaction, it *Item) {
	for it != nil && it.right != nil && (it.right.deleted() || !it.right.countable()) {
		it = it.right
	}
	seen := map[string]bool{}
	for it != nil && (it.deleted() || !it.countable()) {
		if !it.deleted() {
			if f, ok := it.content.(*contentFormat); ok {
				if seen[f.key] {
					it.delete(tx)
				} else {
					seen[f.key] = true
				}
			}
		}
		it = it.left
	}
}

func cleanupTextFormatting(tx *Transaction, t *Type) int {
	res := 0
	start, end := t.start, t.start
	startAttrs := map[string]any{}
	cur := map[string]any{}
	for end != nil {
		if !end.deleted() {
			if f, ok := end.content.(*contentFormat); ok {
				updateAttrs(cur, f)
			} else {
				res += cleanupFormattingGap(tx, start, end, startAttrs, cur)
				startAttrs = make(map[string]any, len(cur))
				for k, v := range cur {
					startAttrs[k] = v
				}
				start = end
			}
		}
		end = end.right
	}
	return res
}
