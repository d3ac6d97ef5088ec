package loadgen

import (
	"bytes"
	"strconv"
)

// appendMarker appends the text a writer inserts for update seq sent at
// unixNano: "#<seq>@<unixnano>#".
func appendMarker(dst []byte, seq uint64, unixNano int64) []byte {
	dst = append(dst, '#')
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, '@')
	dst = strconv.AppendInt(dst, unixNano, 10)
	return append(dst, '#')
}

// scanMarkers calls fn for every marker in b, in order. Markers are found
// in the raw bytes of a Yjs update, where inserted strings are stored
// verbatim; servers that merge updates may put several side by side.
func scanMarkers(b []byte, fn func(seq uint64, unixNano int64)) {
	for {
		i := bytes.IndexByte(b, '#')
		if i < 0 {
			return
		}
		b = b[i+1:]
		seq, n := parseDigits(b)
		if n == 0 || n >= len(b) || b[n] != '@' {
			continue
		}
		ts, m := parseDigits(b[n+1:])
		end := n + 1 + m
		if m == 0 || end >= len(b) || b[end] != '#' {
			continue
		}
		fn(seq, int64(ts))
		b = b[end+1:]
	}
}

// parseDigits reads up to 19 decimal digits (no overflow) from the start of b.
func parseDigits(b []byte) (uint64, int) {
	var v uint64
	n := 0
	for n < len(b) && n < 19 && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + uint64(b[n]-'0')
		n++
	}
	return v, n
}
