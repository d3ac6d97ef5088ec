package notes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/ical"
)

// TestPulseConformance runs the Pulse suite against every backend.
func TestPulseConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("feeds", func(t *testing.T) { testFeeds(t, b.fresh(t)(t).(Pulse)) })
			t.Run("tombstones", func(t *testing.T) { testTombstones(t, b.fresh(t)(t).(Pulse)) })
			t.Run("deliveries", func(t *testing.T) { testDeliveries(t, b.fresh(t)(t).(Pulse)) })
			t.Run("claims across instances", func(t *testing.T) { testClaimsAcross(t, b) })
		})
	}
}

func testFeeds(t *testing.T, p Pulse) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i, f := range []Feed{
		{ID: "f1", Subject: "alice", Kind: "session", Target: "s1", CreatedAt: t0},
		{ID: "f2", Subject: "alice", Kind: "space", Target: "sp1", CreatedAt: t0.Add(time.Second)},
		{ID: "f3", Subject: "bob", Kind: "session", Target: "s1", CreatedAt: t0},
	} {
		if err := p.CreateFeed(ctx, f, fmt.Sprintf("hash%d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.CreateFeed(ctx, Feed{ID: "f4", Subject: "eve", CreatedAt: t0}, "hash1"); err == nil {
		t.Fatal("a second feed with the same secret hash was stored")
	}
	f, err := p.FeedByHash(ctx, "hash2")
	if err != nil || f.ID != "f2" || f.Subject != "alice" || f.Kind != "space" || f.Target != "sp1" || !f.CreatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("FeedByHash = %+v, %v", f, err)
	}
	if _, err := p.FeedByHash(ctx, "nope"); !errors.Is(err, ErrFeedNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	fs, err := p.Feeds(ctx, "alice")
	if err != nil || len(fs) != 2 || fs[0].ID != "f1" || fs[1].ID != "f2" {
		t.Fatalf("Feeds(alice) = %+v, %v", fs, err)
	}
	if err := p.DeleteFeed(ctx, "bob", "f1"); !errors.Is(err, ErrFeedNotFound) {
		t.Fatalf("bob revoked alice's feed: %v", err)
	}
	if err := p.DeleteFeed(ctx, "alice", "f1"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.FeedByHash(ctx, "hash1"); !errors.Is(err, ErrFeedNotFound) {
		t.Fatalf("revoked feed still found: %v", err)
	}
	if fs, _ := p.Feeds(ctx, "alice"); len(fs) != 1 {
		t.Fatalf("after revoking, alice has %d feeds", len(fs))
	}
}

func testTombstones(t *testing.T, p Pulse) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := Session{ID: "gone", Title: "Weekly", TimeZone: "Europe/Berlin", ScheduledAt: at.Add(time.Hour), SpaceID: "sp", Revision: 7, State: StateScheduled}
	if err := p.PutTombstone(ctx, s, at); err != nil {
		t.Fatal(err)
	}
	got, when, err := p.Tombstone(ctx, "gone")
	if err != nil || got.Title != "Weekly" || got.Revision != 7 || got.TimeZone != "Europe/Berlin" || !got.ScheduledAt.Equal(s.ScheduledAt) || !when.Equal(at) {
		t.Fatalf("Tombstone = %+v %v %v", got, when, err)
	}
	if _, _, err := p.Tombstone(ctx, "other"); !errors.Is(err, ErrTombstoneNotFound) {
		t.Fatalf("unknown tombstone: %v", err)
	}
	// A space's recent tombstones, latest first; pruning forgets the old
	// ones and the session feed tokens of them, nothing else.
	for i, id := range []string{"old", "newer", "newest"} {
		if err := p.PutTombstone(ctx, Session{ID: id, Title: id, SpaceID: "sp"}, at.Add(time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.PutTombstone(ctx, Session{ID: "elsewhere", SpaceID: "sp2"}, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, err := p.Tombstones(ctx, "sp", at.Add(90*time.Minute), 10)
	if err != nil || len(list) != 2 || list[0].ID != "newest" || list[1].ID != "newer" {
		t.Fatalf("Tombstones = %+v, %v", list, err)
	}
	if list, err := p.Tombstones(ctx, "sp", at, 1); err != nil || len(list) != 1 || list[0].ID != "newest" {
		t.Fatalf("Tombstones limited = %+v, %v", list, err)
	}
	for i, target := range []string{"old", "newest", "sp"} {
		kind := "session"
		if target == "sp" {
			kind = "space"
		}
		if err := p.CreateFeed(ctx, Feed{ID: "tf" + target, Subject: "alice", Kind: kind, Target: target, CreatedAt: at}, fmt.Sprint("th", i)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := p.PruneTombstones(ctx, at.Add(90*time.Minute))
	if err != nil || n != 3 { // gone (at), old, elsewhere
		t.Fatalf("PruneTombstones = %d, %v", n, err)
	}
	if _, _, err := p.Tombstone(ctx, "old"); !errors.Is(err, ErrTombstoneNotFound) {
		t.Fatalf("a pruned tombstone: %v", err)
	}
	if _, _, err := p.Tombstone(ctx, "newer"); err != nil {
		t.Fatalf("a recent tombstone was pruned: %v", err)
	}
	fs, err := p.Feeds(ctx, "alice")
	if err != nil || len(fs) != 2 || fs[0].Target == "old" || fs[1].Target == "old" {
		t.Fatalf("feeds after pruning: %+v, %v", fs, err)
	}
}

func testDeliveries(t *testing.T, p Pulse) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	h := Webhook{ID: "h1", SpaceID: "sp", URL: "https://example.org/hook", Events: []string{"session.started", "session.ended"}, Secret: "s3cret", CreatedBy: "alice", CreatedAt: t0}
	if err := p.CreateWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := p.CreateWebhook(ctx, Webhook{ID: "h2", SpaceID: "other", URL: "https://x", Events: []string{}, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	hs, err := p.Webhooks(ctx, "sp")
	if err != nil || len(hs) != 1 || hs[0].URL != h.URL || hs[0].Secret != "s3cret" || len(hs[0].Events) != 2 || hs[0].Events[1] != "session.ended" {
		t.Fatalf("Webhooks = %+v, %v", hs, err)
	}
	if _, err := p.Webhook(ctx, "nope"); !errors.Is(err, ErrWebhookNotFound) {
		t.Fatalf("unknown webhook: %v", err)
	}
	var ds []Delivery
	for i := range 3 {
		ds = append(ds, Delivery{ID: fmt.Sprintf("d%d", i), HookID: "h1", Event: "session.started", Body: []byte(fmt.Sprintf(`{"n":%d}`, i)), NextAt: t0, CreatedAt: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	if err := p.EnqueueDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	// A batch with a duplicate id stores nothing.
	if err := p.EnqueueDeliveries(ctx, []Delivery{{ID: "d9", HookID: "h1", NextAt: t0, CreatedAt: t0}, ds[0]}); err == nil {
		t.Fatal("a batch with a duplicate id was accepted")
	}
	if got, _ := p.Deliveries(ctx, "h1", 10); len(got) != 3 {
		t.Fatalf("after a failed batch, %d deliveries (want 3)", len(got))
	}
	lease := time.Minute
	a, err := p.ClaimDeliveries(ctx, "A", t0, lease, 2)
	if err != nil || len(a) != 2 || a[0].ID != "d0" || string(a[0].Body) != `{"n":0}` {
		t.Fatalf("A claims %+v, %v", a, err)
	}
	b, _ := p.ClaimDeliveries(ctx, "B", t0, lease, 10)
	if len(b) != 1 || b[0].ID != "d2" {
		t.Fatalf("B claims %+v, want only d2", b)
	}
	if c, _ := p.ClaimDeliveries(ctx, "C", t0.Add(time.Second), lease, 10); len(c) != 0 {
		t.Fatalf("C claims leased deliveries %+v", c)
	}
	if ok, _ := p.FinishDelivery(ctx, "d0", "B", DeliveryResult{Status: DeliveryDelivered, At: t0}); ok {
		t.Fatal("B finished a delivery A holds")
	}
	if ok, err := p.FinishDelivery(ctx, "d0", "A", DeliveryResult{Status: DeliveryDelivered, LastStatus: 204, At: t0}); !ok || err != nil {
		t.Fatalf("A's finish: %v %v", ok, err)
	}
	retry := t0.Add(10 * time.Second)
	if ok, _ := p.FinishDelivery(ctx, "d1", "A", DeliveryResult{Status: DeliveryPending, NextAt: retry, LastStatus: 503, LastError: "503 Service Unavailable", At: t0}); !ok {
		t.Fatal("A's retry not recorded")
	}
	if c, _ := p.ClaimDeliveries(ctx, "C", retry.Add(-time.Second), lease, 10); len(c) != 0 {
		t.Fatalf("claimed before its retry time: %+v", c)
	}
	c, _ := p.ClaimDeliveries(ctx, "C", retry, lease, 10)
	if len(c) != 1 || c[0].ID != "d1" || c[0].Attempts != 1 || c[0].LastError != "503 Service Unavailable" {
		t.Fatalf("C claims at the retry time %+v", c)
	}
	// B died holding d2: once its lease has expired another claims it,
	// and B's late finish changes nothing.
	d, _ := p.ClaimDeliveries(ctx, "D", t0.Add(lease), lease, 10)
	if len(d) != 1 || d[0].ID != "d2" {
		t.Fatalf("after B's lease expired D claims %+v", d)
	}
	if ok, _ := p.FinishDelivery(ctx, "d2", "B", DeliveryResult{Status: DeliveryDelivered, At: t0}); ok {
		t.Fatal("a finish after the lease expired was recorded")
	}
	if ok, _ := p.FinishDelivery(ctx, "d2", "D", DeliveryResult{Status: DeliveryFailed, LastError: "gave up", At: t0.Add(lease)}); !ok {
		t.Fatal("D's finish not recorded")
	}
	log, err := p.Deliveries(ctx, "h1", 10)
	if err != nil || len(log) != 3 || log[0].ID != "d2" || log[2].ID != "d0" {
		t.Fatalf("Deliveries = %+v, %v", log, err)
	}
	if log[2].Status != DeliveryDelivered || log[2].Attempts != 1 || log[2].LastStatus != 204 || !log[2].DoneAt.Equal(t0) {
		t.Errorf("d0 = %+v", log[2])
	}
	if log[0].Status != DeliveryFailed || log[0].LastError != "gave up" || log[0].Attempts != 1 {
		t.Errorf("d2 = %+v", log[0])
	}
	if log[1].Status != DeliveryPending || !log[1].DoneAt.IsZero() {
		t.Errorf("d1 = %+v", log[1])
	}
	if err := p.DeleteWebhook(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteWebhook(ctx, "h1"); !errors.Is(err, ErrWebhookNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if log, _ := p.Deliveries(ctx, "h1", 10); len(log) != 0 {
		t.Fatalf("a deleted webhook keeps %d deliveries", len(log))
	}
}

// testClaimsAcross: two instances on one database claim the same due
// deliveries at once; each is claimed exactly once.
func testClaimsAcross(t *testing.T, b backend) {
	ctx := context.Background()
	open := b.fresh(t)
	p1, p2 := open(t).(Pulse), open(t).(Pulse)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	const n = 200
	var ds []Delivery
	for i := range n {
		ds = append(ds, Delivery{ID: fmt.Sprintf("d%03d", i), HookID: "h", Event: "e", Body: []byte("{}"), NextAt: t0, CreatedAt: t0})
	}
	if err := p1.EnqueueDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	for i, p := range []Pulse{p1, p2, p1, p2} {
		owner := fmt.Sprintf("i%d", i)
		wg.Go(func() {
			for {
				got, err := p.ClaimDeliveries(ctx, owner, t0, time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					if prev, dup := claimed[d.ID]; dup {
						t.Errorf("%s claimed by %s and %s", d.ID, prev, owner)
					}
					claimed[d.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != n {
		t.Fatalf("%d of %d deliveries claimed", len(claimed), n)
	}
}

// TestSeriesConformance runs the SeriesStore suite against every backend.
func TestSeriesConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { testSeriesStore(t, b.fresh(t)(t).(SeriesStore)) })
	}
}

func testSeriesStore(t *testing.T, st SeriesStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 10, 13, 13, 0, 0, 0, time.UTC)
	sr := Series{ID: "sr1", Title: "Weekly", TimeZone: "Europe/Berlin", Start: t0, Rule: ical.Rule{Freq: ical.Weekly, Count: 5},
		Agenda: []AgendaItem{{ID: "a", Title: "News", Minutes: 10}}, NotesSkeleton: "Decisions:\nTasks:", Host: "alice", SpaceID: "sp", CreatedAt: t0}
	if err := st.CreateSeries(ctx, sr); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSeries(ctx, sr); err == nil {
		t.Fatal("a series id was stored twice")
	}
	got, err := st.GetSeries(ctx, "sr1")
	if err != nil || got.Title != "Weekly" || got.Rule.Count != 5 || got.Rule.Freq != ical.Weekly || !got.Start.Equal(t0) ||
		len(got.Agenda) != 1 || got.NotesSkeleton != "Decisions:\nTasks:" || got.SpaceID != "sp" {
		t.Fatalf("GetSeries = %+v, %v", got, err)
	}
	if _, err := st.GetSeries(ctx, "nope"); !errors.Is(err, ErrSeriesNotFound) {
		t.Fatalf("unknown series: %v", err)
	}
	if all, _ := st.AllSeries(ctx); len(all) != 1 {
		t.Fatalf("AllSeries: %d", len(all))
	}
	week := 7 * 24 * time.Hour
	if ok, err := st.AddOccurrence(ctx, Occurrence{SeriesID: "sr1", Slot: t0, SessionID: "s1"}); !ok || err != nil {
		t.Fatalf("first add: %v %v", ok, err)
	}
	if ok, _ := st.AddOccurrence(ctx, Occurrence{SeriesID: "sr1", Slot: t0, SessionID: "other"}); ok {
		t.Fatal("a slot was materialised twice")
	}
	if err := st.CancelOccurrence(ctx, "sr1", t0.Add(2*week)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := st.AddOccurrence(ctx, Occurrence{SeriesID: "sr1", Slot: t0.Add(2 * week), SessionID: "s3"}); ok {
		t.Fatal("a cancelled slot was materialised")
	}
	if _, err := st.AddOccurrence(ctx, Occurrence{SeriesID: "sr1", Slot: t0.Add(week), SessionID: "s2"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CancelOccurrence(ctx, "sr1", t0.Add(week)); err != nil {
		t.Fatal(err)
	}
	occs, err := st.Occurrences(ctx, "sr1")
	if err != nil || len(occs) != 3 {
		t.Fatalf("Occurrences = %+v, %v", occs, err)
	}
	if o := occs[0]; o.SessionID != "s1" || o.Cancelled || !o.Slot.Equal(t0) {
		t.Errorf("slot 0 = %+v", o)
	}
	if o := occs[1]; o.SessionID != "s2" || !o.Cancelled {
		t.Errorf("slot 1 (materialised, then cancelled) = %+v", o)
	}
	if o := occs[2]; o.SessionID != "" || !o.Cancelled || !o.Slot.Equal(t0.Add(2*week)) {
		t.Errorf("slot 2 (cancelled ahead) = %+v", o)
	}
	if o, err := st.OccurrenceOf(ctx, "s1"); err != nil || o.SeriesID != "sr1" || !o.Slot.Equal(t0) {
		t.Errorf("OccurrenceOf(s1) = %+v, %v", o, err)
	}
	for _, id := range []string{"nope", ""} {
		if _, err := st.OccurrenceOf(ctx, id); !errors.Is(err, ErrOccurrenceNotFound) {
			t.Errorf("OccurrenceOf(%q): %v", id, err)
		}
	}
}

// TestRSVPConformance: an answer per person, replaced by their next.
func TestRSVPConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			st := b.fresh(t)(t).(RSVPStore)
			ctx := context.Background()
			t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			for _, r := range []RSVP{{"bob", RSVPMaybe, t0}, {"alice", RSVPGoing, t0}, {"bob", RSVPNotGoing, t0.Add(time.Minute)}} {
				if err := st.SetRSVP(ctx, "s1", r); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.SetRSVP(ctx, "s2", RSVP{"carol", RSVPGoing, t0}); err != nil {
				t.Fatal(err)
			}
			got, err := st.RSVPs(ctx, "s1")
			if err != nil || len(got) != 2 || got[0].Subject != "alice" || got[1].Answer != RSVPNotGoing || !got[1].UpdatedAt.Equal(t0.Add(time.Minute)) {
				t.Fatalf("RSVPs = %+v, %v", got, err)
			}
			if got, _ := st.RSVPs(ctx, "none"); len(got) != 0 {
				t.Fatalf("RSVPs of nothing = %+v", got)
			}
		})
	}
}

// TestTaskStoreConformance: a task's copies, one per session however
// often or concurrently it is added; one of two concurrent CheckTask
// calls changes it; deleting a session takes its copies and RSVPs.
func TestTaskStoreConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			open := b.fresh(t)
			st := open(t)
			ts := st.(TaskStore)
			ctx := context.Background()
			t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			for _, id := range []string{"s1", "s2"} {
				if err := st.CreateSession(ctx, Session{ID: id, Title: id, State: StateScheduled, TimeZone: "UTC", Agenda: []AgendaItem{}}); err != nil {
					t.Fatal(err)
				}
			}
			add := func(it TaskItem, want bool) {
				t.Helper()
				if won, err := ts.AddTaskItem(ctx, it); err != nil || won != want {
					t.Fatalf("AddTaskItem(%+v) = %v, %v; want %v", it, won, err, want)
				}
			}
			add(TaskItem{TaskID: "t1", SessionID: "s1", Item: "7:1", Text: "Send the minutes", Seen: "7:3", CreatedAt: t0}, true)
			add(TaskItem{TaskID: "t2", SessionID: "s1", Item: "7:9", Text: "Book", Checked: true, CreatedAt: t0.Add(time.Second)}, true)
			add(TaskItem{TaskID: "t3", SessionID: "s1", Item: "7:1", Text: "same item", CreatedAt: t0}, false)
			// A carry claims a copy in s2 (no item yet), once.
			add(TaskItem{TaskID: "t1", SessionID: "s2", Origin: "s1", Text: "Send the minutes", CreatedAt: t0.Add(time.Minute)}, true)
			add(TaskItem{TaskID: "t1", SessionID: "s2", Origin: "s1", Text: "again", CreatedAt: t0.Add(time.Minute)}, false)
			add(TaskItem{TaskID: "t4", SessionID: "s2", Text: "claimed too", CreatedAt: t0.Add(time.Minute)}, true)
			if err := ts.SetTaskItem(ctx, "t1", "s2", "9:4", "Send the minutes!", "9:5"); err != nil {
				t.Fatal(err)
			}
			got, err := ts.TaskItems(ctx, "s1")
			if err != nil || len(got) != 2 || got[0].TaskID != "t1" || got[0].Item != "7:1" || got[0].Seen != "7:3" || got[0].Checked || !got[1].Checked || !got[0].CreatedAt.Equal(t0) {
				t.Fatalf("TaskItems(s1) = %+v, %v", got, err)
			}
			copies, err := ts.TaskCopies(ctx, "t1")
			if err != nil || len(copies) != 2 || copies[1].SessionID != "s2" || copies[1].Item != "9:4" || copies[1].Origin != "s1" || copies[1].Text != "Send the minutes!" || copies[1].Seen != "9:5" {
				t.Fatalf("TaskCopies(t1) = %+v, %v", copies, err)
			}
			// Two instances tick at once: one changes it.
			other := open(t).(TaskStore)
			var wg sync.WaitGroup
			changed := make([]bool, 2)
			for i, s := range []TaskStore{ts, other} {
				wg.Go(func() {
					ok, err := s.CheckTask(ctx, "t1", true)
					if err != nil {
						t.Error(err)
					}
					changed[i] = ok
				})
			}
			wg.Wait()
			if changed[0] == changed[1] {
				t.Fatalf("concurrent CheckTask changed it %v", changed)
			}
			if copies, _ := ts.TaskCopies(ctx, "t1"); !copies[0].Checked || !copies[1].Checked {
				t.Fatalf("a copy stayed open: %+v", copies)
			}
			if ok, err := ts.CheckTask(ctx, "t1", true); err != nil || ok {
				t.Fatalf("checking a checked task changed it: %v %v", ok, err)
			}
			if ok, err := ts.CheckTask(ctx, "t1", false); err != nil || !ok {
				t.Fatalf("reopening: %v %v", ok, err)
			}
			rs := st.(RSVPStore)
			if err := rs.SetRSVP(ctx, "s2", RSVP{"alice", RSVPGoing, t0}); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteSession(ctx, "s2"); err != nil {
				t.Fatal(err)
			}
			if got, err := ts.TaskItems(ctx, "s2"); err != nil || len(got) != 0 {
				t.Fatalf("a deleted session keeps task copies: %+v %v", got, err)
			}
			if got, err := rs.RSVPs(ctx, "s2"); err != nil || len(got) != 0 {
				t.Fatalf("a deleted session keeps RSVPs: %+v %v", got, err)
			}
			if copies, _ := ts.TaskCopies(ctx, "t1"); len(copies) != 1 {
				t.Fatalf("copies after the delete: %+v", copies)
			}
		})
	}
}
