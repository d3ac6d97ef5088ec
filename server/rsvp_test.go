package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// TestRSVP: members answer, change their mind; everyone sees the counts
// and their own answer, only the host who said what; bad answers and
// answers after the end are refused and change nothing.
func TestRSVP(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	tok := func(sub string) string {
		return sign(t, jwt.SigningMethodHS256, testSecret, claims(sub, time.Hour, nil))
	}
	alice, bob, carol, dan, erin := tok("alice"), tok("bob"), tok("carol"), tok("dan"), tok("erin")
	var sess notes.Session
	code, b := callAPI(t, "POST", ts.url+"/api/sessions", alice, `{"title":"Call","time_zone":"UTC","scheduled_at":"2026-12-03T14:00:00Z"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &sess) != nil {
		t.Fatalf("create: %d %s", code, b)
	}
	for _, m := range []string{"bob", "carol", "erin"} {
		if code, b := callAPI(t, "PUT", ts.url+"/api/spaces/"+sess.SpaceID+"/members/"+m, alice, `{"role":"member"}`); code != http.StatusOK {
			t.Fatalf("add %s: %d %s", m, code, b)
		}
	}
	rsvp := ts.url + "/api/sessions/" + sess.ID + "/rsvp"
	answer := func(tok, a string) workspace.RSVPSummary {
		t.Helper()
		var s workspace.RSVPSummary
		code, b := callAPI(t, "PUT", rsvp, tok, `{"answer":"`+a+`"}`)
		if code != http.StatusOK || json.Unmarshal(b, &s) != nil {
			t.Fatalf("answer %s: %d %s", a, code, b)
		}
		return s
	}
	answer(alice, "going")
	answer(bob, "going")
	if s := answer(bob, "maybe"); s.Mine != "maybe" || s.Going != 1 || s.Maybe != 1 || s.People != nil {
		t.Errorf("bob's view after changing his mind: %+v", s)
	}
	answer(carol, "not_going")
	if code, _ := callAPI(t, "PUT", rsvp, dan, `{"answer":"going"}`); code != http.StatusNotFound {
		t.Errorf("a non-member answered: %d", code)
	}
	if code, _ := callAPI(t, "PUT", rsvp, bob, `{"answer":"yes please"}`); code != http.StatusBadRequest {
		t.Errorf("a bad answer: %d", code)
	}
	var s workspace.RSVPSummary
	code, b = callAPI(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/rsvps", alice, "")
	if code != http.StatusOK || json.Unmarshal(b, &s) != nil || s.Going != 1 || s.Maybe != 1 || s.NotGoing != 1 || s.Mine != "going" || len(s.People) != 3 {
		t.Errorf("the host's view: %d %s", code, b)
	}
	// Alice (going) opens the room before the start and leaves: that
	// is not coming.
	wa, _, err := dialDocWith(t, ts, sess.ID+"/notes", bearer(alice))
	if err != nil {
		t.Fatal(err)
	}
	wa.c.Close(websocket.StatusNormalClosure, "")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, m := call(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/meeting", alice, "")
		ps, _ := m["participants"].(map[string]any)
		if a, _ := ps["alice"].(map[string]any); a["leftAt"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice's visit not recorded: %v", m["participants"])
		}
	}
	// Bob (maybe) and Erin (no answer) come; Alice (going) does not.
	if code, b := callAPI(t, "POST", ts.url+"/api/sessions/"+sess.ID+"/start", alice, ""); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, b)
	}
	for _, who := range []string{bob, erin} {
		wc, _, err := dialDocWith(t, ts, sess.ID+"/notes", bearer(who))
		if err != nil {
			t.Fatal(err)
		}
		defer wc.c.CloseNow()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, m := call(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/meeting", alice, "")
		ps, _ := m["participants"].(map[string]any)
		if ps["bob"] != nil && ps["erin"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("attendance not recorded: %v", m["participants"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, b := callAPI(t, "POST", ts.url+"/api/sessions/"+sess.ID+"/end", alice, ""); code != http.StatusOK {
		t.Fatalf("end: %d %s", code, b)
	}
	s = workspace.RSVPSummary{}
	code, b = callAPI(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/rsvps", alice, "")
	if code != http.StatusOK || json.Unmarshal(b, &s) != nil || len(s.People) != 3 || len(s.Unannounced) != 1 || s.Unannounced[0] != "erin" {
		t.Fatalf("the host's record: %d %s", code, b)
	}
	for _, p := range s.People {
		if p.Attended == nil || *p.Attended != (p.Subject == "bob") {
			t.Errorf("%s (%s) attended = %v", p.Subject, p.Answer, p.Attended)
		}
	}
	// The host's Markdown (and HTML) record sets the answers against who
	// came, by name (the attendee's, else the profile's, else the
	// subject); Alice's visit before the start is no attendance. Bob's
	// record has none of it.
	code, b = callAPI(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/notes?format=md", alice, "")
	for _, want := range []string{
		"### Answers and attendance\n\n1 going, 1 maybe, 1 not going.\n",
		"#### Said going and came (0)\n\nNobody.\n",
		"#### Said going, did not come (1)\n\n- alice\n",
		"#### Came without answering (1)\n\n- Name of erin\n",
	} {
		if code != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("the host's Markdown lacks %q: %d\n%s", want, code, b)
		}
	}
	if strings.Contains(string(b), "| Name of alice |") {
		t.Errorf("a visit before the start is listed among the attendees:\n%s", b)
	}
	code, b = callAPI(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/notes?format=html", alice, "")
	if want := "<h3>Said going, did not come (1)</h3><ul><li>alice</li></ul>"; code != http.StatusOK || !strings.Contains(string(b), want) {
		t.Errorf("the host's HTML lacks %q: %d\n%s", want, code, b)
	}
	if code, b := callAPI(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/notes?format=md", bob, ""); code != http.StatusOK || strings.Contains(string(b), "Answers and attendance") {
		t.Errorf("a member's Markdown: %d\n%s", code, b)
	}
	if code, _ := callAPI(t, "PUT", rsvp, bob, `{"answer":"going"}`); code != http.StatusConflict {
		t.Errorf("an answer after the end: %d", code)
	}
	s = workspace.RSVPSummary{}
	code, b = callAPI(t, "GET", ts.url+"/api/sessions/"+sess.ID+"/rsvps", bob, "")
	if code != http.StatusOK || json.Unmarshal(b, &s) != nil || s.Maybe != 1 || s.Mine != "maybe" || s.People != nil {
		t.Errorf("after the end, bob's view: %d %s", code, b)
	}
}
