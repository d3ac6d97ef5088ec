package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cocreate/cocreate/crdt"
)

// ErrSchema is wrapped by CheckNotesInsertion's errors: the insertion
// would leave the notes fragment outside the editor's schema.
var ErrSchema = errors.New("outside the notes schema")

// NotesField is the root XmlFragment the editor (TipTap's Collaboration
// extension) binds.
const NotesField = "default"

// notesNodes are the node types of the editor's schema that are
// XmlElements (text is XmlText): TipTap's StarterKit, task lists and
// images — what the web client loads and this package renders.
var notesNodes = map[string]bool{
	"paragraph": true, "heading": true, "bulletList": true, "orderedList": true,
	"listItem": true, "blockquote": true, "codeBlock": true, "horizontalRule": true,
	"hardBreak": true, "taskList": true, "taskItem": true, "image": true,
}

// notesMarks are the schema's marks: XmlText formatting attributes, as
// "name" or y-prosemirror's "name--hash" for overlapping marks.
var notesMarks = map[string]bool{
	"bold": true, "italic": true, "strike": true, "code": true, "underline": true, "link": true,
}

// CheckNotesInsertion refuses a struct that would put the notes fragment
// (NotesField) outside the editor's schema: only known nodes as
// XmlElements, in the fragment and in elements; text only as XmlText
// inside an element, formatted only with known marks; element attributes
// only as plain values. Anything else in the fragment — a bare string, a
// value, an XmlText at the top level, an unknown node or mark — makes
// TipTap show a blank editor that ignores typing. Other roots, and
// structs whose parent is gone, are not checked. Use it with
// crdt.Doc.Inspect before applying a client's update.
func CheckNotesInsertion(in crdt.Insertion) error {
	p, c := in.Parent, in.Content
	if p.Orphan || p.Root != NotesField || c.Kind == "deleted" {
		return nil
	}
	where := "the notes"
	switch {
	case p.IsRoot:
		if in.InMap {
			return fmt.Errorf("%w: %s take no attributes (got %q)", ErrSchema, where, in.Key)
		}
		return checkNode(c, where, false)
	case p.Kind == "XmlElement":
		where = "node " + p.NodeName
		if !notesNodes[p.NodeName] {
			return fmt.Errorf("%w: unknown node %q", ErrSchema, p.NodeName)
		}
		if in.InMap {
			if c.Kind != "any" {
				return fmt.Errorf("%w: attribute %q of %s must be a plain value, not %s", ErrSchema, in.Key, where, c.Kind)
			}
			return nil
		}
		return checkNode(c, where, true)
	case p.Kind == "XmlText":
		switch {
		case in.InMap:
			return fmt.Errorf("%w: text takes no attributes (got %q)", ErrSchema, in.Key)
		case c.Kind == "string":
			return nil
		case c.Kind == "format":
			name, _, _ := strings.Cut(c.Key, "--")
			if !notesMarks[name] {
				return fmt.Errorf("%w: unknown mark %q", ErrSchema, c.Key)
			}
			return nil
		}
		return fmt.Errorf("%w: text holds only characters and marks, not %s", ErrSchema, c.Kind)
	}
	return fmt.Errorf("%w: a %s inside the notes", ErrSchema, p.Kind)
}

// checkNode allows a known node (and, inside an element, text).
func checkNode(c crdt.ContentInfo, where string, textOK bool) error {
	if c.Kind != "type" {
		return fmt.Errorf("%w: %s hold nodes, not a bare %s", ErrSchema, where, c.Kind)
	}
	switch c.Type.Kind {
	case "XmlElement":
		if !notesNodes[c.Type.NodeName] {
			return fmt.Errorf("%w: unknown node %q in %s", ErrSchema, c.Type.NodeName, where)
		}
		return nil
	case "XmlText":
		if textOK {
			return nil
		}
	}
	return fmt.Errorf("%w: %s hold nodes, not a %s", ErrSchema, where, c.Type.Kind)
}
