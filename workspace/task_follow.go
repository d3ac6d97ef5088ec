package workspace

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
)

// carriedHeading heads the tasks carried into an occurrence's notes.
const carriedHeading = "From last time"

// claimFresh is how long a copy being carried (its item not yet known)
// keeps the follower from taking new items of that session as new
// tasks: the carry writes the items, then records them, well within.
const claimFresh = time.Minute

// docTask is a task item as a notes document holds it: its element's
// CRDT id ("client:clock", stable across edits), whether it is checked
// and the version of that (the id of the "checked" value, attrVersion),
// and its text (nested lists and the link back to where it was carried
// from left out, whitespace collapsed).
type docTask struct {
	Item    string
	Checked bool
	Version string
	Text    string
}

// taskScan is the task items of a notes document and the state vector
// they were read at.
type taskScan struct {
	Items []docTask
	SV    crdt.StateVector
}

// covers reports that the document read had the change version names
// ("" names none): a scan that has not is older than a write the store
// has accounted for.
func (s taskScan) covers(version string) bool {
	c, k, ok := parseItemID(strings.TrimSuffix(version, "-"))
	return !ok || s.SV[c] > k
}

// itemID names an element by its CRDT id.
func itemID(el *crdt.XmlElement) string {
	id, ok := el.ID()
	if !ok {
		return ""
	}
	return formatID(id)
}

func formatID(id crdt.ID) string {
	return strconv.FormatUint(id.Client, 10) + ":" + strconv.FormatUint(id.Clock, 10)
}

func parseItemID(s string) (client, clock uint64, ok bool) {
	a, b, found := strings.Cut(s, ":")
	c, err1 := strconv.ParseUint(a, 10, 64)
	k, err2 := strconv.ParseUint(b, 10, 64)
	return c, k, found && err1 == nil && err2 == nil
}

// attrVersion names the version of a task item's state: the CRDT id of
// its "checked" value, "-" after it if the value was removed since; ""
// for none.
func attrVersion(el *crdt.XmlElement) string {
	id, removed, ok := el.AttributeID("checked")
	switch {
	case !ok:
		return ""
	case removed:
		return formatID(id) + "-"
	}
	return formatID(id)
}

// scanTasks lists the task items of a notes document, in document
// order. It only reads d.
func scanTasks(d *crdt.Doc) taskScan {
	out := taskScan{SV: d.StateVector()}
	eachElement(d, func(el *crdt.XmlElement) bool {
		if el.Name() == "taskItem" {
			out.Items = append(out.Items, docTask{Item: itemID(el), Checked: isChecked(el), Version: attrVersion(el), Text: taskText(el)})
		}
		return true
	})
	return out
}

// eachElement calls fn for every element of d's notes, depth first,
// until fn returns false.
func eachElement(d *crdt.Doc, fn func(*crdt.XmlElement) bool) {
	var walk func(nodes []crdt.XmlNode, depth int) bool
	walk = func(nodes []crdt.XmlNode, depth int) bool {
		if depth > 100 {
			return true
		}
		for _, n := range nodes {
			if el, ok := n.(*crdt.XmlElement); ok {
				if !fn(el) || !walk(el.Children(), depth+1) {
					return false
				}
			}
		}
		return true
	}
	walk(d.GetXmlFragment("default").Children(), 0)
}

func isChecked(el *crdt.XmlElement) bool {
	v, _ := el.Attribute("checked")
	return v == true || v == "true"
}

