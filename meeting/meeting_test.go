package meeting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
)

var t0 = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)

var (
	host   = Actor{Subject: "h", Name: "Hana", Role: RoleHost}
	cohost = Actor{Subject: "c", Name: "Cem", Role: RoleCoHost}
	member = Actor{Subject: "m", Name: "Mia", Role: RoleMember}
	viewer = Actor{Subject: "v", Name: "Vic", Role: RoleViewer}
)

func intp(i int) *int    { return &i }
func boolp(b bool) *bool { return &b }

func newMeeting(t testing.TB) *Meeting {
	t.Helper()
	return New(crdt.NewDoc(crdt.DocOptions{ClientID: 1}), Options{Title: "Weekly", Host: "h"})
}

func mustApply(t testing.TB, m *Meeting, c Command, a Actor, now time.Time) Result {
	t.Helper()
	r, err := m.Apply(c, a, now)
	if err != nil {
		t.Fatalf("%s by %s: %v", c.Type, a.Role, err)
	}
	return r
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "untyped: " + err.Error()
}

func snapshot(t testing.TB, m *Meeting) []byte {
	t.Helper()
	b, err := m.doc.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setup returns a live meeting with all four actors present, two agenda
// items, one open poll, a running timer and the member's hand raised.
func setup(t testing.TB) *Meeting {
	t.Helper()
	m := newMeeting(t)
	for _, a := range []Actor{host, cohost, member, viewer} {
		mustApply(t, m, Command{Type: "participant.join"}, a, t0)
	}
	mustApply(t, m, Command{Type: "session.start"}, host, t0)
	mustApply(t, m, Command{Type: "agenda.add", ID: "a", Title: "Intro", Minutes: intp(5)}, host, t0)
	mustApply(t, m, Command{Type: "agenda.add", ID: "b", Title: "Demo", Minutes: intp(10)}, host, t0)
	mustApply(t, m, Command{Type: "poll.create", ID: "p", Question: "Lunch?", Options: []string{"yes", "no"}}, host, t0)
	mustApply(t, m, Command{Type: "timer.start", DurationMs: 60000}, host, t0)
	mustApply(t, m, Command{Type: "hand.raise"}, member, t0)
	return m
}

// TestPermissions runs every command as every role on a fresh setup and
// checks who is allowed; refusals leave the document byte-identical.
func TestPermissions(t *testing.T) {
	all := []Actor{host, cohost, member, viewer}
	runners := "hc"
	cases := []struct {
		cmd     Command
		allowed string // initials of the roles allowed
	}{
		{Command{Type: "agenda.add", Title: "X"}, runners},
		{Command{Type: "agenda.edit", ID: "a", Title: "X"}, runners},
		{Command{Type: "agenda.move", ID: "a", Index: intp(1)}, runners},
		{Command{Type: "agenda.remove", ID: "a"}, runners},
		{Command{Type: "agenda.next"}, runners},
		{Command{Type: "agenda.goto", ID: "b"}, runners},
		{Command{Type: "timer.start", DurationMs: 1000}, runners},
		{Command{Type: "timer.pause"}, runners},
		{Command{Type: "timer.reset"}, runners},
		{Command{Type: "hand.raise"}, "hc"}, // member's hand is already up: conflict, checked below
		{Command{Type: "hand.lower", Subject: "m"}, "hcm"},
		{Command{Type: "hand.lowerAll"}, runners},
		{Command{Type: "hand.next"}, runners},
		{Command{Type: "poll.create", Question: "Q", Options: []string{"a", "b"}}, runners},
		{Command{Type: "poll.vote", ID: "p", Choices: []int{0}}, "hcm"},
		{Command{Type: "poll.close", ID: "p"}, runners},
		{Command{Type: "role.set", Subject: "v", Role: RoleMember}, runners},
		{Command{Type: "role.set", Subject: "m", Role: RoleCoHost}, "h"},
		{Command{Type: "role.set", Subject: "c", Role: RoleMember}, "h"},
		{Command{Type: "role.set", Subject: "h", Role: RoleMember}, ""},
		{Command{Type: "participant.leave"}, "hcmv"},
		{Command{Type: "session.end"}, runners},
	}
	for _, tc := range cases {
		for _, a := range all {
			name := fmt.Sprintf("%s/%s", tc.cmd.Type, a.Role)
			t.Run(name, func(t *testing.T) {
				m := setup(t)
				before := snapshot(t, m)
				_, err := m.Apply(tc.cmd, a, t0.Add(time.Minute))
				want := bytes.ContainsRune([]byte(tc.allowed), rune(a.Role[0]))
				switch {
				case want && err != nil:
					if tc.cmd.Type == "hand.raise" && a.Role == RoleMember && codeOf(err) == CodeConflict {
						return
					}
					t.Fatalf("allowed, got %v", err)
				case !want && err == nil:
					t.Fatal("refused role succeeded")
				case !want:
					if tc.cmd.Type == "hand.raise" && a.Role == RoleMember {
						if codeOf(err) != CodeConflict {
							t.Fatalf("raise twice: %v", err)
						}
					} else if codeOf(err) != CodeForbidden {
						t.Fatalf("got %v, want forbidden", err)
					}
					var e *Error
					if errors.As(err, &e); e.Status != 403 && e.Status != 409 {
						t.Fatalf("status %d", e.Status)
					}
					if !bytes.Equal(before, snapshot(t, m)) {
						t.Fatal("refused command changed the document")
					}
				}
			})
		}
	}
}

// TestOwnHand: members raise and lower their own hands; viewers do not.
func TestOwnHand(t *testing.T) {
	for _, tc := range []struct {
		a  Actor
		ok bool
	}{{host, true}, {cohost, true}, {member, true}, {viewer, false}} {
		m := newMeeting(t)
		_, err := m.Apply(Command{Type: "hand.raise"}, tc.a, t0)
		if (err == nil) != tc.ok {
			t.Fatalf("%s raise: %v", tc.a.Role, err)
		}
		if !tc.ok {
			if _, err := m.Apply(Command{Type: "hand.lower"}, tc.a, t0); codeOf(err) != CodeForbidden {
				t.Fatalf("viewer lower: %v", err)
			}
			continue
		}
		if _, err := m.Apply(Command{Type: "hand.lower"}, tc.a, t0); err != nil {
			t.Fatalf("%s lower: %v", tc.a.Role, err)
		}
		if _, err := m.Apply(Command{Type: "hand.lower"}, tc.a, t0); codeOf(err) != CodeNotFound {
			t.Fatalf("%s lower twice: %v", tc.a.Role, err)
		}
	}
}

// TestBadInput: every refused command is a typed error with the right
// code and leaves the document byte-identical.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		cmd  Command
		a    Actor
		code string
	}{
		{"unknown type", Command{Type: "agenda.fly"}, host, CodeBadRequest},
		{"bad role", Command{Type: "agenda.next"}, Actor{Subject: "x", Role: "admin"}, CodeForbidden},
		{"no subject", Command{Type: "hand.raise"}, Actor{Role: RoleMember}, CodeBadRequest},
		{"add no title", Command{Type: "agenda.add"}, host, CodeBadRequest},
		{"add long title", Command{Type: "agenda.add", Title: string(make([]byte, 201))}, host, CodeBadRequest},
		{"add neg minutes", Command{Type: "agenda.add", Title: "x", Minutes: intp(-1)}, host, CodeBadRequest},
		{"add dup id", Command{Type: "agenda.add", ID: "a", Title: "x"}, host, CodeConflict},
		{"add bad index", Command{Type: "agenda.add", Title: "x", Index: intp(9)}, host, CodeBadRequest},
		{"edit unknown", Command{Type: "agenda.edit", ID: "zz", Title: "x"}, host, CodeNotFound},
		{"edit nothing", Command{Type: "agenda.edit", ID: "a"}, host, CodeBadRequest},
		{"move no index", Command{Type: "agenda.move", ID: "a"}, host, CodeBadRequest},
		{"move bad index", Command{Type: "agenda.move", ID: "a", Index: intp(2)}, host, CodeBadRequest},
		{"remove no id", Command{Type: "agenda.remove"}, host, CodeBadRequest},
		{"previous at start", Command{Type: "agenda.previous"}, host, CodeConflict},
		{"goto current", Command{Type: "agenda.goto", ID: "a"}, host, CodeConflict},
		{"next with args", Command{Type: "agenda.next", ID: "b"}, host, CodeBadRequest},
		{"timer zero", Command{Type: "timer.start"}, host, CodeBadRequest},
		{"timer too long", Command{Type: "timer.start", DurationMs: 25 * 3600 * 1000}, host, CodeBadRequest},
		{"resume running", Command{Type: "timer.resume"}, host, CodeConflict},
		{"raise twice", Command{Type: "hand.raise"}, member, CodeConflict},
		{"lower absent", Command{Type: "hand.lower", Subject: "nobody"}, host, CodeNotFound},
		{"poll one option", Command{Type: "poll.create", Question: "q", Options: []string{"a"}}, host, CodeBadRequest},
		{"poll dup option", Command{Type: "poll.create", Question: "q", Options: []string{"a", "a"}}, host, CodeBadRequest},
		{"poll no question", Command{Type: "poll.create", Options: []string{"a", "b"}}, host, CodeBadRequest},
		{"poll dup id", Command{Type: "poll.create", ID: "p", Question: "q", Options: []string{"a", "b"}}, host, CodeConflict},
		{"vote unknown poll", Command{Type: "poll.vote", ID: "zz", Choices: []int{0}}, member, CodeNotFound},
		{"vote no choice", Command{Type: "poll.vote", ID: "p"}, member, CodeBadRequest},
		{"vote two on single", Command{Type: "poll.vote", ID: "p", Choices: []int{0, 1}}, member, CodeBadRequest},
		{"vote out of range", Command{Type: "poll.vote", ID: "p", Choices: []int{2}}, member, CodeBadRequest},
		{"close unknown", Command{Type: "poll.close", ID: "zz"}, host, CodeNotFound},
		{"role host", Command{Type: "role.set", Subject: "m", Role: RoleHost}, host, CodeBadRequest},
		{"role unknown", Command{Type: "role.set", Subject: "m", Role: "king"}, host, CodeBadRequest},
		{"role no subject", Command{Type: "role.set", Role: RoleMember}, host, CodeBadRequest},
		{"role stranger", Command{Type: "role.set", Subject: "zz", Role: RoleMember}, host, CodeNotFound},
		{"role same", Command{Type: "role.set", Subject: "m", Role: RoleMember}, host, CodeConflict},
		{"join twice", Command{Type: "participant.join"}, member, CodeConflict},
		{"leave stranger", Command{Type: "participant.leave"}, Actor{Subject: "zz", Role: RoleMember}, CodeNotFound},
		{"start live", Command{Type: "session.start"}, host, CodeConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := setup(t)
			mustApply(t, m, Command{Type: "agenda.next"}, host, t0) // "a" is current
			before := snapshot(t, m)
			_, err := m.Apply(tc.cmd, tc.a, t0.Add(time.Minute))
			if codeOf(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if !bytes.Equal(before, snapshot(t, m)) {
				t.Fatal("refused command changed the document")
			}
		})
	}
}

