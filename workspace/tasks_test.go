package workspace

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
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

func TestSpaceTasks(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	w := New(Config{Store: store, Now: time.Now})
	alice := Caller{Subject: "alice"}
	no := false
	s1, err := w.CreateSession(ctx, alice, SessionInput{Title: ptr("First"), TimeZone: ptr("UTC"), SeedNotes: &no})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := w.CreateSession(ctx, alice, SessionInput{Title: ptr("Second"), TimeZone: ptr("UTC"), SeedNotes: &no, SpaceID: &s1.SpaceID})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Append(ctx, s1.ID+"/notes", taskNotes(t, "Send the minutes @bob by 2026-12-10", false, "Book the room", true)); err != nil {
		t.Fatal(err)
	}
	if err := store.Append(ctx, s2.ID+"/notes", taskNotes(t, "Draft the charter @carol", false)); err != nil {
		t.Fatal(err)
	}
	tasks, err := w.SpaceTasks(ctx, alice, s1.SpaceID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Task{
		"Send the minutes @bob by 2026-12-10": {SessionID: s1.ID, Owner: "bob", Due: "2026-12-10"},
		"Draft the charter @carol":            {SessionID: s2.ID, Owner: "carol"},
	}
	if len(tasks) != 2 {
		t.Fatalf("tasks = %+v", tasks)
	}
	for _, tk := range tasks {
		w, ok := want[tk.Text]
		if !ok || tk.SessionID != w.SessionID || tk.Owner != w.Owner || tk.Due != w.Due || tk.Link != "/s/"+tk.SessionID {
			t.Errorf("task %+v, want %+v", tk, w)
		}
	}
	if _, err := w.SpaceTasks(ctx, Caller{Subject: "mallory"}, s1.SpaceID); !errors.Is(err, ErrNotFound) {
		t.Errorf("an outsider listed the tasks: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
