package render

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDiffMarkdown(t *testing.T) {
	for _, c := range []struct{ name, a, b, want string }{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"both empty", "", "", ""},
		{"from empty", "", "x\ny\n", "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{"to empty", "x\n", "", "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n"},
		{"change in the middle",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"two hunks",
			"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n", "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn",
			"--- a\n+++ b\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n\\ No newline at end of file\n"},
		{"newline at end only", "x", "x\n", "--- a\n+++ b\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n"},
	} {
		if got := DiffMarkdown(c.a, c.b); got != c.want {
			t.Errorf("%s:\n got: %q\nwant: %q", c.name, got, c.want)
		}
	}
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyDiff applies a unified diff made by DiffMarkdown to a, checking
// every context and removed line against a.
func applyDiff(a, diff string) (string, error) {
	al := splitLines(a)
	var out []string
	pos := 0
	lines := strings.Split(strings.TrimSuffix(diff, "\n"), "\n")
	if diff == "" {
		return a, nil
	}
	if len(lines) < 2 || lines[0] != "--- a" || lines[1] != "+++ b" {
		return "", fmt.Errorf("bad header %q", lines[:min(2, len(lines))])
	}
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		if m := hunkHeader.FindStringSubmatch(l); m != nil {
			start, _ := strconv.Atoi(m[1])
			n := 1
			if m[2] != "" {
				n, _ = strconv.Atoi(m[2])
			}
			if n > 0 {
				start--
			}
			if start < pos {
				return "", fmt.Errorf("hunk %q overlaps", l)
			}
			out = append(out, al[pos:start]...)
			pos = start
			continue
		}
		text := l[1:]
		if i+1 < len(lines) && lines[i+1] == `\ No newline at end of file` {
			text += "\n"
			i++
		}
		switch l[0] {
		case ' ', '-':
			if pos >= len(al) || al[pos] != text {
				return "", fmt.Errorf("line %d: diff has %q, a has %q", pos+1, text, al[min(pos, len(al)-1)])
			}
			if l[0] == ' ' {
				out = append(out, text)
			}
			pos++
		case '+':
			out = append(out, text)
		default:
			return "", fmt.Errorf("bad line %q", l)
		}
	}
	out = append(out, al[pos:]...)
	var b strings.Builder
	for _, l := range out {
		if s, ok := strings.CutSuffix(l, "\n"); ok {
			b.WriteString(s)
		} else {
			b.WriteString(l + "\n")
		}
	}
	return b.String(), nil
}

// lcs is the textbook dynamic-programming longest common subsequence
// length, to check that the edit script is a shortest one.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// TestDiffRandom: for random pairs of texts (fixed seeds, so a failure
// replays), the diff applies to a giving b, and it changes exactly the
// lines a longest common subsequence leaves.
func TestDiffRandom(t *testing.T) {
	words := []string{"a", "b", "c", "", "# title", "- item"}
	gen := func(r *rand.Rand) string {
		n := r.IntN(25)
		var b strings.Builder
		for range n {
			b.WriteString(words[r.IntN(len(words))] + "\n")
		}
		s := b.String()
		if r.IntN(4) == 0 {
			s = strings.TrimSuffix(s, "\n")
		}
		return s
	}
	for seed := uint64(1); seed <= 400; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		a, b := gen(r), gen(r)
		d := DiffMarkdown(a, b)
		got, err := applyDiff(a, d)
		if err != nil || got != b {
			t.Fatalf("seed %d: applying the diff: %v\na: %q\nb: %q\ndiff:\n%s\ngot: %q", seed, err, a, b, d, got)
		}
		al, bl := splitLines(a), splitLines(b)
		changes := strings.Count("\n"+d, "\n-") + strings.Count("\n"+d, "\n+") - 2*min(1, len(d))
		if want := len(al) + len(bl) - 2*lcs(al, bl); changes != want {
			t.Fatalf("seed %d: %d changed lines, shortest is %d\n%s", seed, changes, want, d)
		}
	}
}

// TestDiffLarge: a rewrite with more than maxEdits changed lines falls
// back to replacing the middle whole (still a correct diff), and a long
// text with a few changes keeps its shortest script.
func TestDiffLarge(t *testing.T) {
	var a, b, c strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&a, "line %d\n", i)
		fmt.Fprintf(&b, "other %d\n", i)
		if i%1000 == 500 {
			c.WriteString("changed\n")
		} else {
			fmt.Fprintf(&c, "line %d\n", i)
		}
	}
	d := DiffMarkdown(a.String(), b.String())
	if got, err := applyDiff(a.String(), d); err != nil || got != b.String() {
		t.Fatalf("rewrite: applying the diff: %v", err)
	}
	d = DiffMarkdown(a.String(), c.String())
	if got, err := applyDiff(a.String(), d); err != nil || got != c.String() {
		t.Fatalf("few changes: applying the diff: %v", err)
	}
	if n := strings.Count(d, "\n-line"); n != 3 || strings.Count(d, "@@ -") != 3 {
		t.Errorf("few changes: want 3 hunks of one line each, got\n%s", d)
	}
}