func TestDecodeCommand(t *testing.T) {
	c, err := DecodeCommand([]byte(`{"type":"agenda.add","title":"Intro","minutes":5}`))
	if err != nil || c.Type != "agenda.add" || c.Title != "Intro" || *c.Minutes != 5 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{
		`{"type":"agenda.add","titel":"x"}`,
		`{"type":"agenda.add","minutes":"5"}`,
		`{"type":"nope"}`,
		`{"type":"hand.raise"} {}`,
		`[]`,
		``,
	} {
		if _, err := DecodeCommand([]byte(bad)); codeOf(err) != CodeBadRequest {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := DecodeCommand(make([]byte, MaxCommandSize+1)); codeOf(err) != CodeBadRequest {
		t.Error("oversize accepted")
	}
}

func TestHandQueueOrder(t *testing.T) {
	m := newMeeting(t)
	for i := range 100 {
		a := Actor{Subject: fmt.Sprintf("u%03d", i), Name: fmt.Sprint(i), Role: RoleMember}
		mustApply(t, m, Command{Type: "hand.raise"}, a, t0.Add(time.Duration(i)*time.Millisecond))
	}
	hands := m.hands.ToJSON()
	if len(hands) != 100 {
		t.Fatalf("%d hands", len(hands))
	}
	for i, h := range hands {
		if got := h.(map[string]any)["subject"]; got != fmt.Sprintf("u%03d", i) {
			t.Fatalf("hand %d is %v", i, got)
		}
	}
	r := mustApply(t, m, Command{Type: "hand.next"}, host, t0)
	if r.State.(map[string]any)["called"].(map[string]any)["subject"] != "u000" {
		t.Fatalf("called %v", r.State)
	}
	mustApply(t, m, Command{Type: "hand.lower", Subject: "u050"}, cohost, t0)
	if m.hands.Len() != 98 || m.handIndex("u050") >= 0 {
		t.Fatal("lower other failed")
	}
	mustApply(t, m, Command{Type: "hand.lowerAll"}, cohost, t0)
	if m.hands.Len() != 0 {
		t.Fatal("lowerAll left hands")
	}
	if _, err := m.Apply(Command{Type: "hand.next"}, host, t0); codeOf(err) != CodeConflict {
		t.Fatalf("next on empty: %v", err)
	}
}

func TestPollVotes(t *testing.T) {
	for _, anon := range []bool{false, true} {
		t.Run(fmt.Sprint("anonymous=", anon), func(t *testing.T) {
			m := newMeeting(t)
			mustApply(t, m, Command{Type: "poll.create", ID: "p", Question: "Which?",
				Options: []string{"a", "b", "c"}, Multiple: true, Anonymous: anon}, host, t0)
			vote := func(sub string, ch ...int) {
				mustApply(t, m, Command{Type: "poll.vote", ID: "p", Choices: ch},
					Actor{Subject: sub, Role: RoleMember}, t0)
			}
			vote("x", 0)
			vote("x", 0) // repeated
			vote("y", 1, 2)
			vote("y", 2) // changed
			vote("z", 0, 2)
			p := getMap(m.polls, "p").ToJSON()
			if want := []any{int64(2), int64(0), int64(2)}; !reflect.DeepEqual(p["counts"], want) {
				t.Fatalf("counts %v, want %v", p["counts"], want)
			}
			if p["voters"] != int64(3) {
				t.Fatalf("voters %v", p["voters"])
			}
			_, hasVotes := p["votes"]
			if hasVotes == anon {
				t.Fatalf("votes present=%v for anonymous=%v", hasVotes, anon)
			}
			if !anon && !reflect.DeepEqual(p["votes"].(map[string]any)["y"], []any{int64(2)}) {
				t.Fatalf("votes %v", p["votes"])
			}
			r := mustApply(t, m, Command{Type: "poll.close", ID: "p"}, cohost, t0)
			if st := r.State.(map[string]any); st["state"] != "closed" || !reflect.DeepEqual(st["results"], p["counts"]) {
				t.Fatalf("closed poll %v", st)
			}
			before := snapshot(t, m)
			_, err := m.Apply(Command{Type: "poll.vote", ID: "p", Choices: []int{1}}, member, t0)
			if codeOf(err) != CodeConflict || !bytes.Equal(before, snapshot(t, m)) {
				t.Fatalf("vote on closed poll: %v", err)
			}
			if _, err := m.Apply(Command{Type: "poll.close", ID: "p"}, host, t0); codeOf(err) != CodeConflict {
				t.Fatalf("close twice: %v", err)
			}
		})
	}
}

// TestBallotsRebuilt: a Meeting over an existing document keeps counting
// each identity once.
func TestBallotsRebuilt(t *testing.T) {
	m := newMeeting(t)
	mustApply(t, m, Command{Type: "poll.create", ID: "p", Question: "Q", Options: []string{"a", "b"}}, host, t0)
	mustApply(t, m, Command{Type: "poll.vote", ID: "p", Choices: []int{0}}, member, t0)
	m2 := New(m.doc, Options{Title: "ignored"})
	if getString(m2.session, "title") != "Weekly" {
		t.Fatal("New reseeded an existing session")
	}
	mustApply(t, m2, Command{Type: "poll.vote", ID: "p", Choices: []int{1}}, member, t0)
	if c, _ := getMap(m2.polls, "p").Get("counts"); !reflect.DeepEqual(c, []any{int64(0), int64(1)}) {
		t.Fatalf("counts %v", c)
	}
}

func TestTimer(t *testing.T) {
	m := newMeeting(t)
	get := func() map[string]any { return m.timer.ToJSON() }
	mustApply(t, m, Command{Type: "timer.start", DurationMs: 300_000}, host, t0)
	if g := get(); g["state"] != "running" || g["endsAt"] != t0.UnixMilli()+300_000 {
		t.Fatalf("start %v", g)
	}
	mustApply(t, m, Command{Type: "timer.pause"}, host, t0.Add(100*time.Second))
	if g := get(); g["state"] != "paused" || g["remainingMs"] != int64(200_000) || g["endsAt"] != nil {
		t.Fatalf("pause %v", g)
	}
	if _, err := m.Apply(Command{Type: "timer.pause"}, host, t0); codeOf(err) != CodeConflict {
		t.Fatalf("pause twice: %v", err)
	}
	t1 := t0.Add(time.Hour)
	mustApply(t, m, Command{Type: "timer.resume"}, cohost, t1)
	if g := get(); g["state"] != "running" || g["endsAt"] != t1.UnixMilli()+200_000 {
		t.Fatalf("resume %v", g)
	}
	// Paused after it ran out: nothing left, not negative.
	mustApply(t, m, Command{Type: "timer.pause"}, host, t1.Add(10*time.Minute))
	if g := get(); g["remainingMs"] != int64(0) {
		t.Fatalf("overrun pause %v", g)
	}
	mustApply(t, m, Command{Type: "timer.reset"}, host, t1)
	if g := get(); g["state"] != "idle" || g["remainingMs"] != int64(300_000) || g["endsAt"] != nil {
		t.Fatalf("reset %v", g)
	}
	if _, err := m.Apply(Command{Type: "timer.reset"}, host, t1); codeOf(err) != CodeConflict {
		t.Fatalf("reset idle: %v", err)
	}
	if _, err := m.Apply(Command{Type: "timer.resume"}, host, t1); codeOf(err) != CodeConflict {
		t.Fatalf("resume idle: %v", err)
	}
}

func agendaIDs(m *Meeting) []string {
	var ids []string
	for _, it := range m.agenda.ToJSON() {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

func spent(m *Meeting, id string) int64 {
	return getInt(m.item(m.indexOf(id)), "spentSeconds")
}

func TestAgenda(t *testing.T) {
	m := newMeeting(t)
	mustApply(t, m, Command{Type: "agenda.add", Title: "One"}, host, t0)
	mustApply(t, m, Command{Type: "agenda.add", Title: "Three", Minutes: intp(3)}, host, t0)
	mustApply(t, m, Command{Type: "agenda.add", ID: "two", Title: "Two", Index: intp(1)}, host, t0)
	if ids := agendaIDs(m); !reflect.DeepEqual(ids, []string{"item-1", "two", "item-2"}) {
		t.Fatalf("ids %v", ids)
	}
	mustApply(t, m, Command{Type: "agenda.edit", ID: "item-2", Title: "3", Minutes: intp(4), Done: boolp(false)}, host, t0)
	if it := m.item(2).ToJSON(); it["title"] != "3" || it["minutes"] != int64(4) {
		t.Fatalf("edit %v", it)
	}

	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	mustApply(t, m, Command{Type: "agenda.next"}, host, at(0))      // item-1
	mustApply(t, m, Command{Type: "agenda.next"}, host, at(60))     // two
	mustApply(t, m, Command{Type: "agenda.previous"}, host, at(90)) // item-1
	mustApply(t, m, Command{Type: "agenda.goto", ID: "item-2"}, cohost, at(100))
	if spent(m, "item-1") != 70 || spent(m, "two") != 30 || spent(m, "item-2") != 0 {
		t.Fatalf("spent %d %d %d", spent(m, "item-1"), spent(m, "two"), spent(m, "item-2"))
	}
	if !getBool(m.item(0), "done") || getBool(m.item(1), "done") {
		t.Fatal("next must mark the item it leaves done, previous not")
	}
	if _, err := m.Apply(Command{Type: "agenda.next"}, host, at(100)); codeOf(err) != CodeConflict {
		t.Fatalf("next past the end: %v", err)
	}

	// Moving keeps fields, spent time and which item is current.
	mustApply(t, m, Command{Type: "agenda.move", ID: "item-1", Index: intp(2)}, host, at(110))
	if ids := agendaIDs(m); !reflect.DeepEqual(ids, []string{"two", "item-2", "item-1"}) {
		t.Fatalf("after move %v", ids)
	}
	if spent(m, "item-1") != 70 || !getBool(m.item(2), "done") || getString(m.current, "item") != "item-2" {
		t.Fatal("move lost state")
	}
	mustApply(t, m, Command{Type: "agenda.previous"}, host, at(130)) // two
	if spent(m, "item-2") != 30 || getString(m.current, "item") != "two" {
		t.Fatalf("previous after move: %v", m.current.ToJSON())
	}

	mustApply(t, m, Command{Type: "agenda.remove", ID: "two"}, host, at(140))
	if len(m.current.ToJSON()) != 0 || !reflect.DeepEqual(agendaIDs(m), []string{"item-2", "item-1"}) {
		t.Fatal("remove of the current item")
	}
}

func TestLifecycleAndRoles(t *testing.T) {
	m := newMeeting(t)
	if _, err := m.Apply(Command{Type: "session.end"}, host, t0); codeOf(err) != CodeConflict {
		t.Fatalf("end scheduled: %v", err)
	}
	for _, a := range []Actor{host, cohost, member, viewer} {
		mustApply(t, m, Command{Type: "participant.join"}, a, t0)
	}
	mustApply(t, m, Command{Type: "session.start"}, cohost, t0)
	mustApply(t, m, Command{Type: "participant.leave"}, viewer, t0.Add(time.Minute))
	mustApply(t, m, Command{Type: "participant.join"}, viewer, t0.Add(2*time.Minute))
	if p := getMap(m.participants, "v").ToJSON(); p["joinedAt"] != t0.UnixMilli() || p["leftAt"] != nil {
		t.Fatalf("rejoin %v", p)
	}
	mustApply(t, m, Command{Type: "role.set", Subject: "m", Role: RoleCoHost}, host, t0)
	mustApply(t, m, Command{Type: "role.set", Subject: "v", Role: RoleMember}, cohost, t0)
	if r, ok := m.Role("m"); !ok || r != RoleCoHost {
		t.Fatalf("Role(m) = %q, %v", r, ok)
	}
	if _, ok := m.Role("nobody"); ok {
		t.Fatal("Role of a stranger")
	}
	if _, err := m.Apply(Command{Type: "role.set", Subject: "m", Role: RoleViewer}, cohost, t0); codeOf(err) != CodeForbidden {
		t.Fatalf("cohost demotes cohost: %v", err)
	}
	mustApply(t, m, Command{Type: "agenda.add", ID: "a", Title: "A"}, host, t0)
	mustApply(t, m, Command{Type: "agenda.next"}, host, t0)
	mustApply(t, m, Command{Type: "timer.start", DurationMs: 60_000}, host, t0)
	mustApply(t, m, Command{Type: "poll.create", ID: "p", Question: "Q", Options: []string{"a", "b"}}, host, t0)
	mustApply(t, m, Command{Type: "poll.vote", ID: "p", Choices: []int{1}}, member, t0)
	end := t0.Add(45 * time.Second)
	r := mustApply(t, m, Command{Type: "session.end"}, host, end)
	if s := r.State.(map[string]any); s["state"] != "ended" || s["endedAt"] != end.UnixMilli() || s["startedAt"] != t0.UnixMilli() {
		t.Fatalf("ended %v", s)
	}
	if spent(m, "a") != 45 || getString(m.timer, "state") != "idle" || getInt(m.timer, "remainingMs") != 15_000 {
		t.Fatal("end did not book time or stop the timer")
	}
	if p := getMap(m.polls, "p").ToJSON(); p["state"] != "closed" || !reflect.DeepEqual(p["results"], []any{int64(0), int64(1)}) {
		t.Fatalf("poll after end %v", p)
	}
	if getInt(getMap(m.participants, "h"), "leftAt") != end.UnixMilli() {
		t.Fatal("no leftAt at end")
	}
	for _, c := range []string{"session.start", "session.end"} {
		if _, err := m.Apply(Command{Type: c}, host, end); codeOf(err) != CodeConflict {
			t.Fatalf("%s after end: %v", c, err)
		}
	}
}

// TestReplica: a second document fed the updates the meeting emits sees
// the same state, and every command is exactly one update.
func TestReplica(t *testing.T) {
	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 7})
	replica := crdt.NewDoc(crdt.DocOptions{ClientID: 8})
	updates := 0
	doc.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) {
		updates++
		if err := replica.ApplyUpdate(u, nil); err != nil {
			t.Fatal(err)
		}
	})
	m := New(doc, Options{Title: "Weekly", Host: "h"})
	cmds := []struct {
		c Command
		a Actor
	}{
		{Command{Type: "participant.join"}, host},
		{Command{Type: "participant.join"}, member},
		{Command{Type: "session.start"}, host},
		{Command{Type: "agenda.add", ID: "a", Title: "A", Minutes: intp(5)}, host},
		{Command{Type: "agenda.add", ID: "b", Title: "B"}, host},
		{Command{Type: "agenda.move", ID: "b", Index: intp(0)}, host},
		{Command{Type: "agenda.next"}, host},
		{Command{Type: "agenda.goto", ID: "a"}, host},
		{Command{Type: "timer.start", DurationMs: 1000}, host},
		{Command{Type: "timer.pause"}, host},
		{Command{Type: "hand.raise"}, member},
		{Command{Type: "poll.create", ID: "p", Question: "Q", Options: []string{"x", "y"}}, host},
		{Command{Type: "poll.vote", ID: "p", Choices: []int{0}}, member},
		{Command{Type: "role.set", Subject: "m", Role: RoleViewer}, host},
		{Command{Type: "session.end"}, host},
	}
	before := updates
	for i, c := range cmds {
		mustApply(t, m, c.c, c.a, t0.Add(time.Duration(i)*time.Second))
	}
	if got := updates - before; got != len(cmds) {
		t.Fatalf("%d updates for %d commands", got, len(cmds))
	}
	want, _ := json.Marshal(m.State())
	got, _ := json.Marshal(New(replica, Options{}).State())
	if !bytes.Equal(want, got) {
		t.Fatalf("replica differs:\n%s\n%s", got, want)
	}
}

