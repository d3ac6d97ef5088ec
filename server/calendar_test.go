package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/internal/ical/icaltest"
	"github.com/cocreate/cocreate/notes"
)

// callAPI sends method url with an optional bearer token and JSON body and
// returns the status and body.
func callAPI(t *testing.T, method, u, tok, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var e apiError
		if json.Unmarshal(b, &e) != nil || e.Code == "" || e.Message == "" {
			t.Errorf("%s %s: %d without a JSON error: %q", method, u, resp.StatusCode, b)
		}
	}
	if resp.StatusCode == http.StatusOK && strings.HasSuffix(strings.Split(u, "?")[0], ".ics") {
		if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", u, ct)
		}
	}
	return resp.StatusCode, b
}

// parseFeed parses a feed with ical.js, occurrences of 2026–2027 shown in
// Berlin, New York and Tokyo.
func parseFeed(t *testing.T, feed []byte) icaltest.Result {
	t.Helper()
	return icaltest.Parse(t, feed, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC),
		"Europe/Berlin", "America/New_York", "Asia/Tokyo")
}

// TestSessionCalendarFeed: a session's .ics read with a token and with a
// feed token parses in ical.js at the right moment in three zones; a
// reschedule raises SEQUENCE; a revoked feed reads nothing; a deleted
// session's feed says CANCELLED; a feed token opens nothing else.
func TestSessionCalendarFeed(t *testing.T) {
	ts := startServer(t, t.TempDir(), withAuth)
	alice := sign(t, jwt.SigningMethodHS256, testSecret, claims("alice", time.Hour, nil))
	bob := sign(t, jwt.SigningMethodHS256, testSecret, claims("bob", time.Hour, nil))
	body := `{"title":"Community call, Dec","scheduled_at":"2026-12-03T14:00:00Z","time_zone":"Europe/Berlin",
		"agenda":[{"id":"a1","title":"Welcome; news","minutes":10},{"id":"a2","title":"Open tasks","minutes":35}]}`
	var sess, other notes.Session
	for _, s := range []*notes.Session{&sess, &other} {
		code, b := callAPI(t, "POST", ts.url+"/api/sessions", alice, body)
		if code != http.StatusCreated || json.Unmarshal(b, s) != nil {
			t.Fatalf("create: %d %s", code, b)
		}
	}
	ics := ts.url + "/api/sessions/" + sess.ID + "/calendar.ics"

	if code, _ := callAPI(t, "GET", ics, "", ""); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	// Bob is not in the session's space: it does not exist for him,
	// and he cannot make a feed token for it.
	if code, _ := callAPI(t, "GET", ics, bob, ""); code != http.StatusNotFound {
		t.Fatalf("a non-member read the feed: %d", code)
	}
	if code, _ := callAPI(t, "POST", ts.url+"/api/me/feeds", bob, `{"session_id":"`+sess.ID+`"}`); code != http.StatusNotFound {
		t.Fatalf("a non-member made a feed token: %d", code)
	}
	if code, b := callAPI(t, "PUT", ts.url+"/api/spaces/"+sess.SpaceID+"/members/bob", alice, `{"role":"viewer"}`); code != http.StatusOK {
		t.Fatalf("add bob: %d %s", code, b)
	}
	code, feed := callAPI(t, "GET", ics, bob, "")
	if code != http.StatusOK {
		t.Fatalf("with a token: %d %s", code, feed)
	}
	r := parseFeed(t, feed)
	if len(r.Events) != 1 || len(r.Occurrences) != 1 {
		t.Fatalf("feed: %+v", r)
	}
	ev, o := r.Events[0], r.Occurrences[0]
	if ev.UID != "session-"+sess.ID+"@cocreate" || ev.Summary != "Community call, Dec" || ev.Status != "CONFIRMED" ||
		ev.TZID == nil || *ev.TZID != "Europe/Berlin" || ev.URL != ts.url+"/s/"+sess.ID ||
		ev.Description != "Agenda:\n1. Welcome; news (10 min)\n2. Open tasks (35 min)" {
		t.Errorf("event = %+v", ev)
	}
	if o.Local["Europe/Berlin"] != "2026-12-03 15:00" || o.Local["America/New_York"] != "2026-12-03 09:00" ||
		o.Local["Asia/Tokyo"] != "2026-12-03 23:00" || o.EndUTC != "2026-12-03T14:45:00.000Z" {
		t.Errorf("occurrence = %+v", o)
	}
	seq0 := ev.Sequence

	// A feed token for alice: read without any header.
	var fv struct {
		ID, Secret, Path, URL, Kind, Target string
	}
	code, b := callAPI(t, "POST", ts.url+"/api/me/feeds", alice, `{"session_id":"`+sess.ID+`"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &fv) != nil || fv.Secret == "" || fv.Kind != "session" || fv.Target != sess.ID ||
		fv.URL != ics+"?feed="+fv.Secret {
		t.Fatalf("create feed: %d %s", code, b)
	}
	if code, _ := callAPI(t, "GET", fv.URL, "", ""); code != http.StatusOK {
		t.Fatalf("feed URL: %d", code)
	}
	// The feed token opens nothing else: not as a token, not as ?feed=
	// on another route, not for another session's feed.
	q := url.QueryEscape(fv.Secret)
	for _, c := range []struct {
		method, url, tok string
		want             int
	}{
		{"GET", ts.url + "/api/sessions/" + sess.ID + "?token=" + q, "", http.StatusUnauthorized},
		{"GET", ts.url + "/api/sessions/" + sess.ID, fv.Secret, http.StatusUnauthorized},
		{"GET", ts.url + "/api/sessions/" + sess.ID + "?feed=" + q, "", http.StatusUnauthorized},
		{"GET", ts.url + "/api/me/feeds?feed=" + q, "", http.StatusUnauthorized},
		{"DELETE", ts.url + "/api/me/feeds/" + fv.ID + "?feed=" + q, "", http.StatusUnauthorized},
		{"GET", ts.url + "/api/sessions/" + sess.ID + "/notes?feed=" + q, "", http.StatusUnauthorized},
		{"GET", ts.url + "/api/sessions/" + other.ID + "/calendar.ics?feed=" + q, "", http.StatusNotFound},
		{"GET", ics + "?feed=not-a-feed", "", http.StatusNotFound},
	} {
		if code, b := callAPI(t, c.method, c.url, c.tok, ""); code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.url, code, b, c.want)
		}
	}

	// Reschedule: same UID, higher SEQUENCE, the new time.
	if code, b := callAPI(t, "PATCH", ts.url+"/api/sessions/"+sess.ID, alice, `{"scheduled_at":"2026-12-10T15:30:00Z"}`); code != http.StatusOK {
		t.Fatalf("reschedule: %d %s", code, b)
	}
	_, feed = callAPI(t, "GET", fv.URL, "", "")
	r = parseFeed(t, feed)
	if ev := r.Events[0]; ev.Sequence <= seq0 || ev.UID != "session-"+sess.ID+"@cocreate" || r.Occurrences[0].Local["Europe/Berlin"] != "2026-12-10 16:30" {
		t.Errorf("after reschedule: %+v %+v (sequence before %d)", ev, r.Occurrences, seq0)
	}
	seq1 := r.Events[0].Sequence
	// Another edit is no reschedule: SEQUENCE stays.
	if code, b := callAPI(t, "PATCH", ts.url+"/api/sessions/"+sess.ID, alice, `{"title":"Community call, moved"}`); code != http.StatusOK {
		t.Fatalf("rename: %d %s", code, b)
	}
	_, feed = callAPI(t, "GET", fv.URL, "", "")
	if ev := parseFeed(t, feed).Events[0]; ev.Sequence != seq1 || ev.Summary != "Community call, moved" {
		t.Errorf("after a rename: %+v (sequence before %d)", ev, seq1)
	}

	// The list shows no secrets; only the owner revokes.
	code, b = callAPI(t, "GET", ts.url+"/api/me/feeds", alice, "")
	if code != http.StatusOK || !strings.Contains(string(b), fv.ID) || strings.Contains(string(b), fv.Secret) {
		t.Errorf("list feeds: %d %s", code, b)
	}
	if code, _ := callAPI(t, "DELETE", ts.url+"/api/me/feeds/"+fv.ID, bob, ""); code != http.StatusNotFound {
		t.Errorf("bob revoked alice's feed: %d", code)
	}
	if code, _ := callAPI(t, "DELETE", ts.url+"/api/me/feeds/"+fv.ID, alice, ""); code != http.StatusNoContent {
		t.Errorf("revoke: %d", code)
	}
	if code, _ := callAPI(t, "GET", fv.URL, "", ""); code != http.StatusNotFound {
		t.Errorf("revoked feed reads: %d", code)
	}

	// Deleted: the feed cancels the event, with a higher SEQUENCE.
	code, b = callAPI(t, "POST", ts.url+"/api/me/feeds", bob, `{"session_id":"`+sess.ID+`"}`)
	if code != http.StatusCreated || json.Unmarshal(b, &fv) != nil {
		t.Fatalf("bob's feed: %d %s", code, b)
	}
	if code, _ := callAPI(t, "DELETE", ts.url+"/api/sessions/"+sess.ID, alice, ""); code != http.StatusNoContent {
		t.Fatalf("delete session: %d", code)
	}
	code, feed = callAPI(t, "GET", fv.URL, "", "")
	if code != http.StatusOK {
		t.Fatalf("deleted session's feed: %d %s", code, feed)
	}
	r = parseFeed(t, feed)
	if ev := r.Events[0]; ev.Status != "CANCELLED" || ev.Sequence <= seq1 || ev.UID != "session-"+sess.ID+"@cocreate" {
		t.Errorf("deleted session's event: %+v (sequence before %d)", ev, seq1)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/sessions/"+sess.ID, alice, ""); code != http.StatusNotFound {
		t.Errorf("deleted session still readable: %d", code)
	}
	// The space's feed keeps it, CANCELLED (the other session is in a
	// space of its own).
	code, feed = callAPI(t, "GET", ts.url+"/api/spaces/"+sess.SpaceID+"/calendar.ics", bob, "")
	if code != http.StatusOK {
		t.Fatalf("space feed: %d %s", code, feed)
	}
	status := map[string]string{}
	for _, ev := range parseFeed(t, feed).Events {
		status[ev.UID] = ev.Status
	}
	if len(status) != 1 || status["session-"+sess.ID+"@cocreate"] != "CANCELLED" {
		t.Errorf("space feed after a delete: %v", status)
	}

	for _, c := range []struct{ body, code string }{
		{`{"session_id":"a","series_id":"b"}`, "bad_feed"},
		{`{"session_id":"a","space_id":"b"}`, "bad_feed"},
		{`{}`, "bad_feed"},
		{`{"session_id":"x","extra":1}`, "bad_json"},
	} {
		code, b := callAPI(t, "POST", ts.url+"/api/me/feeds", alice, c.body)
		if code != http.StatusBadRequest || !strings.Contains(string(b), c.code) {
			t.Errorf("POST /api/me/feeds %s: %d %s", c.body, code, b)
		}
	}
	if code, _ := callAPI(t, "POST", ts.url+"/api/me/feeds", alice, `{"space_id":"no-such-space"}`); code != http.StatusNotFound {
		t.Errorf("feed of an unknown space: %d", code)
	}
	if code, _ := callAPI(t, "POST", ts.url+"/api/me/feeds", alice, `{"session_id":"no-such-session"}`); code != http.StatusNotFound {
		t.Errorf("feed of an unknown session: %d", code)
	}
	if code, _ := callAPI(t, "GET", ts.url+"/api/sessions/no-such-session/calendar.ics", alice, ""); code != http.StatusNotFound {
		t.Errorf("calendar of an unknown session: %d", code)
	}
	if code, _ := callAPI(t, "DELETE", ts.url+"/api/me/feeds/"+strings.Repeat("x", 300), alice, ""); code != http.StatusBadRequest {
		t.Errorf("bad feed id: %d", code)
	}
}
