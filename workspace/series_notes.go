package workspace

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes"
)

// occurrenceNotes is the one update that seeds an occurrence's notes:
// the title, links to the previous and next occurrences (room paths;
// "" for none), the tasks carried from the previous one under "From
// last time" (their items set in tasks), the agenda as headings and the
// series' notes skeleton, a paragraph a line.
func occurrenceNotes(s notes.Session, prev, next, skeleton string, tasks []carried) ([]byte, error) {
	d := crdt.NewDoc(crdt.DocOptions{ClientID: uint64(rand.Uint32())})
	frag := d.GetXmlFragment("default")
	// block appends a block element of one text, linked to href[1] if set.
	block := func(name string, level int, text [2]string) error {
		el := crdt.NewXmlElement(name)
		if level > 0 {
			if err := el.SetAttribute("level", level); err != nil {
				return err
			}
		}
		t := crdt.NewXmlText()
		var attrs crdt.Attributes
		if text[1] != "" {
			attrs = crdt.Attributes{"link": map[string]any{"href": text[1]}}
		}
		if err := t.Insert(0, text[0], attrs); err != nil {
			return err
		}
		if err := el.Insert(0, t); err != nil {
			return err
		}
		return frag.Insert(frag.Len(), el)
	}
	err := block("heading", 1, [2]string{s.Title, ""})
	if err == nil && prev != "" {
		err = block("paragraph", 0, [2]string{"Previous meeting", prev})
	}
	if err == nil && next != "" {
		err = block("paragraph", 0, [2]string{"Next meeting", next})
	}
	if err == nil && len(tasks) > 0 {
		err = writeCarried(frag, tasks)
	}
	for _, a := range s.Agenda {
		if err == nil {
			err = block("heading", 2, [2]string{a.Title, ""})
		}
	}
	for line := range strings.SplitSeq(skeleton, "\n") {
		if err == nil && strings.TrimSpace(line) != "" {
			err = block("paragraph", 0, [2]string{line, ""})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("occurrence notes %s: %w", s.ID, err)
	}
	u, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		return nil, fmt.Errorf("occurrence notes %s: %w", s.ID, err)
	}
	return u, nil
}
