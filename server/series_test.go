package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
)

// TestSeriesAPI: a weekly Berlin series through the API; its
// occurrences exist as sessions as they come up; one is cancelled
// alone; its feed (read with a feed token) parses in ical.js with the
// cancelled occurrence and the same 15:00 in Berlin on both sides of the
// October switch.
func TestSeriesAPI(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	alice := sign(t, jwt.SigningMethodHS256, testSecret, claims("alice", time.Hour, nil))
	bob := sign(t, jwt.SigningMethodHS256, testSecret, claims("bob", time.Hour, nil))
	// The first occurrence a day from now at 15:00 Berlin, so it is due.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d := time.Now().In(berlin).AddDate(0, 0, 1)
	first := time.Date(d.Year(), d.Month(), d.Day(), 15, 0, 0, 0, berlin)
	body := `{"title":"Weekly call","time_zone":"Europe/Berlin","start":"` + first.Format(time.RFC3339) + `",
		"rule":{"freq":"WEEKLY","count":4},"agenda":[{"id":"a1","title":"News","minutes":20}],"notes_skeleton":"Decisions:"}`
	var sr struct {
		notes.Series
		RRule       string             `json:"rrule"`
		Occurrences []notes.Occurrence `json:"occurrences"`
	}
	code, b := callAPI(t, "POST", ts.url+"/api/series", alice, body)
	if code != http.StatusCreated || json.Unmarshal(b, &sr) != nil || len(sr.Occurrences) != 1 || sr.RRule == "" {
		t.Fatalf("create series: %d %s", code, b)
	}
	// Bob, not in the series' space, sees nothing of it until added.
	if code, _ := callAPI(t, "GET", ts.url+"/api/series/"+sr.ID, bob, ""); code != http.StatusNotFound {
		t.Errorf("a non-member read the series: %d", code)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/series/"+sr.ID+"/calendar.ics", bob, ""); code != http.StatusNotFound {
		t.Errorf("a non-member read the series feed: %d", code)
	}
	if code, b := callAPI(t, "PUT", ts.url+"/api/spaces/"+sr.SpaceID+"/members/bob", alice, `{"role":"member"}`); code != http.StatusOK {
		t.Fatalf("add bob: %d %s", code, b)
	}
	code, b = callAPI(t, "GET", ts.url+"/api/sessions/"+sr.Occurrences[0].SessionID, bob, "")
	var sess notes.Session
	if code != http.StatusOK || json.Unmarshal(b, &sess) != nil || !sess.ScheduledAt.Equal(first) || sess.Title != "Weekly call" {
		t.Fatalf("the first occurrence's session: %d %s", code, b)
	}
	third := first.AddDate(0, 0, 14)
	slotURL := ts.url + "/api/series/" + sr.ID + "/occurrences/" + third.UTC().Format(time.RFC3339)
	if code, _ := callAPI(t, "DELETE", slotURL, bob, ""); code != http.StatusForbidden {
		t.Errorf("bob cancelled alice's occurrence: %d", code)
	}
	if code, b := callAPI(t, "DELETE", slotURL, alice, ""); code != http.StatusOK {
		t.Fatalf("cancel: %d %s", code, b)
	}
	if code, _ := callAPI(t, "DELETE", ts.url+"/api/series/"+sr.ID+"/occurrences/yesterday", alice, ""); code != http.StatusBadRequest {
		t.Errorf("bad slot: %d", code)
	}
	if code, _ := callAPI(t, "DELETE", ts.url+"/api/series/"+sr.ID+"/occurrences/"+third.Add(time.Hour).UTC().Format(time.RFC3339), alice, ""); code != http.StatusBadRequest {
		t.Errorf("off-rule slot: %d", code)
	}
	var fv struct{ URL string }
	code, b = callAPI(t, "POST", ts.url+"/api/me/feeds", bob, `{"series_id":"`+sr.ID+`"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &fv) != nil || !strings.Contains(fv.URL, "/api/series/"+sr.ID+"/calendar.ics?feed=") {
		t.Fatalf("series feed token: %d %s", code, b)
	}
	code, feed := callAPI(t, "GET", fv.URL, "", "")
	if code != http.StatusOK {
		t.Fatalf("series feed: %d %s", code, feed)
	}
	r := parseFeed(t, feed)
	r2 := r.Occurrences
	if len(r2) != 4 {
		t.Fatalf("ical.js expanded %d occurrences: %+v", len(r2), r2)
	}
	for i, o := range r2 {
		wantDay := first.AddDate(0, 0, 7*i)
		if o.Local["Europe/Berlin"] != wantDay.Format("2006-01-02")+" 15:00" || (o.Status == "CANCELLED") != (i == 2) {
			t.Errorf("occurrence %d = %+v", i, o)
		}
	}
	// The space's feed: the series once, as a recurring event (its
	// occurrences not again as events of their own), and a one-off
	// session of the same space in another zone.
	code, b = callAPI(t, "POST", ts.url+"/api/sessions", alice, `{"title":"One-off","time_zone":"Asia/Tokyo",
		"scheduled_at":"`+first.Add(26*time.Hour).UTC().Format(time.RFC3339)+`","space_id":"`+sr.SpaceID+`"}`)
	var oneOff notes.Session
	if code != http.StatusCreated || json.Unmarshal(b, &oneOff) != nil {
		t.Fatalf("one-off session: %d %s", code, b)
	}
	code, b = callAPI(t, "POST", ts.url+"/api/me/feeds", bob, `{"space_id":"`+sr.SpaceID+`"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &fv) != nil || !strings.Contains(fv.URL, "/api/spaces/"+sr.SpaceID+"/calendar.ics?feed=") {
		t.Fatalf("space feed token: %d %s", code, b)
	}
	code, feed = callAPI(t, "GET", fv.URL, "", "")
	if code != http.StatusOK {
		t.Fatalf("space feed: %d %s", code, feed)
	}
	r = parseFeed(t, feed)
	uids := map[string]int{}
	for _, o := range r.Occurrences {
		uids[o.UID]++
	}
	if len(uids) != 2 || uids["series-"+sr.ID+"@cocreate"] != 4 || uids["session-"+oneOff.ID+"@cocreate"] != 1 {
		t.Errorf("space feed occurrences by UID: %v", uids)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/series/"+sr.ID+"/calendar.ics", bob, ""); code != http.StatusOK {
		t.Errorf("series feed with a token: %d", code)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/series/"+sr.ID+"/calendar.ics?feed=wrong", "", ""); code != http.StatusNotFound {
		t.Errorf("series feed with a wrong feed token: %d", code)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/series/nope", alice, ""); code != http.StatusNotFound {
		t.Errorf("unknown series: %d", code)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/series/"+strings.Repeat("x", 300), alice, ""); code != http.StatusBadRequest {
		t.Errorf("bad series id: %d", code)
	}
	if code, _ := callAPI(t, "POST", ts.url+"/api/series", alice, `{"title":"x","time_zone":"Nowhere/City","start":"2026-10-13T13:00:00Z","rule":{"freq":"WEEKLY"}}`); code != http.StatusBadRequest {
		t.Errorf("bad zone: %d", code)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/series/"+sr.ID, alice, ""); code != http.StatusOK {
		t.Errorf("get series: %d", code)
	}
}

// taskItems are the task items of a notes document: text (of the first
// paragraph, runs linked to a room left out) → the element.
func taskItems(d *crdt.Doc) map[string]*crdt.XmlElement {
	out := map[string]*crdt.XmlElement{}
	var walk func([]crdt.XmlNode)
	walk = func(ns []crdt.XmlNode) {
		for _, n := range ns {
			el, ok := n.(*crdt.XmlElement)
			if !ok {
				continue
			}
			if el.Name() == "taskItem" {
				var b strings.Builder
				if p, ok := el.Children()[0].(*crdt.XmlElement); ok {
					for _, c := range p.Children() {
						if x, ok := c.(*crdt.XmlText); ok {
							for _, op := range x.ToDelta() {
								if _, linked := op.Attributes["link"]; !linked {
									b.WriteString(op.Insert.(string))
								}
							}
						}
					}
				}
				out[strings.TrimSpace(b.String())] = el
			}
			walk(el.Children())
		}
	}
	walk(d.GetXmlFragment("default").Children())
	return out
}

func checked(el *crdt.XmlElement) bool {
	v, _ := el.Attribute("checked")
	return v == true
}

// addTask appends a task list with one item of text to a client's
// notes, typed in two edits.
func addTask(t *testing.T, c *client.Client, text string, done bool) {
	t.Helper()
	half := len(text) / 2
	var x *crdt.XmlText
	c.Do(func(d *crdt.Doc) {
		frag := d.GetXmlFragment("default")
		list, item, p := crdt.NewXmlElement("taskList"), crdt.NewXmlElement("taskItem"), crdt.NewXmlElement("paragraph")
		x = crdt.NewXmlText()
		must(t, item.SetAttribute("checked", done))
		must(t, p.Insert(0, x))
		must(t, item.Insert(0, p))
		must(t, list.Insert(0, item))
		must(t, frag.Insert(frag.Len(), list))
		must(t, x.Insert(0, text[:half], nil))
	})
	c.Do(func(*crdt.Doc) { must(t, x.Insert(half, text[half:], nil)) })
}

// tick sets a task item's state in a client's notes.
func tick(t *testing.T, c *client.Client, text string, done bool) {
	t.Helper()
	c.Do(func(d *crdt.Doc) {
		el := taskItems(d)[text]
		if el == nil {
			t.Fatalf("no task %q", text)
		}
		must(t, el.SetAttribute("checked", done))
	})
}

// waitTask waits until a client's notes hold task text in state done.
func waitTask(t *testing.T, c *client.Client, text string, done bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Wait(ctx, func(d *crdt.Doc) bool {
		el := taskItems(d)[text]
		return el != nil && checked(el) == done
	}); err != nil {
		t.Fatalf("task %q never became checked=%v: %v", text, done, err)
	}
}

// TestTasksFollowThrough: with real clients on the notes of two
// occurrences of a weekly series and a real local webhook receiver:
// tasks written in the first are task.created events, one per task
// with its whole text; when the first
// ends its open task is carried into the second's notes under "From
// last time", linked to the first's room, once (starting the second
// carries nothing more); ticking the copy in the second ticks the
// original in the first (the clients see it live) and unticking and
// ticking the original does the same to the copy; each tick is one
// task.completed event, with ids and links. On SQLite and on
// PostgreSQL.
func TestTasksFollowThrough(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testTasksFollowThrough(t, func(*Config) {}) })
	t.Run("postgres", func(t *testing.T) {
		dsn := testPostgresDSN(t)
		testTasksFollowThrough(t, func(c *Config) { c.Postgres = dsn })
	})
}