// TestBallotsKeptAcrossMeetings: with Options.Ballots the ballots of an
// anonymous poll survive a new Meeting over the same document (the
// server makes one per command), so a changed vote still replaces the
// old one.
func TestBallotsKeptAcrossMeetings(t *testing.T) {
	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	ballots := map[string]map[string][]int{}
	open := func() *Meeting { return New(doc, Options{Title: "W", Host: "h", Ballots: ballots}) }
	mustApply(t, open(), Command{Type: "poll.create", ID: "p", Question: "?", Options: []string{"a", "b"}, Anonymous: true}, host, t0)
	mustApply(t, open(), Command{Type: "poll.vote", ID: "p", Choices: []int{0}}, member, t0)
	mustApply(t, open(), Command{Type: "poll.vote", ID: "p", Choices: []int{1}}, member, t0)
	r := mustApply(t, open(), Command{Type: "poll.vote", ID: "p", Choices: []int{1}}, cohost, t0)
	p := r.State.(map[string]any)
	if fmt.Sprint(p["counts"]) != "[0 2]" || fmt.Sprint(p["voters"]) != "2" {
		t.Fatalf("counts %v voters %v", p["counts"], p["voters"])
	}
	// Without the shared map a new Meeting starts the anonymous poll's
	// ballots empty: what the option is for.
	r = mustApply(t, New(doc, Options{}), Command{Type: "poll.vote", ID: "p", Choices: []int{0}}, member, t0)
	if p := r.State.(map[string]any); fmt.Sprint(p["voters"]) != "1" {
		t.Fatalf("voters %v", p["voters"])
	}
}

