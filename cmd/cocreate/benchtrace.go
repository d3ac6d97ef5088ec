package main

import (
	"fmt"
	"io"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/trace"
)

// crdtText is the part of the crdt text API the benchmarks use. It is an
// interface so that the benchmark code does not depend on the concrete
// type's name.
type crdtText interface {
	Insert(index int, s string, attrs crdt.Attributes) error
	Delete(index, length int) error
	String() string
	Len() int
}

// textEditor adapts a crdt text to trace.Editor.
type textEditor struct{ text crdtText }

func (e textEditor) Insert(index int, s string) error { return e.text.Insert(index, s, nil) }
func (e textEditor) Delete(index, length int) error   { return e.text.Delete(index, length) }

// replayLocal replays tr into doc's text "text" as local edits, one
// transaction per trace transaction, starting from tr.StartContent.
func replayLocal(doc *crdt.Doc, tr *trace.Trace) error {
	text := doc.GetText("text")
	ed := textEditor{text}
	if tr.StartContent != "" {
		var err error
		doc.Transact(func(tx *crdt.Transaction) { err = ed.Insert(0, tr.StartContent) }, nil)
		if err != nil {
			return fmt.Errorf("insert start content: %w", err)
		}
	}
	// The transaction function is made once, not per transaction.
	var apply func() error
	var err error
	inTxn := func(*crdt.Transaction) { err = apply() }
	return trace.Replay(tr, ed, func(a func() error) error {
		apply = a
		doc.Transact(inTxn, nil)
		return err
	})
}

func runBenchTrace(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-trace", "FILE.json.gz", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError("want exactly one trace file, got %d arguments", fs.NArg())
	}
	tr, err := trace.Load(fs.Arg(0))
	if err != nil {
		return err
	}

	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	start := time.Now()
	if err := replayLocal(doc, tr); err != nil {
		return fmt.Errorf("replay %s: %w", tr.Name, err)
	}
	elapsed := time.Since(start)

	final := doc.GetText("text").String()
	ok := final == tr.EndContent
	fmt.Fprintf(stdout, "ops=%d ms=%.1f final_len=%d ok=%t\n", tr.Ops(), ms(elapsed), trace.CodePoints(final), ok)
	if !ok {
		return &exitError{code: 1}
	}
	return nil
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
