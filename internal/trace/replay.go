package trace

import "fmt"

// Editor is a text that a trace can be replayed into. Index and length
// count UTF-16 code units.
type Editor interface {
	Insert(index int, s string) error
	Delete(index, length int) error
}

// Positions converts a trace's code-point positions to UTF-16 offsets for
// one replay. Feed it every patch, in order, through Span then Apply.
type Positions struct {
	astral bool
	mirror []rune // the document, only when astral
	length int    // document length in code points, only when !astral
}

// NewPositions returns the converter for a replay of t, starting from
// t.StartContent.
func NewPositions(t *Trace) *Positions {
	if t.Astral {
		return &Positions{astral: true, mirror: []rune(t.StartContent)}
	}
	return &Positions{length: CodePoints(t.StartContent)}
}

// Span returns the UTF-16 offset of code point pos and the UTF-16 length
// of the del code points that follow it.
func (p *Positions) Span(pos, del int) (start, length int, err error) {
	n := p.length
	if p.astral {
		n = len(p.mirror)
	}
	if pos < 0 || del < 0 || pos+del > n {
		return 0, 0, fmt.Errorf("patch [%d, %d] out of range: document has %d code points", pos, del, n)
	}
	if !p.astral {
		return pos, del, nil
	}
	for _, r := range p.mirror[:pos] {
		start += runeUnits(r)
	}
	for _, r := range p.mirror[pos : pos+del] {
		length += runeUnits(r)
	}
	return start, length, nil
}

// Apply records the patch in the mirror; call it after Span.
func (p *Positions) Apply(pos, del int, ins string) {
	if !p.astral {
		p.length += CodePoints(ins) - del
		return
	}
	insRunes := []rune(ins)
	out := make([]rune, 0, len(p.mirror)-del+len(insRunes))
	out = append(out, p.mirror[:pos]...)
	out = append(out, insRunes...)
	out = append(out, p.mirror[pos+del:]...)
	p.mirror = out
}

// Replay applies every patch of t to ed, which must already hold
// t.StartContent. When txn is not nil it is called once per transaction and
// must call apply exactly once, typically inside the editor's own
// transaction (doc.Transact); its error is returned.
func Replay(t *Trace, ed Editor, txn func(apply func() error) error) error {
	pos := NewPositions(t)
	// One apply function for all transactions, so a replay allocates
	// nothing per transaction that the editor under test did not.
	var i int
	apply := func() error {
		for j, p := range t.Txns[i].Patches {
			if err := applyPatch(ed, pos, p); err != nil {
				return fmt.Errorf("txn %d patch %d: %w", i, j, err)
			}
		}
		return nil
	}
	for i = range t.Txns {
		var err error
		if txn != nil {
			err = txn(apply)
		} else {
			err = apply()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func applyPatch(ed Editor, pos *Positions, p Patch) error {
	start, length, err := pos.Span(p.Pos, p.Del)
	if err != nil {
		return err
	}
	if length > 0 {
		if err := ed.Delete(start, length); err != nil {
			return fmt.Errorf("delete(%d, %d): %w", start, length, err)
		}
	}
	if p.Ins != "" {
		if err := ed.Insert(start, p.Ins); err != nil {
			return fmt.Errorf("insert(%d, %q): %w", start, p.Ins, err)
		}
	}
	pos.Apply(p.Pos, p.Del, p.Ins)
	return nil
}
