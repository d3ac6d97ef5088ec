package crdt

import "slices"

// Transaction groups changes to a document. Observers and the update event
// run once per transaction, after it ends. A Transaction is only valid
// inside the function or callback it was passed to: the document reuses it
// afterwards.
type Transaction struct {
	doc *Doc
	// Origin is what the caller passed to Transact or ApplyUpdate.
	Origin any
	// Local is false for transactions applying remote updates.
	Local bool

	// before and after hold the clock of store.order[i] at the start and
	// end of the transaction; clients added since have no entry (0).
	before       []uint64
	after        []uint64
	deleteSet    *DeleteSet
	changedOrder []*Type
	// spill keeps this transaction's change records of types that a later
	// transaction (started by an observer) has since recorded changes in.
	spill        map[*Type]*changeSet
	csPool       []*changeSet
	csUsed       int
	mergeStructs []*Item

	needFormatCleanup bool
}

// changeSet records what changed in one type: its list, and which keys.
type changeSet struct {
	list bool
	keys map[string]struct{}
}

// newTransaction returns a transaction, reusing one of the document's
// finished transactions (and its maps) when it can.
func newTransaction(d *Doc, origin any, local bool) *Transaction {
	var tx *Transaction
	if n := len(d.txPool); n > 0 {
		tx = d.txPool[n-1]
		d.txPool = d.txPool[:n-1]
	} else {
		tx = &Transaction{
			doc:       d,
			deleteSet: newDeleteSet(),
		}
	}
	tx.Origin = origin
	tx.Local = local
	for _, l := range d.store.order {
		last := l.last()
		tx.before = append(tx.before, last.id.Clock+uint64(last.length))
	}
	return tx
}

// release resets tx for reuse.
func (tx *Transaction) release() {
	d := tx.doc
	tx.Origin = nil
	tx.before = tx.before[:0]
	tx.after = tx.after[:0]
	tx.deleteSet.reset()
	for _, t := range tx.changedOrder {
		if t.chTx == tx {
			t.chTx, t.ch = nil, nil
		}
	}
	clear(tx.changedOrder)
	tx.changedOrder = tx.changedOrder[:0]
	tx.spill = nil
	for _, cs := range tx.csPool[:tx.csUsed] {
		cs.list = false
		clear(cs.keys)
	}
	tx.csUsed = 0
	clear(tx.mergeStructs)
	tx.mergeStructs = tx.mergeStructs[:0]
	tx.needFormatCleanup = false
	if len(d.txPool) < 4 {
		d.txPool = append(d.txPool, tx)
	}
}

// Doc returns the document the transaction belongs to.
func (tx *Transaction) Doc() *Doc { return tx.doc }

// BeforeState returns the document's state vector when the transaction
// started.
func (tx *Transaction) BeforeState() StateVector { return tx.vector(tx.before) }

// AfterState returns the state vector at the end of the transaction
// (available to observers and update handlers).
func (tx *Transaction) AfterState() StateVector { return tx.vector(tx.after) }

func (tx *Transaction) vector(clocks []uint64) StateVector {
	sv := make(StateVector, len(clocks))
	for i, c := range clocks {
		sv[tx.doc.store.order[i].client] = c
	}
	return sv
}

// beforeOf returns client's clock when the transaction started.
func (tx *Transaction) beforeOf(client uint64) uint64 {
	if l := tx.doc.store.clients[client]; l != nil && l.idx < len(tx.before) {
		return tx.before[l.idx]
	}
	return 0
}

// afterOf returns client's clock at the end of the transaction.
func (tx *Transaction) afterOf(client uint64) uint64 {
	if l := tx.doc.store.clients[client]; l != nil && l.idx < len(tx.after) {
		return tx.after[l.idx]
	}
	return 0
}

// DeleteSet returns the ids deleted in this transaction.
func (tx *Transaction) DeleteSet() *DeleteSet { return tx.deleteSet }

// addChangedType records that t (or its key sub) changed, unless t was
// created in this transaction or is deleted.
func (tx *Transaction) addChangedType(t *Type, sub string, isKey bool) {
	it := t.item
	if it == nil || (!it.deleted() && it.id.Clock < tx.beforeOf(it.id.Client)) {
		cs, ok := tx.changedSet(t)
		if !ok {
			if tx.csUsed == len(tx.csPool) {
				tx.csPool = append(tx.csPool, &changeSet{})
			}
			cs = tx.csPool[tx.csUsed]
			tx.csUsed++
			tx.claim(t, cs)
			tx.changedOrder = append(tx.changedOrder, t)
		}
		if isKey {
			if cs.keys == nil {
				cs.keys = map[string]struct{}{}
			}
			cs.keys[sub] = struct{}{}
		} else {
			cs.list = true
		}
	}
}

// isNew reports whether it was created in this transaction.
func (tx *Transaction) isNew(it *Item) bool {
	return it.id.Clock >= tx.beforeOf(it.id.Client)
}

func (tx *Transaction) deletes(it *Item) bool {
	return tx.deleteSet.contains(it.id)
}

// Change says what changed in one shared type during a transaction.
type Change struct {
	Type SharedType
	// Keys are the map keys (or Xml attributes) that changed.
	Keys []string
	// List is true when the type's list or text changed.
	List bool
}

// Changed returns the types changed by the transaction, in the order they
// first changed (types created in it are not listed, as in yjs).
func (tx *Transaction) Changed() []Change {
	var out []Change
	for _, t := range tx.changedOrder {
		cs, ok := tx.changedSet(t)
		if !ok {
			continue
		}
		c := Change{Type: t.api().(SharedType), List: cs.list}
		for k := range cs.keys {
			c.Keys = append(c.Keys, k)
		}
		slices.Sort(c.Keys)
		out = append(out, c)
	}
	return out
}

// changedSet returns what changed in t during tx. The record lives on the
// type (not in a map of the transaction) to keep transactions cheap.
func (tx *Transaction) changedSet(t *Type) (*changeSet, bool) {
	if t.chTx == tx {
		return t.ch, true
	}
	cs, ok := tx.spill[t]
	return cs, ok
}

func (tx *Transaction) forgetChanged(t *Type) {
	if t.chTx == tx {
		t.chTx, t.ch = nil, nil
	}
	delete(tx.spill, t)
}

// claim makes t record changes for tx, moving another live transaction's
// record to that transaction's spill map.
func (tx *Transaction) claim(t *Type, cs *changeSet) {
	if old := t.chTx; old != nil && old != tx {
		if old.spill == nil {
			old.spill = map[*Type]*changeSet{}
		}
		old.spill[t] = t.ch
	}
	t.chTx, t.ch = tx, cs
}
