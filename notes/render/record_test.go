package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/meeting"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// runMeeting drives the real meeting state machine through a short
// session and returns the client's copy of its document (what the store
// keeps), so the record is read from the real layout.
func runMeeting(t *testing.T) *crdt.Doc {
	t.Helper()
	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	client := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
	doc.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) {
		if err := client.ApplyUpdate(u, nil); err != nil {
			t.Error(err)
		}
	})
	m := meeting.New(doc, meeting.Options{Title: "Weekly <call> | sync", Host: "alice"})
	alice := meeting.Actor{Subject: "alice", Name: "Alice", Role: meeting.RoleHost}
	bob := meeting.Actor{Subject: "bob", Name: "Bob <b>", Role: meeting.RoleMember}
	carol := meeting.Actor{Subject: "carol", Name: "Carol", Role: meeting.RoleMember}
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		who  meeting.Actor
		at   time.Duration
		body string
	}{
		{alice, 0, `{"type":"participant.join"}`},
		{alice, 0, `{"type":"session.start"}`},
		{alice, 0, `{"type":"agenda.add","id":"intro","title":"Intro","minutes":5}`},
		{alice, 0, `{"type":"agenda.add","id":"plan","title":"Plan | next","minutes":20}`},
		{bob, time.Minute, `{"type":"participant.join"}`},
		{carol, 2 * time.Minute, `{"type":"participant.join"}`},
		{alice, 0, `{"type":"agenda.next"}`},
		{alice, 6*time.Minute + 30*time.Second, `{"type":"agenda.next"}`},
		{alice, 7 * time.Minute, `{"type":"poll.create","id":"p1","question":"Ship it?","options":["yes","no"]}`},
		{bob, 8 * time.Minute, `{"type":"poll.vote","id":"p1","choices":[0]}`},
		{carol, 8 * time.Minute, `{"type":"poll.vote","id":"p1","choices":[1]}`},
		{alice, 8 * time.Minute, `{"type":"poll.vote","id":"p1","choices":[0]}`},
		{alice, 9 * time.Minute, `{"type":"poll.close","id":"p1"}`},
		{alice, 9 * time.Minute, `{"type":"poll.create","id":"p2","question":"Lunch?","options":["pizza","salad","none"]}`},
		{carol, 10 * time.Minute, `{"type":"participant.leave"}`},
		{alice, 20 * time.Minute, `{"type":"session.end"}`},
	}
	for _, s := range steps {
		cmd, err := meeting.DecodeCommand([]byte(s.body))
		if err == nil {
			_, err = m.Apply(cmd, s.who, start.Add(s.at))
		}
		if err != nil {
			t.Fatalf("%s by %s: %v", s.body, s.who.Subject, err)
		}
	}
	return client
}

func TestRecord(t *testing.T) {
	doc := runMeeting(t)
	r, err := Record(doc)
	if err != nil {
		t.Fatal(err)
	}
	r.OpenTasks = []string{"Alice: write the <notes>"}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const t0 = 1767258000000 // 2026-01-01 09:00 UTC in unix ms
	want := `{"attendees":[` +
		`{"subject":"alice","name":"Alice","joinedAt":1767258000000,"leftAt":1767259200000},` +
		`{"subject":"bob","name":"Bob \u003cb\u003e","joinedAt":1767258060000,"leftAt":1767259200000},` +
		`{"subject":"carol","name":"Carol","joinedAt":1767258120000,"leftAt":1767258600000}],` +
		`"agenda":[{"id":"intro","title":"Intro","minutes":5,"spentSeconds":390,"done":true},` +
		`{"id":"plan","title":"Plan | next","minutes":20,"spentSeconds":810,"done":false}],` +
		`"polls":[{"id":"p1","question":"Ship it?","options":["yes","no"],"counts":[2,1],"closed":true},` +
		`{"id":"p2","question":"Lunch?","options":["pizza","salad","none"],"counts":[0,0,0],"closed":true}],` +
		`"open_tasks":["Alice: write the \u003cnotes\u003e"]}`
	if string(data) != want {
		t.Errorf("record JSON\n got: %s\nwant: %s", data, want)
	}
	if r.Title != "Weekly <call> | sync" || r.State != "ended" || r.StartedAt == nil || *r.StartedAt != t0 || r.EndedAt == nil {
		t.Errorf("session fields: %+v", r)
	}

	md := r.Markdown()
	assertContains(t, "record Markdown", md,
		"# Weekly \\<call\\> \\| sync\n",
		"| Name | Joined | Left |",
		"| Bob \\<b\\> | 2026-01-01 09:01 UTC | 2026-01-01 09:20 UTC |",
		"| Intro | 5 min | 6 min 30 s | yes |",
		"| Plan \\| next | 20 min | 13 min 30 s | no |",
		"### Ship it?\n\nclosed, 3 voters",
		"| yes | 2 |",
		"- [ ] Alice: write the \\<notes\\>",
	)
	h := r.HTML()
	assertInert(t, h)
	assertContains(t, "record HTML", h,
		"<h1>Weekly &lt;call&gt; | sync</h1>",
		"<tr><td>Bob &lt;b&gt;</td><td>2026-01-01 09:01 UTC</td><td>2026-01-01 09:20 UTC</td></tr>",
		"<tr><td>Intro</td><td>5 min</td><td>6 min 30 s</td><td>yes</td></tr>",
		"<h3>Ship it?</h3><p>closed, 3 voters</p>",
		"<li>Alice: write the &lt;notes&gt;</li>",
	)
	// In the session's time zone.
	r.Location = time.FixedZone("CET", 3600)
	if md := r.Markdown(); !strings.Contains(md, "| Alice | 2026-01-01 10:00 CET (UTC+01:00) |") {
		t.Errorf("record Markdown in CET:\n%s", md)
	}
	// A named zone is written by its name and the offset it had at that
	// moment: winter and summer time alike.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	r.Location = berlin
	md = r.Markdown()
	assertContains(t, "record Markdown in Europe/Berlin", md,
		"started 2026-01-01 10:00 Europe/Berlin (UTC+01:00)",
		"| Bob \\<b\\> | 2026-01-01 10:01 Europe/Berlin (UTC+01:00) | 2026-01-01 10:20 Europe/Berlin (UTC+01:00) |")
	summer := int64(1782896400000) // 2026-07-01 09:00 UTC
	if got := r.time(summer); got != "2026-07-01 11:00 Europe/Berlin (UTC+02:00)" {
		t.Errorf("summer time in Berlin: %q", got)
	}
	r.Location = time.UTC
	if got := r.time(summer); got != "2026-07-01 09:00 UTC" {
		t.Errorf("UTC: %q", got)
	}
}

