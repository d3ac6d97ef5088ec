package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

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