// TestSealedBallots: with a BallotKey an anonymous poll's ballots are in
// the document under opaque ids: a fresh Meeting (a restart, another
// instance) still replaces a changed vote, and no subject appears.
func TestSealedBallots(t *testing.T) {
	doc := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	key := []byte("server secret")
	open := func() *Meeting { return New(doc, Options{Title: "W", Host: "h", BallotKey: key}) }
	mustApply(t, open(), Command{Type: "poll.create", ID: "p", Question: "?", Options: []string{"a", "b"}, Anonymous: true}, host, t0)
	mustApply(t, open(), Command{Type: "poll.vote", ID: "p", Choices: []int{0}}, member, t0)
	mustApply(t, open(), Command{Type: "poll.vote", ID: "p", Choices: []int{0}}, cohost, t0)
	r := mustApply(t, open(), Command{Type: "poll.vote", ID: "p", Choices: []int{1}}, member, t0)
	p := r.State.(map[string]any)
	if fmt.Sprint(p["counts"]) != "[1 1]" || fmt.Sprint(p["voters"]) != "2" {
		t.Fatalf("counts %v voters %v", p["counts"], p["voters"])
	}
	raw, _ := json.Marshal(p)
	for _, sub := range []string{member.Subject, cohost.Subject} {
		if bytes.Contains(raw, []byte(`"`+sub+`"`)) {
			t.Fatalf("the poll names %q: %s", sub, raw)
		}
	}
	if _, ok := p["votes"]; ok {
		t.Fatal("an anonymous poll has votes")
	}
	// Another key (another deployment) cannot link the sealed ids.
	other := New(doc, Options{BallotKey: []byte("other")})
	if other.seal("p", member.Subject) == open().seal("p", member.Subject) {
		t.Fatal("seal does not depend on the key")
	}
}

