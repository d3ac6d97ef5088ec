package render

import (
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// DiffMarkdown returns a line-based unified diff from a to b (two
// renderings of the notes, say versions 3 and 4), in the format of
// `diff -u` with the file names "a" and "b": a shortest edit script
// (Myers' algorithm; past maxEdits changed lines the changed middle is
// replaced whole), hunks with three lines of context. Equal inputs give
// "".
func DiffMarkdown(a, b string) string {
	al, bl := splitLines(a), splitLines(b)
	ops := editScript(al, bl)
	var out strings.Builder
	for _, h := range hunks(ops) {
		if out.Len() == 0 {
			out.WriteString("--- a\n+++ b\n")
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(h.aStart, h.aLen), hunkRange(h.bStart, h.bLen))
		for _, o := range ops[h.from:h.to] {
			var line string
			if o.kind == '-' {
				line = al[o.a]
			} else {
				line = bl[o.b]
			}
			out.WriteByte(o.kind)
			if l, ok := strings.CutSuffix(line, "\n"); ok {
				out.WriteString(l + "\n\\ No newline at end of file\n")
			} else {
				out.WriteString(line + "\n")
			}
		}
	}
	return out.String()
}

// splitLines splits s into lines. A last line without a newline keeps a
// "\n" (which no other line has), so it differs from the same text with
// one, as in diff.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = l[:len(l)-1]
		} else {
			lines[i] = l + "\n"
		}
	}
	return lines
}

type diffOp struct {
	kind byte // ' ', '-' or '+'
	a, b int  // line indices in a and b (the one of the kind's side)
}

// maxEdits bounds the work of the search for a shortest script: past
// that many changed lines (after the common head and tail are set
// aside), the middle is shown as removed and added whole. The search
// keeps O(maxEdits²) ints, so a huge rewrite cannot exhaust memory.
const maxEdits = 2000

// editScript returns an edit script from a to b, one op per line:
// shortest unless more than maxEdits lines changed.
func editScript(a, b []string) []diffOp {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var ops []diffOp
	for i := range head {
		ops = append(ops, diffOp{' ', i, i})
	}
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	mid, ok := myers(ma, mb, maxEdits)
	if !ok {
		mid = mid[:0]
		for i := range ma {
			mid = append(mid, diffOp{'-', i, 0})
		}
		for j := range mb {
			mid = append(mid, diffOp{'+', len(ma), j})
		}
	}
	for _, o := range mid {
		ops = append(ops, diffOp{o.kind, o.a + head, o.b + head})
	}
	for i := range tail {
		ops = append(ops, diffOp{' ', len(a) - tail + i, len(b) - tail + i})
	}
	return ops
}

// myers returns a shortest edit script from a to b, or false when it
// needs more than limit edits: Myers' O((N+M)D) greedy algorithm,
// keeping each round's furthest reaching paths (only the diagonals that
// round can read) to trace the script back.
func myers(a, b []string, limit int) ([]diffOp, bool) {
	n, m := len(a), len(b)
	total := n + m
	off := total + 1
	v := make([]int, 2*total+3)
	var trace [][]int
	d := 0
	for ; ; d++ {
		if d > total || d > limit {
			return nil, false
		}
		// Round d reads diagonals -d-1 .. d+1.
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		done := false
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insertion
			} else {
				x = v[off+k-1] + 1 // right: deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				done = true
				break
			}
		}
		if done {
			break
		}
	}
	// Walk back from (n, m) through the saved rounds.
	var rev []diffOp
	x, y := n, m
	for ; d > 0; d-- {
		vd := trace[d]
		at := func(k int) int { return vd[k+d+1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, diffOp{' ', x, y})
		}
		if x == px {
			y--
			rev = append(rev, diffOp{'+', x, y})
		} else {
			x--
			rev = append(rev, diffOp{'-', x, y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, diffOp{' ', x, y})
	}
	ops := make([]diffOp, len(rev))
	for i, o := range rev {
		ops[len(rev)-1-i] = o
	}
	return ops, true
}

type hunk struct {
	from, to     int // ops[from:to]
	aStart, aLen int // 0-based start in a and line count
	bStart, bLen int
}

// hunks groups changes that are at most 2*diffContext unchanged lines
// apart, with diffContext lines of context around them.
func hunks(ops []diffOp) []hunk {
	var hs []hunk
	i := 0
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := i
		for start > 0 && i-start < diffContext && ops[start-1].kind == ' ' {
			start--
		}
		lastChange, end := i, i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				lastChange = end
			} else if end-lastChange > 2*diffContext {
				break
			}
			end++
		}
		end = min(end, lastChange+diffContext+1)
		hs = append(hs, makeHunk(ops, start, end))
		i = end
	}
	return hs
}

func makeHunk(ops []diffOp, from, to int) hunk {
	h := hunk{from: from, to: to, aStart: -1, bStart: -1}
	// Positions before the hunk, for empty sides.
	for _, o := range ops[from:to] {
		switch o.kind {
		case ' ':
			if h.aStart < 0 {
				h.aStart = o.a
			}
			if h.bStart < 0 {
				h.bStart = o.b
			}
			h.aLen++
			h.bLen++
		case '-':
			if h.aStart < 0 {
				h.aStart = o.a
			}
			h.aLen++
		case '+':
			if h.bStart < 0 {
				h.bStart = o.b
			}
			h.bLen++
		}
	}
	if h.aStart < 0 {
		h.aStart = linesBefore(ops[:from], true)
	}
	if h.bStart < 0 {
		h.bStart = linesBefore(ops[:from], false)
	}
	return h
}

// linesBefore counts the lines of one side in ops.
func linesBefore(ops []diffOp, aSide bool) int {
	n := 0
	for _, o := range ops {
		if o.kind == ' ' || (aSide && o.kind == '-') || (!aSide && o.kind == '+') {
			n++
		}
	}
	return n
}

// hunkRange writes a 0-based start and a length as diff does: 1-based,
// ",len" left out when 1, and the line before when the range is empty.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
