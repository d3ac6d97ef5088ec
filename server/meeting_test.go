package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes"
)

// command posts one command as sub with a token grant role ("" for
// none) and returns the status and the decoded answer.
func (a *sessionAPI) command(id, sub, role, body string) (int, map[string]any) {
	a.t.Helper()
	var out map[string]any
	code := a.do("POST", "/api/sessions/"+id+"/commands", sub, role, body, &out)
	return code, out
}

func (a *sessionAPI) mustCommand(id, sub, role, body string) map[string]any {
	a.t.Helper()
	code, out := a.command(id, sub, role, body)
	if code != http.StatusOK {
		a.t.Fatalf("%s by %s (%s): %d %v", body, sub, role, code, out)
	}
	return out
}

// meetingState reads the whole meeting document through the API.
func (a *sessionAPI) meetingState(id string) map[string]any {
	a.t.Helper()
	var st map[string]any
	if code := a.do("GET", "/api/sessions/"+id+"/meeting", "x", "", "", &st); code != http.StatusOK {
		a.t.Fatalf("meeting %s: %d", id, code)
	}
	return st
}

// meetingBytes is the encoded meeting document: a refused command must
// leave it byte-identical.
func (a *sessionAPI) meetingBytes(id string) []byte {
	a.t.Helper()
	var b []byte
	err := a.s.hubs.Do(id+"/meeting", func(d *crdt.Doc) error {
		var err error
		b, err = d.EncodeStateAsUpdate(nil)
		return err
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return b
}

// join makes sub a participant, as a socket connection would.
func (a *sessionAPI) join(id, sub string, role Role) {
	a.t.Helper()
	ident := Identity{Subject: sub, Name: sub}
	if role != "" {
		ident.Roles = map[string]Role{id: role}
	}
	conn, err := a.s.ws.Connect(a.t.Context(), ident, id, "notes", false)
	if err != nil {
		a.t.Fatal(err)
	}
	conn.Opened()
	a.s.ws.Wait() // attendance is recorded in the background
}

// TestCommandRoles sends every command through the REST API as every
// role, on a fresh session prepared so that the command can succeed:
// the roles allowed get 200, the others 403 with a JSON error, and a
// refusal leaves the meeting document byte-identical.
func TestCommandRoles(t *testing.T) {
	a := newSessionAPI(t)
	const (
		runs    = "host cohost"
		takes   = "host cohost member"
		notView = "host cohost member"
	)
	tests := []struct {
		body    string
		setup   []string // commands by the host first ("self:" by the caller, "pat:" by member pat)
		allowed string
	}{
		{`{"type":"agenda.add","title":"New"}`, nil, runs},
		{`{"type":"agenda.edit","id":"a1","title":"Intro!"}`, nil, runs},
		{`{"type":"agenda.move","id":"a1","index":1}`, nil, runs},
		{`{"type":"agenda.remove","id":"a2"}`, nil, runs},
		{`{"type":"agenda.next"}`, nil, runs},
		{`{"type":"agenda.previous"}`, []string{`{"type":"agenda.goto","id":"a2"}`}, runs},
		{`{"type":"agenda.goto","id":"a2"}`, nil, runs},
		{`{"type":"timer.start","durationMs":60000}`, nil, runs},
		{`{"type":"timer.pause"}`, []string{`{"type":"timer.start","durationMs":60000}`}, runs},
		{`{"type":"timer.resume"}`, []string{`{"type":"timer.start","durationMs":60000}`, `{"type":"timer.pause"}`}, runs},
		{`{"type":"timer.reset"}`, []string{`{"type":"timer.start","durationMs":60000}`}, runs},
		{`{"type":"hand.raise"}`, nil, takes},
		{`{"type":"hand.lower"}`, []string{`self:{"type":"hand.raise"}`}, notView},
		{`{"type":"hand.lower","subject":"pat"}`, []string{`pat:{"type":"hand.raise"}`}, runs},
		{`{"type":"hand.lowerAll"}`, []string{`pat:{"type":"hand.raise"}`}, runs},
		{`{"type":"hand.next"}`, []string{`pat:{"type":"hand.raise"}`}, runs},
		{`{"type":"poll.create","question":"Lunch?","options":["yes","no"]}`, nil, runs},
		{`{"type":"poll.vote","id":"p","choices":[1]}`, []string{`{"type":"poll.create","id":"p","question":"Lunch?","options":["yes","no"]}`}, takes},
		{`{"type":"poll.close","id":"p"}`, []string{`{"type":"poll.create","id":"p","question":"Lunch?","options":["yes","no"]}`}, runs},
		{`{"type":"role.set","subject":"pat","role":"viewer"}`, nil, runs},
		{`{"type":"session.start"}`, nil, runs},
		{`{"type":"session.end"}`, []string{`{"type":"session.start"}`}, runs},
	}
	for _, tt := range tests {
		for _, role := range []Role{RoleHost, RoleCoHost, RoleMember, RoleViewer} {
			t.Run(fmt.Sprintf("%s/%s", tt.body, role), func(t *testing.T) {
				a.t = t
				s := a.create("host0")
				a.join(s.ID, "pat", RoleMember)
				sub, grant := "someone", string(role)
				if role == RoleHost {
					sub, grant = "host0", ""
				}
				a.join(s.ID, sub, Role(grant))
				for _, c := range tt.setup {
					who, g := "host0", ""
					if rest, ok := strings.CutPrefix(c, "self:"); ok {
						c = rest
						if role != RoleViewer { // a viewer has no hand to raise
							who, g = sub, grant
						}
					} else if rest, ok := strings.CutPrefix(c, "pat:"); ok {
						c, who, g = rest, "pat", string(RoleMember)
					}
					a.mustCommand(s.ID, who, g, c)
				}
				before := a.meetingBytes(s.ID)
				code, out := a.command(s.ID, sub, grant, tt.body)
				allowed := slices.Contains(strings.Fields(tt.allowed), string(role))
				switch {
				case allowed && code != http.StatusOK:
					t.Fatalf("%s may: got %d %v", role, code, out)
				case !allowed && code != http.StatusForbidden:
					t.Fatalf("%s may not: got %d %v", role, code, out)
				case !allowed && string(a.meetingBytes(s.ID)) != string(before):
					t.Fatal("a refused command changed the meeting document")
				case allowed && out["part"] == nil:
					t.Fatalf("answer without part: %v", out)
				}
			})
		}
	}
}

// TestCommandBadInput: each bad request is a 4xx with a JSON error
// naming the problem, and the meeting document is unchanged.
func TestCommandBadInput(t *testing.T) {
	a := newSessionAPI(t)
	s := a.create("host0")
	a.mustCommand(s.ID, "host0", "", `{"type":"poll.create","id":"p","question":"?","options":["a","b"]}`)
	a.mustCommand(s.ID, "host0", "", `{"type":"poll.close","id":"p"}`)
	before := a.meetingBytes(s.ID)
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"unknown command", `{"type":"agenda.explode"}`, 400, "bad_request"},
		{"no type", `{"title":"x"}`, 400, "bad_request"},
		{"wrong type", `{"type":"agenda.add","title":5}`, 400, "bad_request"},
		{"unknown field", `{"type":"hand.raise","sudo":true}`, 400, "bad_request"},
		{"not JSON", `hand.raise`, 400, "bad_request"},
		{"trailing data", `{"type":"hand.raise"}{}`, 400, "bad_request"},
		{"empty", ``, 400, "bad_request"},
		{"duplicate agenda id", `{"type":"agenda.add","id":"a1","title":"again"}`, 409, "conflict"},
		{"unknown agenda id", `{"type":"agenda.goto","id":"zz"}`, 404, "not_found"},
		{"vote on closed poll", `{"type":"poll.vote","id":"p","choices":[0]}`, 409, "conflict"},
		{"negative timer", `{"type":"timer.start","durationMs":-5}`, 400, "bad_request"},
		{"attendance is the server's", `{"type":"participant.join"}`, 400, "server_only"},
		{"oversize", `{"type":"agenda.add","title":"` + string(make([]byte, 2<<20)) + `"}`, 413, "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.t = t
			sub := "host0"
			if tt.name == "vote on closed poll" {
				sub = "m"
			}
			code, out := a.command(s.ID, sub, "", tt.body)
			if code != tt.status || out["code"] != tt.code || out["message"] == "" {
				t.Fatalf("got %d %v, want %d %s", code, out, tt.status, tt.code)
			}
			if string(a.meetingBytes(s.ID)) != string(before) {
				t.Fatal("a refused command changed the meeting document")
			}
		})
	}
	a.t = t
	if code, out := a.command("nope", "host0", "", `{"type":"hand.raise"}`); code != 404 || out["code"] != "not_found" {
		t.Fatalf("unknown session: %d %v", code, out)
	}
}

