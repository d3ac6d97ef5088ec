// Package crdt is cocreate's document engine: a Go implementation of the
// Yjs CRDT that reads and writes the Yjs binary update format (v1), so any
// Yjs client can sync with it and the server understands every document.
//
// It owns lib0 encoding (varints, strings, the Any format), structs
// (Item, GC, Skip) and their contents, the struct store, state vectors,
// delete sets, transactions, the shared types (Text, Map, Array,
// XmlFragment, XmlElement, XmlText, nested anywhere) and the update API:
// Doc.ApplyUpdate, Doc.EncodeStateAsUpdate, Doc.EncodeStateVector and, on
// encoded updates without a document, MergeUpdates, DiffUpdate and
// EncodeStateVectorFromUpdate. Doc.Inspect tells where each struct of an
// update would go and what it holds, without applying it, so a caller can
// refuse an update that breaks a schema before it changes anything (a
// map entry set again, encoded without its key after the old value,
// is reported under its key). XmlElement.ID and AttributeID name an
// element and the version of an attribute by their items' ids, which
// stay the same across edits and peers.
//
// It does no I/O: no sockets, files, goroutines, clocks or logging. Bytes
// and values go in; bytes, values and events come out. A Doc is not safe
// for concurrent use; its owner serialises access (the hub does).
//
// Byte compatibility: for the same history EncodeStateAsUpdate writes the
// bytes yjs writes, and so do MergeUpdates, DiffUpdate and
// EncodeStateVectorFromUpdate. One known divergence: merging 64 or more
// updates that overlap (the same struct present as GC in one and as an
// item in another) may order them differently from yjs, whose sort
// comparator is inconsistent there and whose result depends on V8's
// TimSort; the merged content is the same.
//
// Supported: update format v1, garbage collection (on by default),
// pending structs and delete sets, subdocuments carried as references.
// Not supported yet: update format v2, loading subdocuments, UndoManager,
// relative positions and snapshots.
//
// Bad input never panics: a malformed update is decoded completely and
// checked before anything is integrated, and on error the document is
// left exactly as it was.
package crdt

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// DocOptions configures a new Doc. The zero value is valid.
type DocOptions struct {
	// ClientID identifies this peer's edits; 0 picks a random 32-bit id.
	ClientID uint64
	// DisableGC keeps deleted content instead of collecting it.
	DisableGC bool
}

// Doc is a Yjs document: a set of named root types and the structs that
// make them up.
type Doc struct {
	clientID uint64
	gc       bool
	store    *store
	share    map[string]*Type
	shareOrd []string

	tx       *Transaction
	cleanups []*Transaction
	txPool   []*Transaction

	// Handler lists are never modified in place (unregistering copies),
	// so ranging over a snapshot of the slice header is safe while
	// handlers register or unregister.
	updateHandlers []*updateHandler
	afterHandlers  []*afterHandler
	enc            encoder // reused for transaction updates
}

type updateHandler struct {
	fn func(update []byte, origin any, tx *Transaction)
}

type afterHandler struct {
	fn func(tx *Transaction)
}

// NewDoc returns an empty document.
func NewDoc(opts DocOptions) *Doc {
	id := opts.ClientID
	if id == 0 {
		id = uint64(rand.Uint32())
		if id == 0 {
			id = 1
		}
	}
	return &Doc{
		clientID: id,
		gc:       !opts.DisableGC,
		store:    newStore(),
		share:    map[string]*Type{},
	}
}

// ClientID returns the id under which local edits are made.
func (d *Doc) ClientID() uint64 { return d.clientID }

// GC reports whether deleted content is garbage collected.
func (d *Doc) GC() bool { return d.gc }

// getRoot returns the root type called name, creating it without a kind
// if needed (remote updates do not say which kind a root is).
func (d *Doc) getRoot(name string) *Type {
	t := d.share[name]
	if t == nil {
		t = &Type{doc: d, name: name, kind: kindUnknown}
		d.share[name] = t
		d.shareOrd = append(d.shareOrd, name)
	}
	return t
}

func (d *Doc) rootOfKind(name string, k typeKind) *Type {
	t := d.getRoot(name)
	if t.kind == kindUnknown {
		t.kind = k
	} else if t.kind != k {
		panic(fmt.Sprintf("crdt: %v: root %q is a %s, not a %s", ErrTypeMismatch, name, t.kind, k))
	}
	return t
}

// GetText returns the root Text called name. It panics if name is
// already a root of another kind (a programming error).
func (d *Doc) GetText(name string) *Text { return &Text{d.rootOfKind(name, kindText)} }

// GetMap returns the root Map called name.
func (d *Doc) GetMap(name string) *Map { return &Map{d.rootOfKind(name, kindMap)} }

