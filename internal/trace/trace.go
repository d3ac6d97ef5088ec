// Package trace loads text editing traces (the josephg/editing-traces
// format described in shared/traces/README.md) and replays them into an
// editor that counts in UTF-16 code units, as the crdt package does.
//
// A trace counts positions in Unicode code points. When a trace has no
// character outside the Basic Multilingual Plane the two units agree and
// positions pass through unchanged; otherwise a code-point mirror of the
// document converts every position.
//
// The package knows nothing of the crdt package, so it can be tested on its
// own; the benchmarks adapt a crdt text to Editor.
package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Patch is one splice of the document: delete Del code points at Pos, then
// insert Ins there.
type Patch struct {
	Pos int
	Del int
	Ins string
}

// UnmarshalJSON reads the trace form [pos, delCount, insertText]; the
// insert text may be missing.
func (p *Patch) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("patch %s: %w", b, err)
	}
	if len(raw) < 2 || len(raw) > 3 {
		return fmt.Errorf("patch %s: want [pos, delCount, insertText]", b)
	}
	*p = Patch{}
	if err := json.Unmarshal(raw[0], &p.Pos); err != nil {
		return fmt.Errorf("patch %s: position: %w", b, err)
	}
	if err := json.Unmarshal(raw[1], &p.Del); err != nil {
		return fmt.Errorf("patch %s: delete count: %w", b, err)
	}
	if len(raw) == 3 {
		if err := json.Unmarshal(raw[2], &p.Ins); err != nil {
			return fmt.Errorf("patch %s: insert text: %w", b, err)
		}
	}
	if p.Pos < 0 || p.Del < 0 {
		return fmt.Errorf("patch %s: negative position or count", b)
	}
	return nil
}

// Txn is one transaction of a trace: patches applied in order, each seeing
// the document as the previous one left it.
type Txn struct {
	Patches []Patch `json:"patches"`
}

// Trace is a whole editing history.
type Trace struct {
	// Name is the file name without directory and .json.gz / .json.
	Name         string
	StartContent string `json:"startContent"`
	EndContent   string `json:"endContent"`
	Txns         []Txn  `json:"txns"`
	// Astral reports whether any character of the trace lies outside the
	// BMP, so that code-point and UTF-16 positions differ.
	Astral bool `json:"-"`
}

// Ops returns the number of patches in the trace.
func (t *Trace) Ops() int {
	n := 0
	for _, txn := range t.Txns {
		n += len(txn.Patches)
	}
	return n
}

// Load reads a trace from a file, gzip-compressed or plain JSON.
func Load(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load trace: %w", err)
	}
	defer f.Close()
	t, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("load trace %s: %w", path, err)
	}
	name := filepath.Base(path)
	name = strings.TrimSuffix(name, ".gz")
	t.Name = strings.TrimSuffix(name, ".json")
	return t, nil
}

// Decode reads a trace, gunzipping it first when it starts with the gzip
// magic bytes.
func Decode(r io.Reader) (*Trace, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	var t Trace
	if err := json.NewDecoder(r).Decode(&t); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if t.Txns == nil {
		return nil, errors.New("decode: no txns")
	}
	t.Astral = hasAstral(t.StartContent) || hasAstral(t.EndContent)
	for _, txn := range t.Txns {
		for _, p := range txn.Patches {
			if !t.Astral && hasAstral(p.Ins) {
				t.Astral = true
			}
		}
	}
	return &t, nil
}

// hasAstral reports whether s holds a character outside the BMP (which
// takes two UTF-16 units, and four bytes in UTF-8).
func hasAstral(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xF0 {
			return true
		}
	}
	return false
}

// UTF16Len returns the length of s in UTF-16 code units.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// CodePoints returns the length of s in Unicode code points.
func CodePoints(s string) int {
	return utf8.RuneCountInString(s)
}

func runeUnits(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
