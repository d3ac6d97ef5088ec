package meeting

import "github.com/cocreate/cocreate/crdt"

// Attendance reads a meeting document's attendance (its participants
// map): how many people it lists and whether subject is one of them. It
// does not change doc.
func Attendance(doc *crdt.Doc, subject string) (n int, listed bool) {
	p := doc.GetMap("participants")
	return p.Len(), p.Has(subject)
}
