package crdt

import (
	"fmt"
	"slices"
)

// structReader walks the structs of a decoded update in wire order.
type structReader struct {
	u           *decodedUpdate
	ci, si      int
	curr        *Item
	filterSkips bool
}

func newStructReader(u *decodedUpdate, filterSkips bool) *structReader {
	r := &structReader{u: u, si: -1, filterSkips: filterSkips}
	r.next()
	return r
}

func (r *structReader) next() *Item {
	for {
		r.si++
		for r.ci < len(r.u.clients) && r.si >= len(r.u.clients[r.ci].refs) {
			r.ci++
			r.si = 0
		}
		if r.ci >= len(r.u.clients) {
			r.curr = nil
			return nil
		}
		r.curr = r.u.clients[r.ci].refs[r.si]
		if !(r.filterSkips && r.curr.isSkip()) {
			return r.curr
		}
	}
}

// structWriter writes structs client by client, the way yjs's lazy struct
// writer does, and assembles the update at the end.
type structWriter struct {
	parts   []writerPart
	cur     encoder
	client  uint64
	written int
}

type writerPart struct {
	written int
	bytes   []byte
}

func (w *structWriter) write(it *Item, offset int) {
	if w.written > 0 && w.client != it.id.Client {
		w.flush()
	}
	if w.written == 0 {
		w.client = it.id.Client
		w.cur.writeVarUint(it.id.Client)
		w.cur.writeVarUint(it.id.Clock + uint64(offset))
	}
	it.write(&w.cur, offset)
	w.written++
}

func (w *structWriter) flush() {
	if w.written > 0 {
		w.parts = append(w.parts, writerPart{w.written, w.cur.buf})
		w.cur = encoder{}
		w.written = 0
	}
}

func (w *structWriter) finish(e *encoder) {
	w.flush()
	e.writeVarUint(uint64(len(w.parts)))
	for _, p := range w.parts {
		e.writeVarUint(uint64(p.written))
		e.buf = append(e.buf, p.bytes...)
	}
}

// sliceStruct returns the part of it from diff on (it is left as is for
// GC and Skip; an item's content is split).
func sliceStruct(it *Item, diff int) *Item {
	switch {
	case it.isGC():
		return newGC(it.id.add(diff), it.length-diff)
	case it.isSkip():
		return &Item{id: it.id.add(diff), length: it.length - diff, info: flagSkip}
	}
	r := &Item{
		id:          it.id.add(diff),
		length:      it.length - diff,
		origin:      ID{it.id.Client, it.id.Clock + uint64(diff) - 1},
		rightOrigin: it.rightOrigin,
		parentSub:   it.parentSub,
		pend:        it.pend,
		info:        it.info&(flagCountable|flagHasRightOrigin|flagHasParentSub) | flagHasOrigin,
	}
	c := copyContent(it.content)
	r.content = c.splice(diff)
	return r
}

// mergeLazy joins b into a where yjs's merge of encoded updates does:
// only runs of GC or of Skip structs.
func mergeLazy(a, b *Item) bool {
	if a.isGC() && b.isGC() || a.isSkip() && b.isSkip() {
		a.length += b.length
		return true
	}
	return false
}

// MergeUpdates merges v1 updates into one that has the effect of applying
// all of them, without a document. The output is what yjs's mergeUpdates
// writes for the same input.
func MergeUpdates(updates [][]byte) ([]byte, error) {
	if len(updates) == 1 {
		if _, err := decodeUpdate(updates[0]); err != nil {
			return nil, err
		}
		return updates[0], nil
	}
	decoded := make([]*decodedUpdate, len(updates))
	for i, u := range updates {
		d, err := decodeUpdate(u)
		if err != nil {
			return nil, fmt.Errorf("update %d: %w", i, err)
		}
		// yjs writes clients highest first; an update from elsewhere may
		// not, and merging it as it is would write a client twice.
		slices.SortStableFunc(d.clients, func(a, b clientRefs) int {
			switch {
			case a.client > b.client:
				return -1
			case a.client < b.client:
				return 1
			}
			return 0
		})
		decoded[i] = d
	}
	readers := make([]*structReader, len(decoded))
	for i, d := range decoded {
		readers[i] = newStructReader(d, true)
	}
	var w structWriter
	var currWrite *Item
	currOffset := 0
	for {
		readers = slices.DeleteFunc(readers, func(r *structReader) bool { return r.curr == nil })
		jsSort(readers, compareReaders)
		if len(readers) == 0 {
			break
		}
		r := readers[0]
		firstClient := r.curr.id.Client
		if currWrite != nil {
			curr := r.curr
			iterated := false
			cwEnd := currWrite.id.Clock + uint64(currWrite.length)
			for curr != nil && curr.id.Clock+uint64(curr.length) <= cwEnd && curr.id.Client >= currWrite.id.Client {
				curr = r.next()
				iterated = true
			}
			if curr == nil || curr.id.Client != firstClient || (iterated && curr.id.Clock > cwEnd) {
				continue
			}
			if firstClient != currWrite.id.Client {
				w.write(currWrite, currOffset)
				currWrite, currOffset = curr, 0
				r.next()
			} else if cwEnd < curr.id.Clock {
				if currWrite.isSkip() {
					currWrite.length = int(curr.id.Clock + uint64(curr.length) - currWrite.id.Clock)
				} else {
					w.write(currWrite, currOffset)
					diff := curr.id.Clock - cwEnd
					currWrite = &Item{id: ID{firstClient, cwEnd}, length: int(diff), info: flagSkip}
					currOffset = 0
				}
			} else {
				diff := int(cwEnd - curr.id.Clock)
				if diff > 0 {
					if currWrite.isSkip() {
						currWrite.length -= diff
					} else {
						curr = sliceStruct(curr, diff)
					}
				}
				if !mergeLazy(currWrite, curr) {
					w.write(currWrite, currOffset)
					currWrite, currOffset = curr, 0
					r.next()
				}
			}
		} else {
			currWrite, currOffset = r.curr, 0
			r.next()
		}
		for next := r.curr; next != nil && next.id.Client == firstClient &&
			next.id.Clock == currWrite.id.Clock+uint64(currWrite.length) && !next.isSkip(); next = r.next() {
			w.write(currWrite, currOffset)
			currWrite, currOffset = next, 0
		}
	}
	if currWrite != nil {
		w.write(currWrite, currOffset)
	}
	e := &encoder{}
	w.finish(e)
	dss := make([]*DeleteSet, len(decoded))
	for i, d := range decoded {
		dss[i] = d.ds
	}
	mergeDeleteSets(dss...).write(e)
	return e.bytes(), nil
}