func testTasksFollowThrough(t *testing.T, store func(*Config)) {
	const hookSecret = "whsec-tasks-test-0123"
	recv := newReceiver(t, hookSecret)
	// events waits for n events of typ and returns their data.
	events := func(typ string, n int) []TaskEvent {
		t.Helper()
		var out []TaskEvent
		recv.wait(t, typ+" events", func(ps []webhook.Payload) bool {
			out = out[:0]
			for _, p := range ps {
				var d TaskEvent
				if p.Type == typ && json.Unmarshal(p.Data, &d) == nil {
					out = append(out, d)
				}
			}
			return len(out) >= n
		})
		return out
	}

	ts := startServer(t, t.TempDir(), func(c *Config) { withAuth(c); store(c); c.WebhookAllowPrivate = true })
	alice := sign(t, jwt.SigningMethodHS256, testSecret, claims("alice", time.Hour, nil))
	// The first occurrence began half an hour ago, so it and the next
	// one exist.
	first := time.Now().Add(-30 * time.Minute).Truncate(time.Minute)
	var sr struct {
		notes.Series
		Occurrences []notes.Occurrence `json:"occurrences"`
	}
	code, b := callAPI(t, "POST", ts.url+"/api/series", alice, `{"title":"Weekly call","time_zone":"Europe/Berlin","start":"`+
		first.Format(time.RFC3339)+`","rule":{"freq":"WEEKLY","count":4}}`)
	if code != http.StatusCreated || json.Unmarshal(b, &sr) != nil || len(sr.Occurrences) != 2 {
		t.Fatalf("create series: %d %s", code, b)
	}
	one, two := sr.Occurrences[0].SessionID, sr.Occurrences[1].SessionID
	if code, b := callAPI(t, "POST", ts.url+"/api/spaces/"+sr.SpaceID+"/webhooks", alice, `{"url":"`+recv.URL+`","secret":"`+hookSecret+`",
		"events":["task.created","task.completed"]}`); code != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", code, b)
	}
	a := notesWriterDoc(t, ts, one+"/notes", alice)
	addTask(t, a, "Send the minutes @alice", false)
	addTask(t, a, "Book the room", true)
	created := events(webhook.TaskCreated, 2)
	var task TaskEvent
	for _, e := range created {
		if e.Text == "Send the minutes @alice" {
			task = e
		}
	}
	if task.TaskID == "" || task.SessionID != one || task.Owner != "alice" || task.OwnerSubject != "alice" || task.Links["room"] != "/s/"+one {
		t.Fatalf("task.created: %+v", created)
	}

	for _, step := range []string{one + "/start", one + "/end", two + "/start"} {
		if code, b := callAPI(t, "POST", ts.url+"/api/sessions/"+step, alice, ""); code != http.StatusOK {
			t.Fatalf("%s: %d %s", step, code, b)
		}
	}
	bc := notesWriterDoc(t, ts, two+"/notes", alice)
	waitTask(t, bc, "Send the minutes @alice", false)
	bc.Do(func(d *crdt.Doc) {
		items := taskItems(d)
		frag := d.GetXmlFragment("default").String()
		if len(items) != 1 || strings.Count(frag, "From last time") != 1 || !strings.Contains(frag, `"href":"/s/`+one+`"`) && !strings.Contains(frag, "/s/"+one) {
			t.Errorf("the second occurrence's notes: %s", frag)
		}
	})

	// Tick the copy: the original closes.
	tick(t, bc, "Send the minutes @alice", true)
	waitTask(t, a, "Send the minutes @alice", true)
	// Untick and tick the original: the copy follows.
	tick(t, a, "Send the minutes @alice", false)
	waitTask(t, bc, "Send the minutes @alice", false)
	tick(t, a, "Send the minutes @alice", true)
	waitTask(t, bc, "Send the minutes @alice", true)
	done := events(webhook.TaskCompleted, 3) // two ticks, and "Book the room" written done
	// Markers: once each side's new task is an event, every scan before
	// it has been followed, so no late duplicate can come.
	addTask(t, a, "Marker one", false)
	addTask(t, bc, "Marker two", false)
	created = events(webhook.TaskCreated, 4)
	done = events(webhook.TaskCompleted, 3)
	if len(created) != 4 {
		t.Errorf("task.created events (one per task, with its whole text): %+v", created)
	}
	ticks, fromCopy := 0, false
	for _, e := range done {
		if e.TaskID == task.TaskID {
			ticks++
			// The tick in the second occurrence names where the copy came from.
			fromCopy = fromCopy || e.SessionID == two && e.FromSessionID == one && e.Links["from"] == "/s/"+one
		}
	}
	if len(done) != 3 || ticks != 2 || !fromCopy {
		t.Errorf("task.completed events: %+v", done)
	}
	code, b = callAPI(t, "GET", ts.url+"/api/spaces/"+sr.SpaceID+"/tasks?group_by=session", alice, "")
	if code != http.StatusOK || strings.Contains(string(b), "Send the minutes") || !strings.Contains(string(b), "Marker two") {
		t.Errorf("open tasks: %d %s", code, b)
	}
}

