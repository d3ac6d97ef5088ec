package notes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TaskItem is one copy of a task in one session's notes: the task item
// element (Item, its CRDT id "client:clock"; "" while a copy is being
// written) that stands for task TaskID there. A task written in a
// session has one copy; each carry into a later occurrence adds one,
// with Origin the session it was carried from. Checked is the task's
// last known state, the same in every copy; Seen is the version of the
// item's state in this copy's document last accounted for (the CRDT id
// of its "checked" value), so a change is the document's own.
type TaskItem struct {
	TaskID    string    `json:"task_id"`
	SessionID string    `json:"session_id"`
	Item      string    `json:"item"`
	Origin    string    `json:"origin,omitempty"`
	Text      string    `json:"text"`
	Checked   bool      `json:"checked"`
	Seen      string    `json:"seen"`
	CreatedAt time.Time `json:"created_at"`
}

// TaskStore keeps the identity of tasks across sessions' notes.
// MemoryStore, SQLiteStore and PostgresStore implement it.
type TaskStore interface {
	// AddTaskItem stores a copy unless the session already has one of
	// the task or a copy with the same Item; it reports whether it did.
	// Across instances sharing one database one of two adds wins.
	AddTaskItem(ctx context.Context, t TaskItem) (bool, error)
	// SetTaskItem sets the Item, Text and Seen of the task's copy in
	// session.
	SetTaskItem(ctx context.Context, task, session, item, text, seen string) error
	// TaskItems lists a session's copies, oldest first.
	TaskItems(ctx context.Context, session string) ([]TaskItem, error)
	// TaskCopies lists every copy of a task, oldest first.
	TaskCopies(ctx context.Context, task string) ([]TaskItem, error)
	// CheckTask sets the state of every copy of the task and reports
	// whether it changed: of concurrent calls with one state, one sees
	// the change.
	CheckTask(ctx context.Context, task string, checked bool) (bool, error)
}

var (
	_ TaskStore = (*SQLiteStore)(nil)
	_ TaskStore = (*PostgresStore)(nil)
	_ TaskStore = (*MemoryStore)(nil)
)