// GetArray returns the root Array called name.
func (d *Doc) GetArray(name string) *Array { return &Array{d.rootOfKind(name, kindArray)} }

// GetXmlFragment returns the root XmlFragment called name.
func (d *Doc) GetXmlFragment(name string) *XmlFragment {
	return &XmlFragment{d.rootOfKind(name, kindXmlFragment)}
}

// RootNames returns the names of the root types in the order they were
// first seen.
func (d *Doc) RootNames() []string { return append([]string(nil), d.shareOrd...) }

// Transact runs fn in one transaction. Nested calls join the open one.
func (d *Doc) Transact(fn func(tx *Transaction), origin any) {
	d.transact(fn, origin, true)
}

func (d *Doc) transact(fn func(tx *Transaction), origin any, local bool) {
	initial := d.begin(origin, local)
	fn(d.tx)
	d.end(initial)
}

// begin opens a transaction unless one is open, and reports whether it
// did; end(initial) then closes it. transact is the two around a function;
// ApplyUpdate calls them directly to avoid allocating a closure per
// update.
func (d *Doc) begin(origin any, local bool) bool {
	if d.tx != nil {
		return false
	}
	d.tx = newTransaction(d, origin, local)
	d.cleanups = append(d.cleanups, d.tx)
	return true
}

func (d *Doc) end(initial bool) {
	if initial {
		first := d.tx == d.cleanups[0]
		d.tx = nil
		if first {
			// Observers may start transactions; run them one after the
			// other rather than nested.
			for i := 0; i < len(d.cleanups); i++ {
				d.cleanup(d.cleanups[i])
			}
			for _, tx := range d.cleanups {
				tx.release()
			}
			clear(d.cleanups)
			d.cleanups = d.cleanups[:0]
		}
	}
}

// OnUpdate registers fn to receive the v1 update of every transaction that
// changed the document. The document never reuses the update slice, so fn
// may keep it; every handler gets the same slice, so none may modify it.
// It returns a function that unregisters fn.
func (d *Doc) OnUpdate(fn func(update []byte, origin any, tx *Transaction)) func() {
	h := &updateHandler{fn}
	return register(&d.updateHandlers, h)
}

// register appends h to *list and returns the function that removes it
// (without touching the backing array a running loop may still read).
func register[T any](list *[]*T, h *T) func() {
	*list = append(*list, h)
	return func() {
		for i, x := range *list {
			if x == h {
				*list = append((*list)[:i:i], (*list)[i+1:]...)
				return
			}
		}
	}
}

// OnAfterTransaction registers fn to run after every transaction's
// observers. It returns a function that unregisters it.
func (d *Doc) OnAfterTransaction(fn func(tx *Transaction)) func() {
	h := &afterHandler{fn}
	return register(&d.afterHandlers, h)
}

// cleanup runs observers, collects garbage, merges structs and emits the
// update event, in yjs's order.
func (d *Doc) cleanup(tx *Transaction) {
	s := d.store
	ds := tx.deleteSet
	ds.sortAndMerge()
	for _, l := range s.order {
		last := l.last()
		tx.after = append(tx.after, last.id.Clock+uint64(last.length))
	}
	d.callObservers(tx)
	if tx.needFormatCleanup {
		cleanupFormattingAfterTransaction(tx)
	}
	if d.gc {
		tryGCDeleteSet(ds, s)
	}
	tryMergeDeleteSet(ds, s)
	for _, l := range s.order {
		before := uint64(0)
		if l.idx < len(tx.before) {
			before = tx.before[l.idx]
		}
		if before == tx.after[l.idx] {
			continue
		}
		first := l.findIndex(before)
		if first < 1 {
			first = 1
		}
		for i := l.len() - 1; i >= first; {
			i -= 1 + l.tryMergeWithLefts(i)
		}
	}
	for i := len(tx.mergeStructs) - 1; i >= 0; i-- {
		id := tx.mergeStructs[i].id
		l := s.clients[id.Client]
		pos := l.findIndex(id.Clock)
		if pos < 0 {
			continue
		}
		if pos+1 < l.len() && l.tryMergeWithLefts(pos+1) > 1 {
			continue
		}
		if pos > 0 {
			l.tryMergeWithLefts(pos)
		}
	}
	if !tx.Local && tx.afterOf(d.clientID) != tx.beforeOf(d.clientID) {
		// Another peer used our client id: pick a new one, as yjs does.
		d.clientID = uint64(rand.Uint32())
	}
	for _, h := range d.afterHandlers {
		h.fn(tx)
	}
	if len(d.updateHandlers) > 0 {
		if u, ok := encodeTransactionUpdate(tx); ok {
			for _, h := range d.updateHandlers {
				h.fn(u, tx.Origin, tx)
			}
		}
	}
}

