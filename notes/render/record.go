package render

import (
	"cmp"
	"slices"
	"time"

	"github.com/cocreate/cocreate/crdt"
)

// MeetingRecord is what a meeting left behind, read from its {session}/meeting
// document (layout: meeting/doc.go). Its JSON is the "record" of the
// notes API: attendees, agenda, polls and open_tasks. The session fields
// are not in that JSON (the API sends the session itself) but head the
// Markdown and HTML.
type MeetingRecord struct {
	Title     string `json:"-"`
	State     string `json:"-"` // scheduled, live or ended
	Host      string `json:"-"`
	StartedAt *int64 `json:"-"` // unix milliseconds
	EndedAt   *int64 `json:"-"`
	// Location is the time zone of the times in the Markdown and HTML;
	// nil is UTC. Set it to the session's time zone.
	Location *time.Location `json:"-"`
	// Answers are the RSVPs set against who came (nil: not written);
	// only the host's copy of an ended meeting has them.
	Answers *Answers `json:"-"`

	Attendees []Attendee   `json:"attendees"`
	Agenda    []AgendaItem `json:"agenda"`
	Polls     []Poll       `json:"polls"`
	// OpenTasks are the unchecked task items of the notes; Record leaves
	// it empty, the caller fills it from OpenTasks(notes).
	OpenTasks []string `json:"open_tasks"`
}

// Attendee is one person who joined (while the meeting ran, once it
// has started); LeftAt is nil while present.
// Times are unix milliseconds.
type Attendee struct {
	Subject  string `json:"subject"`
	Name     string `json:"name"`
	Role     string `json:"-"`
	JoinedAt int64  `json:"joinedAt"`
	LeftAt   *int64 `json:"leftAt"`
}

// AgendaItem is one agenda item: Minutes planned, SpentSeconds used
// (the time it was the current item).
type AgendaItem struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Minutes      int64  `json:"minutes"`
	SpentSeconds int64  `json:"spentSeconds"`
	Done         bool   `json:"done"`
}

// Poll is one poll and its votes per option: the results frozen at close
// for a closed poll, the running counts for an open one.
type Poll struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Counts   []int64  `json:"counts"`
	Closed   bool     `json:"closed"`
	Voters   int64    `json:"-"`
}

// Record reads the record of a meeting document. doc is not changed
// (it is read through a private copy). Values of the wrong type read as
// empty; only an unreadable document is an error.
func Record(doc *crdt.Doc) (*MeetingRecord, error) { return viaUpdate(doc, "meeting", RecordUpdate) }

// RecordUpdate is Record for a meeting document given as one v1
// update.
func RecordUpdate(update []byte) (*MeetingRecord, error) {
	d, err := loadUpdate(update, "meeting")
	if err != nil {
		return nil, err
	}
	r := &MeetingRecord{Attendees: []Attendee{}, Agenda: []AgendaItem{}, Polls: []Poll{}, OpenTasks: []string{}}
	s := d.GetMap("session")
	r.Title, r.State, r.Host = mapString(s, "title"), mapString(s, "state"), mapString(s, "host")
	r.StartedAt, r.EndedAt = mapIntPtr(s, "startedAt"), mapIntPtr(s, "endedAt")

	people := d.GetMap("participants")
	for _, sub := range people.Keys() {
		p := mapMap(people, sub)
		if p == nil {
			continue
		}
		joined, _ := mapInt(p, "joinedAt")
		r.Attendees = append(r.Attendees, Attendee{
			Subject: sub, Name: mapString(p, "name"), Role: mapString(p, "role"),
			JoinedAt: joined, LeftAt: mapIntPtr(p, "leftAt"),
		})
	}
	slices.SortStableFunc(r.Attendees, func(a, b Attendee) int {
		return cmp.Or(cmp.Compare(a.JoinedAt, b.JoinedAt), cmp.Compare(a.Subject, b.Subject))
	})
	// Once it has started, the attendees are who was there while it ran
	// (Came): not who only looked in before the start or after the end.
	if r.StartedAt != nil {
		r.Attendees = slices.DeleteFunc(r.Attendees, func(a Attendee) bool { return !r.during(a) })
	}

	for _, v := range d.GetArray("agenda").Values() {
		it, ok := v.(*crdt.Map)
		if !ok {
			continue
		}
		minutes, _ := mapInt(it, "minutes")
		spent, _ := mapInt(it, "spentSeconds")
		done, _ := mapGet(it, "done").(bool)
		r.Agenda = append(r.Agenda, AgendaItem{
			ID: mapString(it, "id"), Title: mapString(it, "title"),
			Minutes: minutes, SpentSeconds: spent, Done: done,
		})
	}

	polls := d.GetMap("polls")
	for _, id := range polls.Keys() {
		p := mapMap(polls, id)
		if p == nil {
			continue
		}
		closed := mapString(p, "state") == "closed"
		counts := mapGet(p, "counts")
		if res := mapGet(p, "results"); closed && res != nil {
			counts = res
		}
		voters, _ := mapInt(p, "voters")
		poll := Poll{
			ID: mapString(p, "id"), Question: mapString(p, "question"),
			Options: []string{}, Counts: []int64{}, Closed: closed, Voters: voters,
		}
		if poll.ID == "" {
			poll.ID = id
		}
		for _, o := range list(mapGet(p, "options")) {
			s, _ := o.(string)
			poll.Options = append(poll.Options, s)
		}
		for _, c := range list(counts) {
			n, _ := attrInt(c)
			poll.Counts = append(poll.Counts, n)
		}
		r.Polls = append(r.Polls, poll)
	}
	// Poll ids are made by the server as p1, p2, ...: shorter first
	// keeps p2 before p10.
	slices.SortStableFunc(r.Polls, func(a, b Poll) int {
		return cmp.Or(cmp.Compare(len(a.ID), len(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	return r, nil
}

func mapGet(m *crdt.Map, k string) any {
	v, _ := m.Get(k)
	return v
}

func mapString(m *crdt.Map, k string) string {
	s, _ := mapGet(m, k).(string)
	return s
}

func mapInt(m *crdt.Map, k string) (int64, bool) { return attrInt(mapGet(m, k)) }

func mapIntPtr(m *crdt.Map, k string) *int64 {
	if n, ok := mapInt(m, k); ok {
		return &n
	}
	return nil
}

func mapMap(m *crdt.Map, k string) *crdt.Map {
	x, _ := mapGet(m, k).(*crdt.Map)
	return x
}

// list returns the elements of a plain array or a Y.Array.
func list(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case *crdt.Array:
		return x.ToJSON()
	}
	return nil
}