// taskText is a task item's own text: its blocks but not the lists
// nested in it, without runs linked to a room (/s/…, the link back to
// where a carried task came from), whitespace collapsed.
func taskText(el *crdt.XmlElement) string {
	var b strings.Builder
	var text func(n crdt.XmlNode)
	text = func(n crdt.XmlNode) {
		switch x := n.(type) {
		case *crdt.XmlText:
			for _, op := range x.ToDelta() {
				s, ok := op.Insert.(string)
				if !ok || roomLink(op.Attributes) {
					continue
				}
				b.WriteString(s)
			}
		case *crdt.XmlElement:
			switch x.Name() {
			case "taskList", "bulletList", "orderedList":
				return
			}
			for _, c := range x.Children() {
				text(c)
			}
			b.WriteByte(' ')
		}
	}
	for _, c := range el.Children() {
		text(c)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// roomLink reports a run linked to a room of this server.
func roomLink(attrs crdt.Attributes) bool {
	l, ok := attrs["link"].(map[string]any)
	if !ok {
		return false
	}
	href, _ := l["href"].(string)
	return strings.HasPrefix(href, "/s/")
}

// findItem returns the task item of d named id, if it is there.
func findItem(d *crdt.Doc, id string) *crdt.XmlElement {
	var found *crdt.XmlElement
	eachElement(d, func(el *crdt.XmlElement) bool {
		if el.Name() == "taskItem" && itemID(el) == id {
			found = el
		}
		return found == nil
	})
	return found
}

// taskFollower runs the following of each session's tasks one at a
// time, on the latest scan: scans that arrive while one is followed
// replace each other.
type taskFollower struct {
	mu      sync.Mutex
	pending map[string]taskScan
	running map[string]bool
	// young are the items not yet taken as tasks, by session and item:
	// the text each had when last seen and since when.
	young map[string]map[string]youngItem
}

type youngItem struct {
	text  string
	since time.Time
}

// taskSettle is how long a new task item's text must stay the same
// before it is taken as a task (task.created carries the text typed,
// not its first letters).
const taskSettle = 2 * time.Second

// settled reports whether item of session has had text for taskSettle
// at now, remembering it as seen otherwise.
func (f *taskFollower) settled(session, item, text string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.young == nil {
		f.young = map[string]map[string]youngItem{}
	}
	m := f.young[session]
	if m == nil {
		m = map[string]youngItem{}
		f.young[session] = m
	}
	y, ok := m[item]
	if !ok || y.text != text {
		m[item] = youngItem{text, now}
		return false
	}
	return now.Sub(y.since) >= taskSettle
}

// forget drops what settled remembers of session's items but keep.
func (f *taskFollower) forget(session string, keep map[string]bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for item := range f.young[session] {
		if !keep[item] {
			delete(f.young[session], item)
		}
	}
	if len(f.young[session]) == 0 {
		delete(f.young, session)
	}
}

// OnStored is the hubs' Config.OnStored: a notes document's task items
// are read (in the room's goroutine) and followed in the background
// (followTasks).
func (w *Workspace) OnStored(doc string, d *crdt.Doc) {
	session, name, ok := strings.Cut(doc, "/")
	if !ok || name != "notes" {
		return
	}
	w.followTasks(session, scanTasks(d))
}

// followTasks hands a scan of session's notes to the session's
// follower, starting it if it is not running.
func (w *Workspace) followTasks(session string, scan taskScan) {
	f := &w.tasks
	f.mu.Lock()
	if f.pending == nil {
		f.pending, f.running = map[string]taskScan{}, map[string]bool{}
	}
	f.pending[session] = scan
	if f.running[session] {
		f.mu.Unlock()
		return
	}
	f.running[session] = true
	f.mu.Unlock()
	w.bg.Go(func() {
		wait := false
		for {
			f.mu.Lock()
			scan, ok := f.pending[session]
			delete(f.pending, session)
			if !ok && !wait {
				delete(f.running, session)
				f.mu.Unlock()
				return
			}
			f.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			var err error
			if !ok {
				// Items are settling and no store came since: look
				// again once they may have.
				time.Sleep(taskSettle)
				scan, err = w.readTasks(ctx, session)
			}
			if err == nil {
				wait, err = w.syncTasks(ctx, session, scan, true)
			}
			if err != nil {
				wait = false
				w.log.Warn("tasks not followed", "session", session, "err", err)
			}
			cancel()
		}
	})
}

// syncTasks compares a session's task items with what the store knows
// of them. A new item (with some text) becomes a task (task.created); a
// task whose item changed state changes state in the store, and the one
// that changes it there (one of however many instances and copies)
// emits task.completed for a tick and writes the state into every other
// copy (propagate). Only changes the document made count: an item whose
// state version is the one the store last accounted for is as it was,
// and a scan older than that version (a write into this copy not yet
// read) is stale for it. Items of a session a carry is writing into are
// left for the next scan; with settle, so are new items whose text has
// not stayed the same for taskSettle. It reports
// whether it left any (a later scan should look again).
func (w *Workspace) syncTasks(ctx context.Context, session string, scan taskScan, settle bool) (wait bool, err error) {
	young := map[string]bool{}
	defer func() { w.tasks.forget(session, young) }()
	if len(scan.Items) == 0 || w.hubs != nil && w.hubs.Gone(session) {
		return false, nil
	}
	sess, err := w.store.GetSession(ctx, session)
	if errors.Is(err, notes.ErrSessionNotFound) {
		return false, nil // an ad-hoc document, or a deleted session
	}
	if err != nil {
		return false, err
	}
	rows, err := w.store.TaskItems(ctx, session)
	if err != nil {
		return false, err
	}
	byItem := map[string]notes.TaskItem{}
	claimed := false
	for _, r := range rows {
		if r.Item != "" {
			byItem[r.Item] = r
		} else if w.now().Sub(r.CreatedAt) < claimFresh {
			claimed = true
		}
	}
	for _, it := range scan.Items {
		if it.Item == "" || it.Text == "" {
			continue
		}
		r, known := byItem[it.Item]
		if !known {
			if claimed {
				wait = true
				continue
			}
			if settle && !w.tasks.settled(session, it.Item, it.Text, w.now()) {
				young[it.Item], wait = true, true
				continue
			}
			t := notes.TaskItem{TaskID: uuid.NewString(), SessionID: session, Item: it.Item, Text: it.Text,
				Checked: it.Checked, Seen: it.Version, CreatedAt: w.now()}
			won, err := w.store.AddTaskItem(ctx, t)
			if err != nil {
				return wait, err
			}
			if won {
				w.emitTask(ctx, webhook.TaskCreated, sess, t)
				if t.Checked {
					w.emitTask(ctx, webhook.TaskCompleted, sess, t)
				}
			}
			continue
		}
		stateChanged := it.Version != r.Seen
		if stateChanged && !scan.covers(r.Seen) {
			continue // read before a write the store accounts for
		}
		if r.Text != it.Text || stateChanged {
			if err := w.store.SetTaskItem(ctx, r.TaskID, session, r.Item, it.Text, it.Version); err != nil {
				return wait, err
			}
			r.Text, r.Seen = it.Text, it.Version
		}
		if !stateChanged || r.Checked == it.Checked {
			continue // this document did not change the state, or changed it to the task's
		}
		changed, err := w.store.CheckTask(ctx, r.TaskID, it.Checked)
		if err != nil {
			return wait, err
		}
		if !changed {
			continue // another instance, or another copy's scan, got there first
		}
		r.Checked = it.Checked
		if it.Checked {
			w.emitTask(ctx, webhook.TaskCompleted, sess, r)
		}
		if err := w.propagate(ctx, r); err != nil {
			w.log.Warn("task state not carried to its other copies", "task", r.TaskID, "err", err)
		}
	}
	return wait, nil
}

// propagate writes t's state into every other copy of its task, as the
// server's CRDT peer through the hubs (live clients see it; a document
// nobody has open is loaded, changed and stored).
func (w *Workspace) propagate(ctx context.Context, t notes.TaskItem) error {
	copies, err := w.store.TaskCopies(ctx, t.TaskID)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range copies {
		if c.SessionID == t.SessionID || c.Item == "" || w.hubs == nil || w.hubs.Gone(c.SessionID) {
			continue
		}
		version := ""
		err := w.hubs.Do(c.SessionID+"/notes", func(d *crdt.Doc) error {
			el := findItem(d, c.Item)
			if el == nil || isChecked(el) == t.Checked {
				return nil // deleted there, or already so
			}
			if err := el.SetAttribute("checked", t.Checked); err != nil {
				return err
			}
			version = attrVersion(el)
			return nil
		})
		if err == nil && version != "" {
			// This write is no change of that copy's own.
			err = w.store.SetTaskItem(ctx, c.TaskID, c.SessionID, c.Item, c.Text, version)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("session %s: %w", c.SessionID, err))
		}
	}
	return errors.Join(errs...)
}

// TaskEventData is the "data" of a task.* event.
type TaskEventData struct {
	TaskID    string `json:"task_id"`
	SessionID string `json:"session_id"`
	Title     string `json:"session_title"`
	Text      string `json:"text"`
	Owner     string `json:"owner,omitempty"`
	// OwnerSubject is the member Owner names, if one does.
	OwnerSubject string `json:"owner_subject,omitempty"`
	Due          string `json:"due,omitempty"`
	// FromSessionID is the session the task was carried from, if it was.
	FromSessionID string            `json:"from_session_id,omitempty"`
	Links         map[string]string `json:"links"`
}

// emitTask tells the webhooks of sess's space that typ happened to its
// task t.
func (w *Workspace) emitTask(ctx context.Context, typ string, sess notes.Session, t notes.TaskItem) {
	if w.cfg.Webhooks == nil || sess.SpaceID == "" {
		return
	}
	owner, due := taskFields(t.Text)
	var subject string
	if owner != "" {
		if owners, err := w.ownerIndex(ctx, sess.SpaceID); err == nil {
			subject = owners[strings.ToLower(owner)]
		}
	}
	data := TaskEventData{
		TaskID: t.TaskID, SessionID: sess.ID, Title: sess.Title, Text: t.Text, Owner: owner, OwnerSubject: subject, Due: due,
		FromSessionID: t.Origin,
		Links: map[string]string{
			"room":  "/s/" + sess.ID,
			"notes": "/notes/" + sess.ID,
			"tasks": "/api/spaces/" + sess.SpaceID + "/tasks",
		},
	}
	if t.Origin != "" {
		data.Links["from"] = "/s/" + t.Origin
	}
	if _, err := w.cfg.Webhooks.Emit(ctx, webhook.Event{Type: typ, SpaceID: sess.SpaceID, Data: data}); err != nil {
		w.log.Warn("webhook event not stored", "session", sess.ID, "task", t.TaskID, "event", typ, "err", err)
	}
}

// carried is a task on its way into the next occurrence's notes.
type carried struct {
	notes.TaskItem
	fromLabel string
}

// claimCarry lists the open tasks of from's notes that to has no copy
// of yet and claims a copy in to for each (the store keeps one copy of
// a task per session, so however often or wherever this runs a task is
// carried once). The caller writes the claimed tasks into to's notes
// and records their items (SetTaskItem).
func (w *Workspace) claimCarry(ctx context.Context, from notes.Session, to string) ([]carried, error) {
	scan, err := w.readTasks(ctx, from.ID)
	if err != nil {
		return nil, err
	}
	// Every item of from is a task before it is carried.
	if _, err := w.syncTasks(ctx, from.ID, scan, false); err != nil {
		return nil, err
	}
	rows, err := w.store.TaskItems(ctx, from.ID)
	if err != nil {
		return nil, err
	}
	byItem := map[string]notes.TaskItem{}
	for _, r := range rows {
		byItem[r.Item] = r
	}
	label := "from " + from.Title
	if !from.ScheduledAt.IsZero() {
		label += ", " + from.ScheduledAt.In(zoneOf(from.TimeZone)).Format("2 Jan 2006")
	}
	var out []carried
	for _, it := range scan.Items {
		r, ok := byItem[it.Item]
		if !ok || it.Checked || r.Checked || it.Text == "" {
			continue
		}
		c := notes.TaskItem{TaskID: r.TaskID, SessionID: to, Origin: from.ID, Text: it.Text, CreatedAt: w.now()}
		won, err := w.store.AddTaskItem(ctx, c)
		if err != nil {
			return out, err
		}
		if won {
			out = append(out, carried{TaskItem: c, fromLabel: label})
		}
	}
	return out, nil
}

// readTasks reads the task items of session's notes: live through the
// hubs (loading the document if nobody has it open), or as stored.
func (w *Workspace) readTasks(ctx context.Context, session string) (taskScan, error) {
	doc := session + "/notes"
	if w.hubs == nil {
		d, err := w.storedDoc(ctx, doc)
		if err != nil {
			return taskScan{}, err
		}
		return scanTasks(d), nil
	}
	var scan taskScan
	err := w.hubs.Do(doc, func(d *crdt.Doc) error {
		scan = scanTasks(d)
		return nil
	})
	return scan, err
}

// writeCarried adds the carried tasks to the "From last time" list of
// a notes fragment (made before the agenda, the first level-2 heading,
// if it is not there) and records each task's item.
func writeCarried(frag *crdt.XmlFragment, tasks []carried) error {
	list, err := carriedList(frag)
	if err != nil {
		return err
	}
	for i := range tasks {
		item, err := taskItem(tasks[i].Text, "/s/"+tasks[i].Origin, tasks[i].fromLabel)
		if err == nil {
			err = list.Insert(list.Len(), item)
		}
		if err != nil {
			return err
		}
		tasks[i].Item, tasks[i].Seen = itemID(item), attrVersion(item)
	}
	return nil
}

// carriedList is the task list under the "From last time" heading of
// frag, made if it is not there (before the agenda, the first level-2
// heading, or at the end).
func carriedList(frag *crdt.XmlFragment) (*crdt.XmlElement, error) {
	kids := frag.Children()
	at, haveHeading := len(kids), false
	for i, n := range kids {
		el, ok := n.(*crdt.XmlElement)
		if !ok || el.Name() != "heading" {
			continue
		}
		if taskText(el) == carriedHeading {
			if i+1 < len(kids) {
				if l, ok := kids[i+1].(*crdt.XmlElement); ok && l.Name() == "taskList" {
					return l, nil
				}
			}
			at, haveHeading = i+1, true
			break
		}
		if lv, _ := el.Attribute("level"); at == len(kids) && fmt.Sprint(lv) == "2" {
			at = i
		}
	}
	var nodes []crdt.XmlNode
	if !haveHeading {
		h := crdt.NewXmlElement("heading")
		t := crdt.NewXmlText()
		err := h.SetAttribute("level", 2)
		if err == nil {
			err = t.Insert(0, carriedHeading, nil)
		}
		if err == nil {
			err = h.Insert(0, t)
		}
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, h)
	}
	list := crdt.NewXmlElement("taskList")
	nodes = append(nodes, list)
	if err := frag.Insert(at, nodes...); err != nil {
		return nil, err
	}
	return list, nil
}

