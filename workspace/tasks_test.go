package workspace

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/ical"
	"github.com/cocreate/cocreate/notes"
)

// taskNotes is a notes update with a task list of (text, checked) items.
func taskNotes(t *testing.T, items ...any) []byte {
	t.Helper()
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 77})
	frag := d.GetXmlFragment("default")
	list := crdt.NewXmlElement("taskList")
	if err := frag.Insert(0, list); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(items); i += 2 {
		item := crdt.NewXmlElement("taskItem")
		p := crdt.NewXmlElement("paragraph")
		txt := crdt.NewXmlText()
		if err := list.Insert(list.Len(), item); err != nil {
			t.Fatal(err)
		}
		if err := item.SetAttribute("checked", items[i+1].(bool)); err != nil {
			t.Fatal(err)
		}
		if err := item.Insert(0, p); err != nil {
			t.Fatal(err)
		}
		if err := p.Insert(0, txt); err != nil {
			t.Fatal(err)
		}
		if err := txt.Insert(0, items[i].(string), nil); err != nil {
			t.Fatal(err)
		}
	}
	u, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSpaceTasks: the open tasks of a space's sessions, each @name
// resolved to the member it names (by subject, by display name, by a
// first name only one member has; a name nobody or two members have
// stays unresolved), grouped by owner and by session on request.
func TestSpaceTasks(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	w := New(Config{Store: store, Now: time.Now})
	alice := Caller{Subject: "alice"}
	s1, s2 := twoSessions(t, w, alice)
	for sub, name := range map[string]string{"u-bob": "Bob Marley", "u-carol": "Carol King", "u-carl": "Carol Danvers", "alice": ""} {
		if sub != "alice" {
			if err := store.SetMember(ctx, s1.SpaceID, sub, notes.SpaceMember); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.PutProfile(ctx, notes.Profile{Subject: sub, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Append(ctx, s1.ID+"/notes", taskNotes(t, "Send the minutes @Bob by 2026-12-10", false, "Book the room", true,
		"Ask @ALICE", false)); err != nil {
		t.Fatal(err)
	}
	if err := store.Append(ctx, s2.ID+"/notes", taskNotes(t, "Draft the charter @carol", false, "Sing @CarolKing", false,
		"Call @bobmarley", false, "Tell @zed", false)); err != nil {
		t.Fatal(err)
	}
	tasks, groups, err := w.SpaceTasks(ctx, alice, s1.SpaceID, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Task{
		"Send the minutes @Bob by 2026-12-10": {SessionID: s1.ID, Owner: "Bob", OwnerSubject: "u-bob", Due: "2026-12-10"},
		"Ask @ALICE":                          {SessionID: s1.ID, Owner: "ALICE", OwnerSubject: "alice"},
		"Draft the charter @carol":            {SessionID: s2.ID, Owner: "carol"}, // two Carols
		"Sing @CarolKing":                     {SessionID: s2.ID, Owner: "CarolKing", OwnerSubject: "u-carol"},
		"Call @bobmarley":                     {SessionID: s2.ID, Owner: "bobmarley", OwnerSubject: "u-bob"},
		"Tell @zed":                           {SessionID: s2.ID, Owner: "zed"},
	}
	if len(tasks) != len(want) || groups != nil {
		t.Fatalf("tasks = %+v, groups %+v", tasks, groups)
	}
	for _, tk := range tasks {
		w, ok := want[tk.Text]
		if !ok || tk.SessionID != w.SessionID || tk.Owner != w.Owner || tk.OwnerSubject != w.OwnerSubject || tk.Due != w.Due || tk.Link != "/s/"+tk.SessionID {
			t.Errorf("task %+v, want %+v", tk, w)
		}
	}
	_, byOwner, err := w.SpaceTasks(ctx, alice, s1.SpaceID, GroupByOwner)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, g := range byOwner {
		key := g.OwnerSubject
		if key == "" {
			key = "@" + g.Owner
		}
		count[key] += len(g.Tasks)
	}
	if len(byOwner) != 5 || count["u-bob"] != 2 || count["alice"] != 1 || count["@zed"] != 1 || count["@carol"] != 1 {
		t.Errorf("by owner: %+v", count)
	}
	_, bySession, err := w.SpaceTasks(ctx, alice, s1.SpaceID, GroupBySession)
	if err != nil || len(bySession) != 2 || len(bySession[0].Tasks)+len(bySession[1].Tasks) != 6 {
		t.Errorf("by session: %+v %v", bySession, err)
	}
	if _, _, err := w.SpaceTasks(ctx, alice, s1.SpaceID, "colour"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad grouping: %v", err)
	}
	if _, _, err := w.SpaceTasks(ctx, Caller{Subject: "mallory"}, s1.SpaceID, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("an outsider listed the tasks: %v", err)
	}
}

// TestCarryTasks: when the next occurrence of a weekly series is made,
// the open tasks of the one before are in its notes under "From last
// time", each linked to the room it came from, as copies of the same
// task; carrying again (the previous one ends, the next starts) adds
// none.
func TestCarryTasks(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	clk := &clock{t: time.Date(2026, 10, 10, 9, 0, 0, 0, time.UTC)}
	w := seriesWorkspace(store, clk)
	alice := Caller{Subject: "alice", Name: "Alice"}
	first := time.Date(2026, 10, 13, 15, 0, 0, 0, time.UTC)
	v, err := w.CreateSeries(ctx, alice, SeriesInput{
		Title: "Weekly", TimeZone: "Europe/Berlin", Start: first, Rule: ical.Rule{Freq: ical.Weekly, Count: 4},
		Agenda: []notes.AgendaItem{{ID: "a1", Title: "News", Minutes: 30}},
	})
	if err != nil || len(v.Occurrences) != 1 {
		t.Fatalf("series: %+v %v", v, err)
	}
	one := v.Occurrences[0].SessionID
	if err := store.Append(ctx, one+"/notes", taskNotes(t, "Send the minutes @alice", false, "Book the room", true)); err != nil {
		t.Fatal(err)
	}
	clk.set(first.Add(2 * time.Hour))
	if err := w.MaterialiseSeries(ctx); err != nil {
		t.Fatal(err)
	}
	v, err = w.GetSeries(ctx, alice, v.ID)
	if err != nil || len(v.Occurrences) != 2 {
		t.Fatalf("second occurrence: %+v %v", v.Occurrences, err)
	}
	two := v.Occurrences[1].SessionID
	md := notesMarkdown(t, store, two)
	if !strings.Contains(md, "## From last time\n\n- [ ] Send the minutes @alice [(from Weekly, 13 Oct 2026)](/s/"+one+")") ||
		strings.Contains(md, "Book the room") || strings.Index(md, "From last time") > strings.Index(md, "## News") {
		t.Fatalf("the second occurrence's notes:\n%s", md)
	}
	check := func() {
		t.Helper()
		d, err := w.storedDoc(ctx, two+"/notes")
		if err != nil {
			t.Fatal(err)
		}
		items := scanTasks(d).Items
		if len(items) != 1 || items[0].Text != "Send the minutes @alice" || items[0].Checked {
			t.Fatalf("tasks of the second occurrence: %+v", items)
		}
		rows, err := store.TaskItems(ctx, two)
		if err != nil || len(rows) != 1 || rows[0].Item != items[0].Item || rows[0].Seen != items[0].Version || rows[0].Origin != one {
			t.Fatalf("copies in the second occurrence: %+v %v", rows, err)
		}
		orig, err := store.TaskItems(ctx, one)
		if err != nil || len(orig) != 2 {
			t.Fatalf("tasks of the first occurrence: %+v %v", orig, err)
		}
		copies, err := store.TaskCopies(ctx, rows[0].TaskID)
		if err != nil || len(copies) != 2 || (copies[0].SessionID == one) == (copies[1].SessionID == one) {
			t.Fatalf("copies of the task: %+v %v", copies, err)
		}
	}
	check()
	w.carryAlong(ctx, one, true)  // the first ends
	w.carryAlong(ctx, two, false) // the second starts
	if err := w.MaterialiseSeries(ctx); err != nil {
		t.Fatal(err)
	}
	check()
	tasks, _, err := w.SpaceTasks(ctx, alice, v.SpaceID, "")
	if err != nil || len(tasks) != 2 || tasks[0].TaskID == "" || tasks[0].TaskID != tasks[1].TaskID {
		t.Fatalf("space tasks: %+v %v", tasks, err)
	}
	for _, tk := range tasks {
		if (tk.SessionID == two) != (tk.FromSessionID == one) {
			t.Errorf("task %+v: from %q", tk, tk.FromSessionID)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// twoSessions makes two sessions of c's, "First" and "Second", in one
// space, with empty notes.
func twoSessions(t *testing.T, w *Workspace, c Caller) (SessionView, SessionView) {
	t.Helper()
	no := false
	s1, err := w.CreateSession(t.Context(), c, SessionInput{Title: ptr("First"), TimeZone: ptr("UTC"), SeedNotes: &no})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := w.CreateSession(t.Context(), c, SessionInput{Title: ptr("Second"), TimeZone: ptr("UTC"), SeedNotes: &no, SpaceID: &s1.SpaceID})
	if err != nil {
		t.Fatal(err)
	}
	return s1, s2
}

// TestTaskTickEverywhere: a tick in one copy of a carried task ticks
// the other through the hubs, once; a read of the other copy taken
// before that write (a stale scan) changes nothing, and the copy's own
// later untick reopens the task in both.
func TestTaskTickEverywhere(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	hubs := hub.New(hub.Config{Store: store, FlushInterval: 10 * time.Millisecond})
	w := New(Config{Store: store, Hubs: hubs, Now: time.Now})
	t.Cleanup(func() {
		hubs.Close(context.Background())
		w.Wait()
	})
	one, two := twoSessions(t, w, Caller{Subject: "alice"})
	if err := store.Append(ctx, one.ID+"/notes", taskNotes(t, "Send the minutes", false)); err != nil {
		t.Fatal(err)
	}
	oneSess, _ := store.GetSession(ctx, one.ID)
	if err := w.carryInto(ctx, oneSess, two.ID); err != nil {
		t.Fatal(err)
	}
	read := func(session string) taskScan {
		t.Helper()
		s, err := w.readTasks(ctx, session)
		if err != nil || len(s.Items) != 1 {
			t.Fatalf("tasks of %s: %+v %v", session, s, err)
		}
		return s
	}
	sync := func(session string, s taskScan) {
		t.Helper()
		if _, err := w.syncTasks(ctx, session, s, false); err != nil {
			t.Fatal(err)
		}
	}
	set := func(session string, done bool) {
		t.Helper()
		err := hubs.Do(session+"/notes", func(d *crdt.Doc) error {
			return findItem(d, scanTasks(d).Items[0].Item).SetAttribute("checked", done)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	stale := read(two.ID)
	set(one.ID, true)
	sync(one.ID, read(one.ID))
	if !read(two.ID).Items[0].Checked {
		t.Fatal("the tick did not reach the copy")
	}
	sync(two.ID, stale) // read before the tick was written there
	if !read(one.ID).Items[0].Checked || !read(two.ID).Items[0].Checked {
		t.Fatal("a stale read reopened the task")
	}
	sync(one.ID, read(one.ID))
	sync(two.ID, read(two.ID))
	if !read(one.ID).Items[0].Checked || !read(two.ID).Items[0].Checked {
		t.Fatal("reading the ticked copies reopened the task")
	}
	rows, _ := store.TaskItems(ctx, one.ID)
	if len(rows) != 1 || !rows[0].Checked {
		t.Fatalf("the task in the store: %+v", rows)
	}
	set(two.ID, false)
	sync(two.ID, read(two.ID))
	if read(one.ID).Items[0].Checked {
		t.Fatal("unticking the copy did not reopen the original")
	}
}