// DiffUpdate returns the part of a v1 update that a peer with the encoded
// state vector sv is missing (structs beyond sv; all deletions).
func DiffUpdate(update, sv []byte) ([]byte, error) {
	state, err := DecodeStateVector(sv)
	if err != nil {
		return nil, err
	}
	u, err := decodeUpdate(update)
	if err != nil {
		return nil, err
	}
	var w structWriter
	r := newStructReader(u, false)
	for r.curr != nil {
		curr := r.curr
		client := curr.id.Client
		svClock := state[client]
		if curr.isSkip() {
			r.next()
			continue
		}
		if curr.id.Clock+uint64(curr.length) > svClock {
			off := 0
			if svClock > curr.id.Clock {
				off = int(svClock - curr.id.Clock)
			}
			w.write(curr, off)
			r.next()
			for r.curr != nil && r.curr.id.Client == client {
				w.write(r.curr, 0)
				r.next()
			}
		} else {
			for r.curr != nil && r.curr.id.Client == client && r.curr.id.Clock+uint64(r.curr.length) <= svClock {
				r.next()
			}
		}
	}
	e := &encoder{}
	w.finish(e)
	u.ds.write(e)
	return e.bytes(), nil
}

// EncodeStateVectorFromUpdate returns the encoded state vector a document
// would have after applying only this update (clients whose structs do
// not start at clock 0 are left out, as yjs does).
func EncodeStateVectorFromUpdate(update []byte) ([]byte, error) {
	u, err := decodeUpdate(update)
	if err != nil {
		return nil, err
	}
	body := &encoder{}
	size := 0
	r := newStructReader(u, false)
	curr := r.curr
	if curr != nil {
		client := curr.id.Client
		stop := curr.id.Clock != 0
		var clock uint64
		if !stop {
			clock = curr.id.Clock + uint64(curr.length)
		}
		for ; curr != nil; curr = r.next() {
			if client != curr.id.Client {
				if clock != 0 {
					size++
					body.writeVarUint(client)
					body.writeVarUint(clock)
				}
				client = curr.id.Client
				clock = 0
				stop = curr.id.Clock != 0
			}
			if curr.isSkip() {
				stop = true
			}
			if !stop {
				clock = curr.id.Clock + uint64(curr.length)
			}
		}
		if clock != 0 {
			size++
			body.writeVarUint(client)
			body.writeVarUint(clock)
		}
	}
	e := &encoder{}
	e.writeVarUint(uint64(size))
	e.buf = append(e.buf, body.buf...)
	return e.bytes(), nil
}

// compareReaders orders readers like yjs's mergeUpdates: higher clients
// first, then lower clocks. At equal clocks it only looks at whether the
// two structs are of the same kind, and otherwise puts the first argument
// first; that comparator is not consistent (GC against Item says "first"
// both ways), so the order yjs gets depends on how V8 sorts, and jsSort
// reproduces that.
func compareReaders(a, b *structReader) int {
	x, y := a.curr, b.curr
	if x.id.Client != y.id.Client {
		if y.id.Client > x.id.Client {
			return 1
		}
		return -1
	}
	if x.id.Clock != y.id.Clock {
		if x.id.Clock < y.id.Clock {
			return -1
		}
		return 1
	}
	kind := func(it *Item) int {
		switch {
		case it.isSkip():
			return 2
		case it.isGC():
			return 1
		}
		return 0
	}
	if kind(x) == kind(y) {
		return 0
	}
	if x.isSkip() {
		return 1
	}
	return -1
}

// jsSort sorts s as V8's Array.prototype.sort does for arrays of fewer than
// 64 elements (one run found by CountAndMakeRun, extended by binary
// insertion), calling cmp in the same order, so that even an inconsistent
// comparator gives the order yjs gets. Longer arrays are sorted stably.
func jsSort[T any](s []T, cmp func(a, b T) int) {
	n := len(s)
	if n < 2 {
		return
	}
	if n >= 64 {
		slices.SortStableFunc(s, cmp)
		return
	}
	// CountAndMakeRun.
	run := 2
	desc := cmp(s[1], s[0]) < 0
	prev := s[1]
	for i := 2; i < n; i++ {
		order := cmp(s[i], prev)
		if desc && order >= 0 || !desc && order < 0 {
			break
		}
		prev = s[i]
		run++
	}
	if desc {
		slices.Reverse(s[:run])
	}
	// BinaryInsertionSort of the rest into the run.
	for start := run; start < n; start++ {
		pivot := s[start]
		left, right := 0, start
		for left < right {
			mid := left + (right-left)>>1
			if cmp(pivot, s[mid]) < 0 {
				right = mid
			} else {
				left = mid + 1
			}
		}
		copy(s[left+1:start+1], s[left:start])
		s[left] = pivot
	}
}
