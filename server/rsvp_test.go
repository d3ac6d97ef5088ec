package server

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

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
	alice, bob, carol, dan := tok("alice"), tok("bob"), tok("carol"), tok("dan")
	var sess notes.Session
	code, b := callAPI(t, "POST", ts.url+"/api/sessions", alice, `{"title":"Call","time_zone":"UTC","scheduled_at":"2026-12-03T14:00:00Z"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &sess) != nil {
		t.Fatalf("create: %d %s", code, b)
	}
	for _, m := range []string{"bob", "carol"} {
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
	for _, step := range []string{"/start", "/end"} {
		if code, b := callAPI(t, "POST", ts.url+"/api/sessions/"+sess.ID+step, alice, ""); code != http.StatusOK {
			t.Fatalf("%s: %d %s", step, code, b)
		}
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
