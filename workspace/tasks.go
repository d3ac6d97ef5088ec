package workspace

import (
	"context"
	"regexp"
	"strings"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes"
)

// Bounds of a space's task list.
const (
	maxTaskSessions = 200
	maxTasks        = 1000
)

// Task is an open task item of a session's notes: its text, the @name
// it gives as owner (and the member it names, if one does) and the date
// (YYYY-MM-DD) it gives as due, if any. TaskID names the task across
// the sessions it was carried into (FromSessionID the one this copy
// came from), once the server has followed the notes.
type Task struct {
	TaskID        string `json:"task_id,omitempty"`
	SessionID     string `json:"session_id"`
	Session       string `json:"session_title"`
	Text          string `json:"text"`
	Owner         string `json:"owner,omitempty"`
	OwnerSubject  string `json:"owner_subject,omitempty"`
	Due           string `json:"due,omitempty"`
	Link          string `json:"link"`
	FromSessionID string `json:"from_session_id,omitempty"`
}

// TaskGroup is the open tasks of one owner (Owner, OwnerSubject; both
// empty for tasks nobody owns) or of one session (SessionID, Session).
type TaskGroup struct {
	Owner        string `json:"owner,omitempty"`
	OwnerSubject string `json:"owner_subject,omitempty"`
	SessionID    string `json:"session_id,omitempty"`
	Session      string `json:"session_title,omitempty"`
	Tasks        []Task `json:"tasks"`
}

// Task list groupings (SpaceTasks' group).
const (
	GroupByOwner   = "owner"
	GroupBySession = "session"
)

var (
	taskOwner = regexp.MustCompile(`(?:^|\s)@([\pL\pN_.-]+)`)
	taskDue   = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})\b`)
)

// taskFields are the @name and the due date a task's text gives.
func taskFields(text string) (owner, due string) {
	if m := taskOwner.FindStringSubmatch(text); m != nil {
		owner = m[1]
	}
	if m := taskDue.FindStringSubmatch(text); m != nil {
		due = m[1]
	}
	return owner, due
}

// SpaceTasks lists the open (unchecked) task items in the notes of the
// space's sessions the caller may read, newest session first (at most
// 200 sessions and 1000 tasks), as stored (edits of the last moments
// may still be on their way to the store), each @name resolved to the
// member it names (ownerIndex). group "owner" or "session" also returns
// them grouped (in the order of their first task); "" does not.
func (w *Workspace) SpaceTasks(ctx context.Context, c Caller, spaceID, group string) ([]Task, []TaskGroup, error) {
	if group != "" && group != GroupByOwner && group != GroupBySession {
		return nil, nil, fail(ErrInvalid, "bad_group", "group_by is %q or %q, not %q", GroupByOwner, GroupBySession, group)
	}
	sp, _, err := w.authorizeSpace(ctx, c, SpaceRead, spaceID)
	if err != nil {
		return nil, nil, err
	}
	var sessions []notes.Session
	_, err = w.readable(ctx, c, "", "", func(s notes.Session, _ Role) bool {
		if s.SpaceID == sp.ID {
			sessions = append(sessions, s)
		}
		return len(sessions) < maxTaskSessions
	})
	if err != nil {
		return nil, nil, err
	}
	owners, err := w.ownerIndex(ctx, sp.ID)
	if err != nil {
		return nil, nil, err
	}
	out := []Task{}
	for _, s := range sessions {
		d, err := w.storedDoc(ctx, s.ID+"/notes")
		if err != nil {
			return nil, nil, err
		}
		rows, err := w.store.TaskItems(ctx, s.ID)
		if err != nil {
			return nil, nil, err
		}
		known := map[string]notes.TaskItem{}
		for _, r := range rows {
			known[r.Item] = r
		}
		for _, it := range scanTasks(d).Items {
			if it.Checked || it.Text == "" {
				continue
			}
			t := Task{SessionID: s.ID, Session: s.Title, Text: it.Text, Link: "/s/" + s.ID}
			t.Owner, t.Due = taskFields(it.Text)
			t.OwnerSubject = owners[strings.ToLower(t.Owner)]
			if r, ok := known[it.Item]; ok && it.Item != "" {
				t.TaskID, t.FromSessionID = r.TaskID, r.Origin
			}
			out = append(out, t)
			if len(out) == maxTasks {
				return out, groupTasks(out, group), nil
			}
		}
	}
	return out, groupTasks(out, group), nil
}

// groupTasks groups tasks by owner (the member if resolved, else the
// name as written) or by session; nil for no grouping.
func groupTasks(tasks []Task, group string) []TaskGroup {
	if group == "" {
		return nil
	}
	out := []TaskGroup{}
	at := map[string]int{}
	for _, t := range tasks {
		key := "s:" + t.SessionID
		g := TaskGroup{SessionID: t.SessionID, Session: t.Session}
		if group == GroupByOwner {
			key, g = "n:"+strings.ToLower(t.Owner), TaskGroup{Owner: t.Owner, OwnerSubject: t.OwnerSubject}
			if t.OwnerSubject != "" {
				key = "m:" + t.OwnerSubject
			}
		}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, g)
		}
		out[i].Tasks = append(out[i].Tasks, t)
	}
	return out
}

// ownerIndex maps the lower-case names an @name may give to the member
// of the space it names: the member's subject, their profile's display
// name with its spaces left out ("Ada Lovelace" → "adalovelace") and,
// when no other member shares it, its first word ("ada"). A subject
// wins over a name, a whole name over a first word; a name two members
// share names nobody.
func (w *Workspace) ownerIndex(ctx context.Context, space string) (map[string]string, error) {
	members, err := w.store.Members(ctx, space)
	if err != nil {
		return nil, err
	}
	// rank: 0 subject, 1 whole name, 2 first word.
	type claim struct {
		subject string
		rank    int
		shared  bool
	}
	claims := map[string]*claim{}
	add := func(key, subject string, rank int) {
		if key == "" {
			return
		}
		c, ok := claims[key]
		switch {
		case !ok || rank < c.rank:
			claims[key] = &claim{subject: subject, rank: rank}
		case rank == c.rank && c.subject != subject:
			c.shared = true
		}
	}
	for _, m := range members {
		add(strings.ToLower(m.Subject), m.Subject, 0)
		p, err := w.store.GetProfile(ctx, m.Subject)
		if err != nil {
			return nil, err
		}
		name := strings.Fields(strings.ToLower(p.Name))
		add(strings.Join(name, ""), m.Subject, 1)
		if len(name) > 1 {
			add(name[0], m.Subject, 2)
		}
	}
	out := make(map[string]string, len(claims))
	for k, c := range claims {
		if !c.shared {
			out[k] = c.subject
		}
	}
	return out, nil
}

// storedDoc reads a document as stored.
func (w *Workspace) storedDoc(ctx context.Context, doc string) (*crdt.Doc, error) {
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
	return d, nil
}
