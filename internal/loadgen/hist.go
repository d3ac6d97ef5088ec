package loadgen

import (
	"math/bits"
	"time"
)

// hist is a log-linear latency histogram in microseconds: exact below
// 128 µs, then 64 buckets per power of two (under 1.6% error), up to
// about 2^37 µs. It is not safe for concurrent use; each receiver keeps
// its own and they are merged at the end.
type hist struct {
	counts [histBuckets]uint64
	n      uint64
	max    int64 // µs
}

const histBuckets = 32*64 + 128

func histIndex(us uint64) int {
	if us < 128 {
		return int(us)
	}
	shift := bits.Len64(us) - 7
	i := shift*64 + int(us>>shift)
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// histValue is the lower bound of bucket i, in µs.
func histValue(i int) uint64 {
	if i < 128 {
		return uint64(i)
	}
	shift := i/64 - 1
	return uint64(i-shift*64) << shift
}

func (h *hist) add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.counts[histIndex(uint64(us))]++
	h.n++
	if us > h.max {
		h.max = us
	}
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile (0 < q ≤ 1); 0 when empty.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := int64(histValue(i))
			return time.Duration(min(v, h.max)) * time.Microsecond
		}
	}
	return time.Duration(h.max) * time.Microsecond
}