// taskItem is an open task item of text, followed by label linked to
// href (where it came from).
func taskItem(text, href, label string) (*crdt.XmlElement, error) {
	item := crdt.NewXmlElement("taskItem")
	p := crdt.NewXmlElement("paragraph")
	t := crdt.NewXmlText()
	err := item.SetAttribute("checked", false)
	if err == nil {
		err = t.Insert(0, "("+label+")", crdt.Attributes{"link": map[string]any{"href": href}})
	}
	if err == nil {
		err = t.Insert(0, text+" ", nil)
	}
	if err == nil {
		err = p.Insert(0, t)
	}
	if err == nil {
		err = item.Insert(0, p)
	}
	return item, err
}

// recordCarried records the items the carried tasks got in to.
func (w *Workspace) recordCarried(ctx context.Context, to string, tasks []carried) error {
	var errs []error
	for _, t := range tasks {
		if t.Item != "" {
			errs = append(errs, w.store.SetTaskItem(ctx, t.TaskID, to, t.Item, t.Text, t.Seen))
		}
	}
	return errors.Join(errs...)
}

// carryInto carries the open tasks of from into the notes of to, a
// session that exists (its notes may be open): written by the server's
// CRDT peer through the hubs (without hubs, a workspace of its own,
// straight to the store).
func (w *Workspace) carryInto(ctx context.Context, from notes.Session, to string) error {
	tasks, err := w.claimCarry(ctx, from, to)
	if err != nil || len(tasks) == 0 {
		return err
	}
	write := func(d *crdt.Doc) error { return writeCarried(d.GetXmlFragment("default"), tasks) }
	if w.hubs != nil {
		err = w.hubs.Do(to+"/notes", write)
	} else {
		err = w.writeStored(ctx, to+"/notes", write)
	}
	if err != nil {
		return fmt.Errorf("carrying tasks of %s into %s: %w", from.ID, to, err)
	}
	w.log.Info("tasks carried", "from", from.ID, "to", to, "tasks", len(tasks))
	return w.recordCarried(ctx, to, tasks)
}

// writeStored changes a document as stored by appending the update fn's
// changes make.
func (w *Workspace) writeStored(ctx context.Context, doc string, fn func(*crdt.Doc) error) error {
	d, err := w.storedDoc(ctx, doc)
	if err != nil {
		return err
	}
	sv := d.EncodeStateVector()
	if err := fn(d); err != nil {
		return err
	}
	u, err := d.EncodeStateAsUpdate(sv)
	if err != nil {
		return err
	}
	return w.store.Append(ctx, doc, u)
}
