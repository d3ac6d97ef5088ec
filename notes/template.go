package notes

import (
	"fmt"
	"math/rand/v2"

	"github.com/cocreate/cocreate/crdt"
)

// NotesTemplate returns the one update that seeds a new session's notes
// document "{id}/notes": a Y.XmlFragment "default" holding the title as a
// level-1 heading and each agenda item as a level-2 heading (the
// TipTap/ProseMirror layout). It is appended once, when the session is
// created, and never re-derived on load, so content cannot be duplicated.
func NotesTemplate(s Session) ([]byte, error) {
	// A fresh client id: the seed must not collide with any editor's.
	d := crdt.NewDoc(crdt.DocOptions{ClientID: uint64(rand.Uint32())})
	frag := d.GetXmlFragment("default")
	add := func(level int, text string) error {
		h := crdt.NewXmlElement("heading")
		if err := h.SetAttribute("level", level); err != nil {
			return err
		}
		t := crdt.NewXmlText()
		if err := t.Insert(0, text, nil); err != nil {
			return err
		}
		if err := h.Insert(0, t); err != nil {
			return err
		}
		return frag.Insert(frag.Len(), h)
	}
	if err := add(1, s.Title); err != nil {
		return nil, fmt.Errorf("notes template %s: %w", s.ID, err)
	}
	for _, a := range s.Agenda {
		if err := add(2, a.Title); err != nil {
			return nil, fmt.Errorf("notes template %s: %w", s.ID, err)
		}
	}
	u, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		return nil, fmt.Errorf("notes template %s: %w", s.ID, err)
	}
	return u, nil
}
