package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/webhook"
	"github.com/cocreate/cocreate/notes"
)

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

// addTask appends a task list with one item of text to a client's notes.
func addTask(t *testing.T, c *client.Client, text string, done bool) {
	t.Helper()
	c.Do(func(d *crdt.Doc) {
		frag := d.GetXmlFragment("default")
		list, item, p, x := crdt.NewXmlElement("taskList"), crdt.NewXmlElement("taskItem"), crdt.NewXmlElement("paragraph"), crdt.NewXmlText()
		must(t, item.SetAttribute("checked", done))
		must(t, p.Insert(0, x))
		must(t, item.Insert(0, p))
		must(t, list.Insert(0, item))
		must(t, frag.Insert(frag.Len(), list))
		must(t, x.Insert(0, text, nil))
	})
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
// tasks written in the first are task.created events; when the first
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
	var mu sync.Mutex
	var got []webhook.Payload
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(r.Header.Get(webhook.SignatureHeader), hookSecret, body, time.Now(), time.Minute); err != nil {
			t.Errorf("receiver: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("receiver: %v", err)
		}
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}))
	defer recv.Close()
	// events waits for n events of typ and returns their data.
	events := func(typ string, n int) []TaskEvent {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var out []TaskEvent
			mu.Lock()
			for _, p := range got {
				var d TaskEvent
				if p.Type == typ && json.Unmarshal(p.Data, &d) == nil {
					out = append(out, d)
				}
			}
			mu.Unlock()
			if len(out) >= n {
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("received %d of %d %s events", len(out), n, typ)
			}
			time.Sleep(20 * time.Millisecond)
		}
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
	if task.TaskID == "" || task.SessionID != one || task.Owner != "alice" || task.Links["room"] != "/s/"+one {
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
	events(webhook.TaskCreated, 4)
	done = events(webhook.TaskCompleted, 3)
	ticks := 0
	for _, e := range done {
		if e.TaskID == task.TaskID {
			ticks++
		}
	}
	if len(done) != 3 || ticks != 2 {
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
	FromSessionID string            `json:"from_session_id"`
	Links         map[string]string `json:"links"`
}