// TestStartAndEndFlow: starting makes the first agenda item current;
// after the end the agenda cannot be stepped and the timer not started,
// while follow-up (editing the agenda) still works.
func TestStartAndEndFlow(t *testing.T) {
	m := newMeeting(t)
	mustApply(t, m, Command{Type: "participant.join"}, host, t0)
	mustApply(t, m, Command{Type: "agenda.add", ID: "a", Title: "Intro", Minutes: intp(5)}, host, t0)
	mustApply(t, m, Command{Type: "agenda.add", ID: "b", Title: "Demo", Minutes: intp(10)}, host, t0)
	mustApply(t, m, Command{Type: "session.start"}, host, t0)
	if cur := m.current.ToJSON(); cur["item"] != "a" || cur["since"] != t0.UnixMilli() {
		t.Fatalf("current after start = %v, want item a since t0", cur)
	}
	mustApply(t, m, Command{Type: "agenda.next"}, host, t0.Add(time.Minute))
	if _, err := m.Apply(Command{Type: "agenda.next"}, host, t0.Add(2*time.Minute)); codeOf(err) != CodeConflict {
		t.Fatalf("next past the last item: %v", err)
	}
	mustApply(t, m, Command{Type: "session.end"}, host, t0.Add(3*time.Minute))
	for _, c := range []Command{{Type: "agenda.next"}, {Type: "agenda.previous"}, {Type: "agenda.goto", ID: "a"},
		{Type: "timer.start", DurationMs: 1000}, {Type: "timer.resume"}} {
		before := snapshot(t, m)
		if _, err := m.Apply(c, host, t0.Add(4*time.Minute)); codeOf(err) != CodeConflict {
			t.Fatalf("%s after the end: %v, want conflict", c.Type, err)
		}
		if !bytes.Equal(before, snapshot(t, m)) {
			t.Fatalf("%s after the end changed the document", c.Type)
		}
	}
	mustApply(t, m, Command{Type: "agenda.edit", ID: "b", Done: boolp(true)}, host, t0.Add(5*time.Minute))
}

