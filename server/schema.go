package server

import (
	"errors"
	"strings"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes/render"
)

// validateUpdate is the hub's Config.Validate: a client's update to a
// session's notes must leave the editor's fragment inside its schema
// (render.CheckNotesInsertion), so no client can leave the others with
// an editor that cannot show or edit the notes.
func validateUpdate(doc string, d *crdt.Doc, update []byte) error {
	if _, name, _ := strings.Cut(doc, "/"); name != "notes" {
		return nil
	}
	err := d.Inspect(update, render.CheckNotesInsertion)
	if errors.Is(err, crdt.ErrUnresolved) {
		// Where such structs would land is unknown, so they cannot be
		// checked; the client re-sends them after its next sync.
		return errors.New("update depends on edits this server does not have yet; sync first")
	}
	return err
}