// TestMeetingSeededOnce: the meeting document takes the session's title,
// host and planned agenda when it is first created, and only then.
func TestMeetingSeededOnce(t *testing.T) {
	a := newSessionAPI(t)
	s := a.create("host0")
	st := a.meetingState(s.ID)
	agenda := st["agenda"].([]any)
	if len(agenda) != 2 || agenda[0].(map[string]any)["id"] != "a1" || agenda[1].(map[string]any)["minutes"] != float64(10) {
		t.Fatalf("agenda %v", agenda)
	}
	if sess := st["session"].(map[string]any); sess["title"] != "Weekly" || sess["host"] != "host0" || sess["state"] != "scheduled" {
		t.Fatalf("session %v", sess)
	}
	a.mustCommand(s.ID, "host0", "", `{"type":"agenda.remove","id":"a1"}`)
	// The room unloads between calls (no connection holds it); reloading
	// must not seed again.
	for range 3 {
		if n := len(a.meetingState(s.ID)["agenda"].([]any)); n != 1 {
			t.Fatalf("agenda has %d items after a reload, want 1", n)
		}
	}
}

// TestLifecycleThroughCommands: session.start and session.end move the
// stored session too, and the documents stay editable after the end.
func TestLifecycleThroughCommands(t *testing.T) {
	a := newSessionAPI(t)
	s := a.create("host0")
	a.mustCommand(s.ID, "host0", "", `{"type":"session.start"}`)
	if g := a.get(s.ID); g.State != notes.StateLive || g.StartedAt == nil {
		t.Fatalf("after start: %+v", g)
	}
	a.mustCommand(s.ID, "host0", "", `{"type":"agenda.next"}`)
	a.mustCommand(s.ID, "host0", "", `{"type":"session.end"}`)
	if g := a.get(s.ID); g.State != notes.StateEnded || g.EndedAt == nil {
		t.Fatalf("after end: %+v", g)
	}
	st := a.meetingState(s.ID)
	if st["session"].(map[string]any)["state"] != "ended" {
		t.Fatalf("meeting %v", st["session"])
	}
	// The record and the meeting document say the same moments (the
	// reader shows the one, the room the other).
	g := a.get(s.ID)
	for k, at := range map[string]*time.Time{"startedAt": g.StartedAt, "endedAt": g.EndedAt} {
		if ms, _ := st["session"].(map[string]any)[k].(float64); int64(ms) != at.UnixMilli() || at.Nanosecond()%int(time.Millisecond) != 0 {
			t.Errorf("%s: the meeting says %v ms, the session record %v", k, ms, at)
		}
	}
	// Asynchronous follow-up: commands keep working after the end.
	a.mustCommand(s.ID, "host0", "", `{"type":"agenda.edit","id":"a2","done":true}`)
	if code, _ := a.command(s.ID, "host0", "", `{"type":"session.start"}`); code != http.StatusConflict {
		t.Fatalf("restart an ended session: %d", code)
	}
	// /start and /end are the same commands.
	s2 := a.create("host0")
	if code := a.do("POST", "/api/sessions/"+s2.ID+"/start", "host0", "", "", nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	if st := a.meetingState(s2.ID); st["session"].(map[string]any)["state"] != "live" {
		t.Fatalf("POST /start left the meeting %v", st["session"])
	}
}

// TestConcurrentHands: 100 members raise their hands at once; the queue
// holds each of them once, in the order the server applied the raises.
func TestConcurrentHands(t *testing.T) {
	a := newSessionAPI(t)
	s := a.create("host0")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			sub := fmt.Sprintf("m%03d", i)
			if code, out := a.command(s.ID, sub, "", `{"type":"hand.raise"}`); code != http.StatusOK {
				errs <- fmt.Errorf("%s: %d %v", sub, code, out)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	hands := a.meetingState(s.ID)["hands"].([]any)
	if len(hands) != 100 {
		t.Fatalf("queue of %d, want 100", len(hands))
	}
	seen := map[string]bool{}
	var last float64
	for _, h := range hands {
		h := h.(map[string]any)
		sub := h["subject"].(string)
		if seen[sub] {
			t.Fatalf("%s twice in the queue", sub)
		}
		seen[sub] = true
		at := h["raisedAt"].(float64)
		if at < last {
			t.Fatalf("queue not in server order: %v after %v", at, last)
		}
		last = at
	}
	// A second raise by the same person is refused and changes nothing.
	if code, _ := a.command(s.ID, "m000", "", `{"type":"hand.raise"}`); code != http.StatusConflict {
		t.Fatalf("raising twice: %d", code)
	}
	// The host calls the first in line.
	first := hands[0].(map[string]any)["subject"]
	out := a.mustCommand(s.ID, "host0", "", `{"type":"hand.next"}`)
	if b, _ := json.Marshal(out); !json.Valid(b) {
		t.Fatal("answer is not JSON")
	}
	rest := a.meetingState(s.ID)["hands"].([]any)
	if len(rest) != 99 || rest[0].(map[string]any)["subject"] == first {
		t.Fatalf("after hand.next: %d left, first %v", len(rest), rest[0])
	}
}

// TestConcurrentVotes: 50 members vote at once, several times each,
// on a named and on an anonymous poll; each identity counts once.
func TestConcurrentVotes(t *testing.T) {
	a := newSessionAPI(t)
	s := a.create("host0")
	a.mustCommand(s.ID, "host0", "", `{"type":"poll.create","id":"named","question":"?","options":["a","b","c"]}`)
	a.mustCommand(s.ID, "host0", "", `{"type":"poll.create","id":"anon","question":"?","options":["a","b","c"],"anonymous":true}`)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			sub := fmt.Sprintf("m%02d", i)
			for k := range 3 {
				for _, p := range []string{"named", "anon"} {
					body := fmt.Sprintf(`{"type":"poll.vote","id":%q,"choices":[%d]}`, p, (i+k)%3)
					if code, out := a.command(s.ID, sub, "", body); code != http.StatusOK {
						t.Errorf("%s: %d %v", sub, code, out)
					}
				}
			}
		})
	}
	wg.Wait()
	polls := a.meetingState(s.ID)["polls"].(map[string]any)
	for _, id := range []string{"named", "anon"} {
		p := polls[id].(map[string]any)
		var sum float64
		for _, c := range p["counts"].([]any) {
			sum += c.(float64)
		}
		if p["voters"] != float64(50) || sum != 50 {
			t.Fatalf("%s: voters %v, counts %v", id, p["voters"], p["counts"])
		}
		// Each member's last ballot is (i+2)%3.
		want := []any{float64(17), float64(16), float64(17)}
		if fmt.Sprint(p["counts"]) != fmt.Sprint(want) {
			t.Fatalf("%s: counts %v, want %v", id, p["counts"], want)
		}
	}
	if _, ok := polls["anon"].(map[string]any)["votes"]; ok {
		t.Fatal("an anonymous poll shows who voted what")
	}
	// The anonymous poll's ballots survive the document being unloaded
	// and reloaded (they are kept beside it): a changed vote still
	// replaces the old one.
	a.mustCommand(s.ID, "m00", "", `{"type":"poll.vote","id":"anon","choices":[0]}`)
	p := a.meetingState(s.ID)["polls"].(map[string]any)["anon"].(map[string]any)
	if p["voters"] != float64(50) || fmt.Sprint(p["counts"]) != "[18 16 16]" {
		t.Fatalf("after a changed vote: voters %v counts %v", p["voters"], p["counts"])
	}
}