// TaskEvent is the data of a task.* event as a receiver reads it.
type TaskEvent struct {
	TaskID        string            `json:"task_id"`
	SessionID     string            `json:"session_id"`
	Text          string            `json:"text"`
	Owner         string            `json:"owner"`
	OwnerSubject  string            `json:"owner_subject"`
	FromSessionID string            `json:"from_session_id"`
	Links         map[string]string `json:"links"`
}

// A space without tasks lists none, and grouped it has an empty list of
// groups (not no field): clients iterate it without a check.
func TestSpaceTasksEmpty(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	alice := sign(t, jwt.SigningMethodHS256, testSecret, claims("alice", time.Hour, nil))
	code, b := callAPI(t, "POST", ts.url+"/api/spaces", alice, `{"name":"Quiet"}`)
	var sp struct {
		ID string `json:"id"`
	}
	if code != http.StatusCreated || json.Unmarshal(b, &sp) != nil {
		t.Fatalf("space: %d %s", code, b)
	}
	for q, want := range map[string]string{"": `{"tasks":[]}`, "?group_by=owner": `{"tasks":[],"groups":[]}`} {
		code, b := callAPI(t, "GET", ts.url+"/api/spaces/"+sp.ID+"/tasks"+q, alice, "")
		if code != http.StatusOK || strings.TrimSpace(string(b)) != want {
			t.Errorf("tasks%s: %d %s, want %s", q, code, b, want)
		}
	}
}