// encodeTransactionUpdate writes the structs added and the ids deleted by
// tx as one v1 update.
func encodeTransactionUpdate(tx *Transaction) ([]byte, bool) {
	// The clients with new structs, highest id first as yjs writes them;
	// usually one, so no map and no sort.
	var buf [4]*structList
	lists := buf[:0]
	for _, l := range tx.doc.store.order {
		before := uint64(0)
		if l.idx < len(tx.before) {
			before = tx.before[l.idx]
		}
		if before != tx.after[l.idx] {
			lists = append(lists, l)
		}
	}
	if len(lists) == 0 && tx.deleteSet.empty() {
		return nil, false
	}
	slices.SortFunc(lists, func(a, b *structList) int {
		if a.client > b.client {
			return -1
		}
		return 1
	})
	// The encoder is the document's; only its buffer, handed out as the
	// update, is new.
	e := &tx.doc.enc
	e.buf = make([]byte, 0, 32)
	e.writeVarUint(uint64(len(lists)))
	for _, l := range lists {
		l.writeFrom(e, tx.beforeOf(l.client))
	}
	tx.deleteSet.write(e)
	u := e.bytes()
	e.buf = nil
	return u, true
}

// eachDeleteRange calls fn for every range of ds whose client s holds
// structs of, each client's ranges from the last to the first.
func eachDeleteRange(ds *DeleteSet, s *store, fn func(l *structList, r deleteRange)) {
	for client, rs := range ds.clients {
		l := s.clients[client]
		if l == nil {
			continue
		}
		for di := len(rs) - 1; di >= 0; di-- {
			fn(l, rs[di])
		}
	}
}

func tryGCDeleteSet(ds *DeleteSet, s *store) {
	eachDeleteRange(ds, s, func(l *structList, r deleteRange) {
		end := r.clock + r.len
		for si := l.findIndex(r.clock); si >= 0 && si < l.len(); si++ {
			it := l.get(si)
			if it.id.Clock >= end {
				break
			}
			if !it.isGC() && it.deleted() && !it.keep() {
				it.gc(s, false)
			}
		}
	})
}

func tryMergeDeleteSet(ds *DeleteSet, s *store) {
	eachDeleteRange(ds, s, func(l *structList, r deleteRange) {
		idx := l.findIndex(r.clock + r.len - 1)
		if idx < 0 {
			return
		}
		si := min(l.len()-1, idx+1)
		for si > 0 && l.get(si).id.Clock >= r.clock {
			si -= 1 + l.tryMergeWithLefts(si)
		}
	})
}

// EncodeStateVector returns the encoded state vector of the document.
func (d *Doc) EncodeStateVector() []byte { return d.store.stateVector().Encode() }

// StateVector returns the document's state vector.
func (d *Doc) StateVector() StateVector { return d.store.stateVector() }

// EncodeStateAsUpdate returns, as one v1 update, everything the document
// has that a peer with the encoded state vector sv lacks (all of it when
// sv is empty), including pending structs and deletions.
func (d *Doc) EncodeStateAsUpdate(sv []byte) ([]byte, error) {
	target, err := DecodeStateVector(sv)
	if err != nil {
		return nil, err
	}
	e := &encoder{}
	writeStructsFrom(e, d.store, target)
	deleteSetFromStore(d.store).write(e)
	u := e.bytes()
	parts := [][]byte{u}
	if d.store.pendingDS != nil && len(d.store.pendingDS.clients) > 0 {
		pe := &encoder{}
		pe.writeVarUint(0)
		d.store.pendingDS.write(pe)
		parts = append(parts, pe.bytes())
	}
	if d.store.pendingUpdate != nil {
		// Pending structs are sent too, so a peer that has what we lack
		// can heal us both (yjs does the same).
		p, err := DiffUpdate(d.store.pendingUpdate, sv)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	if len(parts) > 1 {
		return MergeUpdates(parts)
	}
	return u, nil
}

// deleteSetFromStore collects the deleted ranges of the whole store.
func deleteSetFromStore(s *store) *DeleteSet {
	ds := newDeleteSet()
	for client, l := range s.clients {
		var rs []deleteRange
		inRun := false
		l.each(0, func(it *Item) bool {
			switch {
			case !it.deleted():
				inRun = false
			case inRun:
				rs[len(rs)-1].len += uint64(it.length)
			default:
				rs = append(rs, deleteRange{it.id.Clock, uint64(it.length)})
				inRun = true
			}
			return true
		})
		if len(rs) > 0 {
			ds.clients[client] = rs
			ds.dirty = true
		}
	}
	return ds
}
