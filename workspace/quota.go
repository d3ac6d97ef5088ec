package workspace

import (
	"strconv"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// checkAttendance refuses c a connection to sess when the session's
// attendance already lists Config.MaxAttendance people and c is not one
// of them (ErrQuota, attendance_full): fresh guest cookies cannot pad a
// session's record without bound. An unreadable meeting document is not
// a refusal here; the connection's own attendance fails the same way.
func (w *Workspace) checkAttendance(sess notes.Session, c Caller) error {
	max := w.cfg.MaxAttendance
	if max <= 0 {
		return nil
	}
	var n int
	var listed bool
	err := w.hubs.Do(sess.ID+"/meeting", func(d *crdt.Doc) error {
		n, listed = meeting.Attendance(d, c.Subject)
		return nil
	})
	if err != nil || listed || n < max {
		return nil
	}
	return fail(ErrQuota, "attendance_full", "session %s has %d people in its attendance, the most allowed (--max-attendance)", strconv.Quote(sess.ID), n)
}