// TestHiddenPoll: a hidden poll shows its turnout but not its counts
// (nor who voted what) until it closes; closing tallies the ballots.
func TestHiddenPoll(t *testing.T) {
	m := setup(t)
	mustApply(t, m, Command{Type: "poll.create", ID: "h", Question: "Budget?", Options: []string{"up", "down"}, Hidden: true}, host, t0)
	mustApply(t, m, Command{Type: "poll.vote", ID: "h", Choices: []int{1}}, member, t0)
	mustApply(t, m, Command{Type: "poll.vote", ID: "h", Choices: []int{1}}, cohost, t0)
	p := getMap(m.polls, "h").ToJSON()
	if fmt.Sprint(p["counts"]) != "[0 0]" || toInt(p["voters"]) != 2 || p["votes"] != nil || p["hidden"] != true {
		t.Fatalf("open hidden poll shows %v", p)
	}
	mustApply(t, m, Command{Type: "poll.close", ID: "h"}, host, t0)
	p = getMap(m.polls, "h").ToJSON()
	if fmt.Sprint(p["counts"]) != "[0 2]" || fmt.Sprint(p["results"]) != "[0 2]" {
		t.Fatalf("closed hidden poll: counts %v results %v", p["counts"], p["results"])
	}
	if _, err := m.Apply(Command{Type: "agenda.next", Hidden: true}, host, t0); codeOf(err) != CodeBadRequest {
		t.Fatalf("hidden on another command: %v", err)
	}
}
