package workspace

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/ical"
	"github.com/cocreate/cocreate/internal/ical/icaltest"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/notes/render"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// seriesWorkspace is a workspace on store with a settable clock; series
// need no live documents.
func seriesWorkspace(store Store, clk *clock) *Workspace {
	return New(Config{Store: store, Now: clk.now})
}

func notesMarkdown(t *testing.T, store Store, session string) string {
	t.Helper()
	st, err := store.Load(t.Context(), session+"/notes")
	if err != nil || len(st.Updates) != 1 {
		t.Fatalf("notes of %s: %d updates, %v (want the one seed)", session, len(st.Updates), err)
	}
	n, err := render.ReadNotesUpdate(st.Updates[0])
	if err != nil {
		t.Fatal(err)
	}
	return n.Markdown()
}

// A weekly 15:00 Europe/Berlin series: occurrences come into being a
// week ahead as the clock moves, each at 15:00 Berlin across the
// October switch; one is cancelled alone before it exists, one moved
// alone; each occurrence's notes link the previous and next; the feed,
// parsed by ical.js, agrees.
func TestSeriesAcrossDST(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	clk := &clock{t: time.Date(2026, 10, 10, 9, 0, 0, 0, time.UTC)}
	w := seriesWorkspace(store, clk)
	alice := Caller{Subject: "alice", Name: "Alice"}
	first := time.Date(2026, 10, 13, 15, 0, 0, 0, berlin)
	v, err := w.CreateSeries(ctx, alice, SeriesInput{
		Title: "Community call", TimeZone: "Europe/Berlin", Start: first,
		Rule:          ical.Rule{Freq: ical.Weekly, Count: 6},
		Agenda:        []notes.AgendaItem{{ID: "a1", Title: "News", Minutes: 15}, {ID: "a2", Title: "Open tasks", Minutes: 30}},
		NotesSkeleton: "Decisions:\nTasks:",
	})
	if err != nil {
		t.Fatal(err)
	}
	if v.RRule != "FREQ=WEEKLY;BYDAY=TU;COUNT=6" || len(v.Occurrences) != 1 || !v.Occurrences[0].Slot.Equal(first) {
		t.Fatalf("created: %s %+v", v.RRule, v.Occurrences)
	}
	slot := func(d int) time.Time { return first.AddDate(0, 0, 7*d) }
	// Cancel the fifth (Nov 10) alone, long before it exists.
	if _, err := w.CancelOccurrence(ctx, alice, v.ID, slot(4)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.CancelOccurrence(ctx, alice, v.ID, slot(4).Add(time.Hour)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a slot off the rule was cancelled: %v", err)
	}
	// Bob is not in the series' space: it does not exist for him.
	if _, err := w.CancelOccurrence(ctx, Caller{Subject: "bob"}, v.ID, slot(2)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bob cancelled alice's occurrence: %v", err)
	}
	if _, err := w.SeriesCalendar(ctx, Caller{Subject: "bob"}, v.ID, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bob read alice's series feed: %v", err)
	}
	// The clock moves a week at a time; each round makes what is due.
	for d := range 6 {
		clk.set(slot(d).Add(-2 * 24 * time.Hour))
		if err := w.MaterialiseSeries(ctx); err != nil {
			t.Fatal(err)
		}
	}
	occs, _ := store.Occurrences(ctx, v.ID)
	if len(occs) != 6 {
		t.Fatalf("%d occurrences, want 6: %+v", len(occs), occs)
	}
	wantUTC := []int{13, 13, 14, 14, 14, 14} // CEST, then CET from Oct 25
	for i, o := range occs {
		if o.Cancelled != (i == 4) || (o.SessionID == "") != (i == 4) {
			t.Errorf("occurrence %d = %+v", i, o)
			continue
		}
		if i == 4 {
			continue
		}
		sess, err := store.GetSession(ctx, o.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		local := sess.ScheduledAt.In(berlin)
		if local.Hour() != 15 || local.Minute() != 0 || sess.ScheduledAt.Hour() != wantUTC[i] || sess.TimeZone != "Europe/Berlin" ||
			sess.Title != "Community call" || len(sess.Agenda) != 2 || sess.Host != "alice" {
			t.Errorf("occurrence %d: %+v (Berlin %s)", i, sess, local)
		}
	}
	// Links: the third links the second and fourth; the fourth skips the
	// cancelled fifth and links the sixth.
	md := notesMarkdown(t, store, occs[2].SessionID)
	for _, want := range []string{"# Community call", "[Previous meeting](/s/" + occs[1].SessionID + ")",
		"[Next meeting](/s/" + occs[3].SessionID + ")", "## News", "Decisions:", "Tasks:"} {
		if !strings.Contains(md, want) {
			t.Errorf("third occurrence's notes lack %q:\n%s", want, md)
		}
	}
	if md := notesMarkdown(t, store, occs[3].SessionID); !strings.Contains(md, "[Next meeting](/s/"+occs[5].SessionID+")") {
		t.Errorf("fourth occurrence's notes do not skip the cancelled one:\n%s", md)
	}
	if md := notesMarkdown(t, store, occs[5].SessionID); strings.Contains(md, "Next meeting") {
		t.Errorf("the last occurrence links a next one:\n%s", md)
	}

	// Move the fourth (Nov 3) alone to Wednesday 16:30.
	moved := time.Date(2026, 11, 4, 16, 30, 0, 0, berlin)
	if _, err := w.UpdateSession(ctx, alice, occs[3].SessionID, SessionInput{ScheduledAt: &moved}); err != nil {
		t.Fatal(err)
	}
	feed, err := w.SeriesCalendar(ctx, alice, v.ID, "https://cc.example")
	if err != nil {
		t.Fatal(err)
	}
	r := icaltest.Parse(t, feed, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		"Europe/Berlin", "America/New_York", "Asia/Tokyo")
	want := []struct{ berlin, ny, status string }{
		{"2026-10-13 15:00", "2026-10-13 09:00", "CONFIRMED"},
		{"2026-10-20 15:00", "2026-10-20 09:00", "CONFIRMED"},
		{"2026-10-27 15:00", "2026-10-27 10:00", "CONFIRMED"},
		{"2026-11-04 16:30", "2026-11-04 10:30", "CONFIRMED"},
		{"2026-11-10 15:00", "2026-11-10 09:00", "CANCELLED"},
		{"2026-11-17 15:00", "2026-11-17 09:00", "CONFIRMED"},
	}
	if len(r.Occurrences) != len(want) {
		t.Fatalf("ical.js expanded %d occurrences: %+v", len(r.Occurrences), r.Occurrences)
	}
	for i, w := range want {
		o := r.Occurrences[i]
		if o.Local["Europe/Berlin"] != w.berlin || o.Local["America/New_York"] != w.ny || o.Status != w.status {
			t.Errorf("feed occurrence %d = %+v, want %+v", i, o, w)
		}
		if o.RecurrenceID != slot(i).UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("feed occurrence %d slot %s, want %s", i, o.RecurrenceID, slot(i).UTC())
		}
	}
	// Nothing more to make: the series has ended.
	clk.set(slot(6))
	if err := w.MaterialiseSeries(ctx); err != nil {
		t.Fatal(err)
	}
	if occs, _ := store.Occurrences(ctx, v.ID); len(occs) != 6 {
		t.Errorf("after the end, %d occurrences", len(occs))
	}
}

// Two instances (two workspaces on one store) materialising at once make
// each occurrence once, and seed its notes once.
func TestSeriesMaterialisedOnce(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	w1, w2 := seriesWorkspace(store, clk), seriesWorkspace(store, clk)
	w1.cfg.SeriesLookahead = 60 * 24 * time.Hour
	w2.cfg.SeriesLookahead = w1.cfg.SeriesLookahead
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	v, err := w1.CreateSeries(ctx, Caller{Subject: "kenji"}, SeriesInput{Title: "Monthly", TimeZone: "Asia/Tokyo",
		Start: time.Date(2026, 12, 1, 20, 0, 0, 0, tokyo), Rule: ical.Rule{Freq: ical.Monthly, Week: 1}})
	if err != nil {
		t.Fatal(err)
	}
	clk.set(time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC))
	var wg sync.WaitGroup
	for _, w := range []*Workspace{w1, w2, w1, w2} {
		wg.Go(func() {
			if err := w.MaterialiseSeries(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	occs, _ := store.Occurrences(ctx, v.ID)
	var days []string
	for _, o := range occs {
		days = append(days, o.Slot.In(tokyo).Format("2006-01-02 15:04"))
		notesMarkdown(t, store, o.SessionID) // exactly one seed
	}
	// First Tuesdays: Dec 1 and Jan 5 at creation (60 days ahead), then,
	// from Jan 20, Feb 2 and Mar 2 — made by the racing instances.
	if strings.Join(days, "|") != "2026-12-01 20:00|2027-01-05 20:00|2027-02-02 20:00|2027-03-02 20:00" {
		t.Errorf("occurrences %v", days)
	}
}

func TestSeriesBadInput(t *testing.T) {
	ctx := context.Background()
	w := seriesWorkspace(notes.NewMemoryStore(), &clock{t: time.Now()})
	good := SeriesInput{Title: "T", TimeZone: "Europe/Berlin", Start: time.Date(2026, 10, 13, 13, 0, 0, 0, time.UTC), Rule: ical.Rule{Freq: ical.Weekly}}
	for name, edit := range map[string]func(*SeriesInput){
		"no zone":         func(in *SeriesInput) { in.TimeZone = "" },
		"unknown zone":    func(in *SeriesInput) { in.TimeZone = "Mars/Olympus" },
		"no start":        func(in *SeriesInput) { in.Start = time.Time{} },
		"bad rule":        func(in *SeriesInput) { in.Rule.Freq = "DAILY" },
		"not 1st Tue":     func(in *SeriesInput) { in.Rule = ical.Rule{Freq: ical.Monthly, Week: 1} },
		"empty title":     func(in *SeriesInput) { in.Title = "" },
		"huge skeleton":   func(in *SeriesInput) { in.NotesSkeleton = strings.Repeat("x", maxSkeleton+1) },
		"bad agenda":      func(in *SeriesInput) { in.Agenda = []notes.AgendaItem{{ID: "", Title: "x"}} },
		"count and until": func(in *SeriesInput) { in.Rule.Count, in.Rule.Until = 2, in.Start.AddDate(0, 1, 0) },
	} {
		in := good
		edit(&in)
		if _, err := w.CreateSeries(ctx, Caller{Subject: "a"}, in); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if all, _ := w.store.AllSeries(ctx); len(all) != 0 {
		t.Errorf("bad input stored %d series", len(all))
	}
	if _, err := w.GetSeries(ctx, Caller{Subject: "a"}, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown series: %v", err)
	}
}

// Ending an occurrence makes the next one at once, before any
// background round.
func TestSeriesNextWhenOccurrenceEnds(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	hubs := hub.New(hub.Config{Store: store, FlushInterval: 10 * time.Millisecond})
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	w := New(Config{Store: store, Hubs: hubs, BallotKey: []byte("k"), Now: clk.now, SeriesLookahead: time.Minute})
	t.Cleanup(func() {
		hubs.Close(context.Background())
		w.Wait()
	})
	alice := Caller{Subject: "alice"}
	first := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	v, err := w.CreateSeries(ctx, alice, SeriesInput{Title: "Evening", TimeZone: "UTC", Start: first, Rule: ical.Rule{Freq: ical.Weekly, Interval: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Occurrences) != 1 {
		t.Fatalf("at creation: %+v", v.Occurrences)
	}
	clk.set(first.Add(10 * time.Minute))
	id := v.Occurrences[0].SessionID
	if _, err := w.SetState(ctx, alice, id, notes.StateLive); err != nil {
		t.Fatal(err)
	}
	if occs, _ := store.Occurrences(ctx, v.ID); len(occs) != 1 {
		t.Fatalf("a second occurrence before the first ended: %+v", occs)
	}
	clk.set(first.Add(50 * time.Minute))
	if _, err := w.SetState(ctx, alice, id, notes.StateEnded); err != nil {
		t.Fatal(err)
	}
	occs, _ := store.Occurrences(ctx, v.ID)
	if len(occs) != 2 || !occs[1].Slot.Equal(first.AddDate(0, 0, 14)) {
		t.Fatalf("after the first ended: %+v", occs)
	}
	if _, err := store.GetSession(ctx, occs[1].SessionID); err != nil {
		t.Fatalf("the next occurrence's session: %v", err)
	}
}
