package crdt

import (
	"slices"
	"sort"
)

// structList holds one client's structs in clock order. It is a list of
// chunks so that splitting or merging an item in the middle of a long
// history moves at most a chunk, not the whole tail (a flat slice made
// memmove a fifth of a local-editing profile). Structs are addressed by
// their global index; starts[c] is the index of chunk c's first struct.
type structList struct {
	client uint64
	// idx is the list's position in store.order (transactions keep their
	// state vectors as slices indexed by it).
	idx    int
	chunks [][]*Item
	starts []int
	n      int
	// hint is the chunk of the last lookup: accesses are mostly local.
	hint int
}

const (
	chunkMax  = 512
	chunkHalf = chunkMax / 2
)

// newStructList returns a list holding items (used, not copied).
func newStructList(client uint64, items []*Item) *structList {
	l := &structList{client: client}
	for len(items) > 0 {
		k := min(len(items), chunkHalf)
		l.chunks = append(l.chunks, items[:k:k])
		l.starts = append(l.starts, l.n)
		l.n += k
		items = items[k:]
	}
	return l
}

func (l *structList) len() int { return l.n }

func (l *structList) last() *Item {
	c := l.chunks[len(l.chunks)-1]
	return c[len(c)-1]
}

// locate returns the chunk holding global index i and the offset in it.
func (l *structList) locate(i int) (int, int) {
	if h := l.hint; h < len(l.chunks) && i >= l.starts[h] && i < l.starts[h]+len(l.chunks[h]) {
		return h, i - l.starts[h]
	}
	c := sort.Search(len(l.starts), func(k int) bool { return l.starts[k] > i }) - 1
	l.hint = c
	return c, i - l.starts[c]
}

func (l *structList) get(i int) *Item {
	c, o := l.locate(i)
	return l.chunks[c][o]
}

func (l *structList) set(i int, it *Item) {
	c, o := l.locate(i)
	l.chunks[c][o] = it
}

func (l *structList) push(it *Item) {
	if k := len(l.chunks); k > 0 && len(l.chunks[k-1]) < chunkMax {
		l.chunks[k-1] = append(l.chunks[k-1], it)
	} else {
		l.chunks = append(l.chunks, append(make([]*Item, 0, 64), it))
		l.starts = append(l.starts, l.n)
	}
	l.n++
}

// insert puts it at global index i (0 <= i <= len).
func (l *structList) insert(i int, it *Item) {
	if i == l.n {
		l.push(it)
		return
	}
	c, o := l.locate(i)
	l.chunks[c] = slices.Insert(l.chunks[c], o, it)
	l.n++
	for k := c + 1; k < len(l.starts); k++ {
		l.starts[k]++
	}
	if len(l.chunks[c]) > chunkMax {
		ch := l.chunks[c]
		right := append(make([]*Item, 0, chunkMax), ch[chunkHalf:]...)
		clear(ch[chunkHalf:])
		l.chunks[c] = ch[:chunkHalf]
		l.chunks = slices.Insert(l.chunks, c+1, right)
		l.starts = slices.Insert(l.starts, c+1, l.starts[c]+chunkHalf)
	}
}

// deleteRange removes the structs at global indices [from, to).
func (l *structList) deleteRange(from, to int) {
	for to > from {
		c, o := l.locate(to - 1)
		lo := max(o-(to-from)+1, 0)
		ch := l.chunks[c]
		removed := o + 1 - lo
		l.chunks[c] = slices.Delete(ch, lo, o+1)
		l.n -= removed
		for k := c + 1; k < len(l.starts); k++ {
			l.starts[k] -= removed
		}
		if len(l.chunks[c]) == 0 {
			l.chunks = slices.Delete(l.chunks, c, c+1)
			l.starts = slices.Delete(l.starts, c, c+1)
			l.hint = 0
		}
		to -= removed
	}
}

// findIndex returns the global index of the struct holding clock, or -1.
func (l *structList) findIndex(clock uint64) int {
	if l.n == 0 {
		return -1
	}
	last := l.last()
	if clock >= last.id.Clock+uint64(last.length) {
		return -1
	}
	// The chunk whose first struct is the last one starting at or before
	// clock; try the hint first.
	c := l.hint
	if c >= len(l.chunks) || l.chunks[c][0].id.Clock > clock ||
		(c+1 < len(l.chunks) && l.chunks[c+1][0].id.Clock <= clock) {
		c = sort.Search(len(l.chunks), func(k int) bool { return l.chunks[k][0].id.Clock > clock }) - 1
		if c < 0 {
			return -1
		}
		l.hint = c
	}
	ch := l.chunks[c]
	lo, hi := 0, len(ch)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		it := ch[mid]
		switch {
		case it.id.Clock > clock:
			hi = mid - 1
		case clock >= it.id.Clock+uint64(it.length):
			lo = mid + 1
		default:
			return l.starts[c] + mid
		}
	}
	return -1
}

// each calls fn for the structs from global index from on, in order,
// until fn returns false.
func (l *structList) each(from int, fn func(it *Item) bool) {
	if from >= l.n {
		return
	}
	c, o := l.locate(from)
	for ; c < len(l.chunks); c++ {
		for _, it := range l.chunks[c][o:] {
			if !fn(it) {
				return
			}
		}
		o = 0
	}
}
