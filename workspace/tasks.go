package workspace

import (
	"context"
	"regexp"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/notes/render"
)

// Bounds of a space's task list.
const (
	maxTaskSessions = 200
	maxTasks        = 1000
)

// Task is an open task item of a session's notes: its text, the @name
// it gives as owner and the date (YYYY-MM-DD) it gives as due, if any.
type Task struct {
	SessionID string `json:"session_id"`
	Session   string `json:"session_title"`
	Text      string `json:"text"`
	Owner     string `json:"owner,omitempty"`
	Due       string `json:"due,omitempty"`
	Link      string `json:"link"`
}

var (
	taskOwner = regexp.MustCompile(`(?:^|\s)@([\pL\pN_.-]+)`)
	taskDue   = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})\b`)
)

// SpaceTasks lists the open (unchecked) task items in the notes of the
// space's sessions the caller may read, newest session first (at most
// 200 sessions and 1000 tasks), as stored (edits of the last moments
// may still be on their way to the store).
func (w *Workspace) SpaceTasks(ctx context.Context, c Caller, spaceID string) ([]Task, error) {
	sp, _, err := w.authorizeSpace(ctx, c, SpaceRead, spaceID)
	if err != nil {
		return nil, err
	}
	var sessions []notes.Session
	_, err = w.readable(ctx, c, "", "", func(s notes.Session, _ Role) bool {
		if s.SpaceID == sp.ID {
			sessions = append(sessions, s)
		}
		return len(sessions) < maxTaskSessions
	})
	if err != nil {
		return nil, err
	}
	out := []Task{}
	for _, s := range sessions {
		open, err := w.storedOpenTasks(ctx, s.ID+"/notes")
		if err != nil {
			return nil, err
		}
		for _, text := range open {
			t := Task{SessionID: s.ID, Session: s.Title, Text: text, Link: "/s/" + s.ID}
			if m := taskOwner.FindStringSubmatch(text); m != nil {
				t.Owner = m[1]
			}
			if m := taskDue.FindStringSubmatch(text); m != nil {
				t.Due = m[1]
			}
			out = append(out, t)
			if len(out) == maxTasks {
				return out, nil
			}
		}
	}
	return out, nil
}

// storedOpenTasks reads a notes document as stored and returns its open
// task items.
func (w *Workspace) storedOpenTasks(ctx context.Context, doc string) ([]string, error) {
	st, err := w.store.Load(ctx, doc)
	if err != nil {
		return nil, err
	}
	d := crdt.NewDoc(crdt.DocOptions{})
	for _, u := range append([][]byte{st.Snapshot}, st.Updates...) {
		if len(u) == 0 {
			continue
		}
		if err := d.ApplyUpdate(u, nil); err != nil {
			return nil, err
		}
	}
	return render.OpenTasks(d)
}