// TestRecordEmpty: a meeting document with nothing in it gives empty
// lists (JSON [] rather than null) and readable sections.
func TestRecordEmpty(t *testing.T) {
	r, err := Record(crdt.NewDoc(crdt.DocOptions{ClientID: 4}))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(r)
	if string(data) != `{"attendees":[],"agenda":[],"polls":[],"open_tasks":[]}` {
		t.Errorf("empty record JSON = %s", data)
	}
	if md := r.Markdown(); !strings.Contains(md, "No one joined.") || !strings.Contains(md, "# Meeting record") {
		t.Errorf("empty record Markdown:\n%s", md)
	}
}

// TestRecordWrongTypes: values of the wrong type (a client cannot write
// the meeting doc, but a stored one may be old or damaged) read as empty.
func TestRecordWrongTypes(t *testing.T) {
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 6})
	_ = d.GetMap("session").Set("title", 42)
	_ = d.GetArray("agenda").Push("not a map", map[string]any{"id": 1})
	p := crdt.NewMap()
	_ = d.GetMap("polls").Set("px", p)
	_ = p.Set("options", "not a list")
	_ = p.Set("counts", []any{"x", 2.0})
	_ = d.GetMap("participants").Set("dave", "not a map")
	r, err := Record(d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "" || len(r.Agenda) != 0 || len(r.Attendees) != 0 || len(r.Polls) != 1 ||
		r.Polls[0].ID != "px" || len(r.Polls[0].Options) != 0 || len(r.Polls[0].Counts) != 2 || r.Polls[0].Counts[1] != 2 {
		t.Errorf("record = %+v", r)
	}
}

// TestRecordMarkdownTables: the record's Markdown tables parse as GFM
// tables with one cell per column, even with "|" in titles and names.
func TestRecordMarkdownTables(t *testing.T) {
	r, err := Record(runMeeting(t))
	if err != nil {
		t.Fatal(err)
	}
	gm := goldmark.New(goldmark.WithExtensions(extension.Table))
	var buf bytes.Buffer
	if err := gm.Convert([]byte(r.Markdown()), &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "<table>"); n != 4 {
		t.Errorf("%d tables, want 4 (attendees, agenda, two polls):\n%s", n, out)
	}
	for _, want := range []string{"<td>Plan | next</td>", "<td>Bob &lt;b&gt;</td>"} {
		if !strings.Contains(out, want) {
			t.Errorf("tables lack %q:\n%s", want, out)
		}
	}
	for _, row := range strings.Split(out, "<tr>")[1:] {
		cells := strings.Count(row, "<td") + strings.Count(row, "<th>") + strings.Count(row, "<th ")
		if cells < 2 || cells > 4 {
			t.Errorf("row with %d cells: %s", cells, row)
		}
	}
}

// TestDocumentMarkdown: the downloaded document has one top-level heading
// (the title), the date and duration, the notes before the record, and
// the notes' own headings one level down.
func TestDocumentMarkdown(t *testing.T) {
	r, err := Record(runMeeting(t))
	if err != nil {
		t.Fatal(err)
	}
	n := &Notes{Root: &Node{Type: "doc", Content: []*Node{
		{Type: "heading", Attrs: map[string]any{"level": float64(1)}, Content: []*Node{{Type: "text", Text: "Decisions"}}},
		{Type: "paragraph", Content: []*Node{{Type: "text", Text: "We ship."}}},
	}}}
	md := DocumentMarkdown(r, n)
	if got := strings.Count("\n"+md, "\n# "); got != 1 {
		t.Errorf("%d top-level headings, want 1:\n%s", got, md)
	}
	assertContains(t, "document", md, "# Weekly \\<call\\> \\| sync\n\n2026-01-01 09:00 UTC, 20 min\n", "## Notes\n\n## Decisions\n\nWe ship.\n",
		"## Meeting record\n", "### Attendees", "#### Ship it?\n\nclosed, 3 voters", "| Intro | 5 min | 6 min 30 s | yes |")
	if strings.Index(md, "We ship.") > strings.Index(md, "### Attendees") {
		t.Errorf("the record comes before the notes:\n%s", md)
	}
	if n.Root.Content[0].Attrs["level"] != float64(1) {
		t.Error("DocumentMarkdown changed the notes tree")
	}
	if md := DocumentMarkdown(r, &Notes{Root: &Node{Type: "doc"}}); !strings.Contains(md, "No notes were taken.") {
		t.Errorf("empty notes:\n%s", md)
	}
}

// assertContains fails the test for every want that out (what) lacks.
func assertContains(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, out)
		}
	}
}