const (
	taskCols     = `task_id, session_id, item, origin, text, checked, seen, created_ns`
	qAddTaskItem = `INSERT INTO task_items (` + taskCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`
	qSetTaskItem = `UPDATE task_items SET item = $3, text = $4, seen = $5 WHERE task_id = $1 AND session_id = $2`
	qTaskItems   = `SELECT ` + taskCols + ` FROM task_items WHERE session_id = $1 ORDER BY created_ns, task_id`
	qTaskCopies  = `SELECT ` + taskCols + ` FROM task_items WHERE task_id = $1 ORDER BY created_ns, session_id`
	qCheckTask   = `UPDATE task_items SET checked = $2 WHERE task_id = $1 AND checked <> $2`
	qDelTaskOf   = `DELETE FROM task_items WHERE session_id = $1`
	qDelRSVPsOf  = `DELETE FROM rsvps WHERE session_id = $1`

	qTombstones      = `SELECT record, deleted_ns FROM session_tombstones WHERE space_id = $1 AND deleted_ns >= $2 ORDER BY deleted_ns DESC LIMIT $3`
	qPruneTombFeeds  = `DELETE FROM feed_tokens WHERE kind = 'session' AND target IN (SELECT id FROM session_tombstones WHERE deleted_ns < $1)`
	qPruneTombstones = `DELETE FROM session_tombstones WHERE deleted_ns < $1`
)

// sessionPulseDeletes are what DeleteSession removes of a session
// besides its record and documents (in its transaction): its RSVPs
// and its task copies.
var sessionPulseDeletes = []string{qDelRSVPsOf, qDelTaskOf}

func scanTaskItem(r scanner) (TaskItem, error) {
	var t TaskItem
	var checked, created int64
	err := r.Scan(&t.TaskID, &t.SessionID, &t.Item, &t.Origin, &t.Text, &checked, &t.Seen, &created)
	t.Checked, t.CreatedAt = checked != 0, time.Unix(0, created).UTC()
	return t, err
}

func scanTombstone(r scanner) (Session, error) {
	var rec string
	var deleted int64
	if err := r.Scan(&rec, &deleted); err != nil {
		return Session{}, err
	}
	s, _, err := parseTombstone(rec, deleted)
	return s, err
}

func bit(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// AddTaskItem implements TaskStore.
func (s *sqlStore) AddTaskItem(ctx context.Context, t TaskItem) (bool, error) {
	n, err := s.conn.exec(ctx, qAddTaskItem, t.TaskID, t.SessionID, t.Item, t.Origin, t.Text, bit(t.Checked), t.Seen, t.CreatedAt.UnixNano())
	return n == 1, wrapErr("task item", t.SessionID, err)
}

// SetTaskItem implements TaskStore.
func (s *sqlStore) SetTaskItem(ctx context.Context, task, session, item, text, seen string) error {
	_, err := s.conn.exec(ctx, qSetTaskItem, task, session, item, text, seen)
	return wrapErr("task item", session, err)
}

// TaskItems implements TaskStore.
func (s *sqlStore) TaskItems(ctx context.Context, session string) ([]TaskItem, error) {
	return queryAll(ctx, s.conn, "task items of session "+session, scanTaskItem, qTaskItems, session)
}

// TaskCopies implements TaskStore.
func (s *sqlStore) TaskCopies(ctx context.Context, task string) ([]TaskItem, error) {
	return queryAll(ctx, s.conn, "copies of task "+task, scanTaskItem, qTaskCopies, task)
}

// CheckTask implements TaskStore.
func (s *sqlStore) CheckTask(ctx context.Context, task string, checked bool) (bool, error) {
	n, err := s.conn.exec(ctx, qCheckTask, task, bit(checked))
	if err != nil {
		return false, fmt.Errorf("check task %s: %w", task, err)
	}
	return n > 0, nil
}

// Tombstones implements Pulse.
func (s *sqlStore) Tombstones(ctx context.Context, space string, since time.Time, limit int) ([]Session, error) {
	return queryAll(ctx, s.conn, "tombstones of space "+space, scanTombstone, qTombstones, space, since.UnixNano(), limit)
}

// PruneTombstones implements Pulse.
func (s *sqlStore) PruneTombstones(ctx context.Context, before time.Time) (int, error) {
	_, err := s.conn.exec(ctx, qPruneTombFeeds, before.UnixNano())
	var n int64
	if err == nil {
		n, err = s.conn.exec(ctx, qPruneTombstones, before.UnixNano())
	}
	if err != nil {
		return 0, fmt.Errorf("prune tombstones: %w", err)
	}
	return int(n), nil
}

// memTasks are MemoryStore's task copies, by session then task.
type memTasks map[string]map[string]TaskItem

// AddTaskItem implements TaskStore.
func (s *MemoryStore) AddTaskItem(_ context.Context, t TaskItem) (bool, error) {
	if err := s.lock(); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	p := s.pulseLocked()
	if p.tasks == nil {
		p.tasks = memTasks{}
	}
	for _, o := range p.tasks[t.SessionID] {
		if o.TaskID == t.TaskID || (t.Item != "" && o.Item == t.Item) {
			return false, nil
		}
	}
	if p.tasks[t.SessionID] == nil {
		p.tasks[t.SessionID] = map[string]TaskItem{}
	}
	t.CreatedAt = t.CreatedAt.UTC()
	p.tasks[t.SessionID][t.TaskID] = t
	return true, nil
}

// SetTaskItem implements TaskStore.
func (s *MemoryStore) SetTaskItem(_ context.Context, task, session, item, text, seen string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if t, ok := s.pulseLocked().tasks[session][task]; ok {
		t.Item, t.Text, t.Seen = item, text, seen
		s.pulse.tasks[session][task] = t
	}
	return nil
}

// TaskItems implements TaskStore.
func (s *MemoryStore) TaskItems(_ context.Context, session string) ([]TaskItem, error) {
	return s.memTaskItems(func(t TaskItem) bool { return t.SessionID == session })
}

// TaskCopies implements TaskStore.
func (s *MemoryStore) TaskCopies(_ context.Context, task string) ([]TaskItem, error) {
	return s.memTaskItems(func(t TaskItem) bool { return t.TaskID == task })
}

func (s *MemoryStore) memTaskItems(keep func(TaskItem) bool) ([]TaskItem, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := []TaskItem{}
	for _, m := range s.pulseLocked().tasks {
		for _, t := range m {
			if keep(t) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b TaskItem) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.SessionID+a.TaskID, b.SessionID+b.TaskID)
	})
	return out, nil
}

// CheckTask implements TaskStore.
func (s *MemoryStore) CheckTask(_ context.Context, task string, checked bool) (bool, error) {
	if err := s.lock(); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	changed := false
	for _, m := range s.pulseLocked().tasks {
		if t, ok := m[task]; ok && t.Checked != checked {
			t.Checked = checked
			m[task], changed = t, true
		}
	}
	return changed, nil
}
