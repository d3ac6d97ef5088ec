package crdt

// Transaction groups changes to a document. Observers and the update event
// run once per transaction, after it ends. A Transaction is only valid
// inside the function or callback it was passed to.
type Transaction struct {
	doc *Doc
	// Origin is what the caller passed to Transact or ApplyUpdate.
	Origin any
	// Local is false for transactions applying remote updates.
	Local bool
	// BeforeState and AfterState are the document's state vectors at the
	// start and end of the transaction (AfterState is set at cleanup).
	BeforeState StateVector
	AfterState  StateVector

	beforeState  StateVector
	deleteSet    *DeleteSet
	changed      map[*Type]map[subKey]struct{}
	changedOrder []*Type
	// changedParentTypes collects events for deep observers.
	changedParentTypes map[*Type][]*Event
	parentOrder        []*Type
	mergeStructs       []*Item
	needFormatCleanup  bool
}

// subKey identifies what changed in a type: a map key, or the list itself.
type subKey struct {
	key   string
	isKey bool
}

func newTransaction(d *Doc, origin any, local bool) *Transaction {
	sv := d.store.stateVector()
	return &Transaction{
		doc:         d,
		Origin:      origin,
		Local:       local,
		BeforeState: sv,
		beforeState: sv,
		deleteSet:   newDeleteSet(),
		changed:     map[*Type]map[subKey]struct{}{},
	}
}

// Doc returns the document the transaction belongs to.
func (tx *Transaction) Doc() *Doc { return tx.doc }

// DeleteSet returns the ids deleted in this transaction.
func (tx *Transaction) DeleteSet() *DeleteSet { return tx.deleteSet }

// addChangedType records that t (or its key sub) changed, unless t was
// created in this transaction or is deleted.
func (tx *Transaction) addChangedType(t *Type, sub string, isKey bool) {
	it := t.item
	if it == nil || (it.id.Clock < tx.beforeState[it.id.Client] && !it.deleted()) {
		subs, ok := tx.changed[t]
		if !ok {
			subs = map[subKey]struct{}{}
			tx.changed[t] = subs
			tx.changedOrder = append(tx.changedOrder, t)
		}
		subs[subKey{sub, isKey}] = struct{}{}
	}
}

// isNew reports whether it was created in this transaction.
func (tx *Transaction) isNew(it *Item) bool {
	return it.id.Clock >= tx.beforeState[it.id.Client]
}

func (tx *Transaction) deletes(it *Item) bool {
	return tx.deleteSet.contains(it.id)
}
