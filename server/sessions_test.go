package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// sessionAPI serves only the session routes, with the caller's identity
// taken from the X-Test-Subject header (and X-Test-Role, a token grant for
// the session in the URL), standing in for the auth middleware.
type sessionAPI struct {
	t *testing.T
	s *Server
	e *echo.Echo
}

func newSessionAPI(t *testing.T) *sessionAPI {
	t.Helper()
	// Tests send commands far faster than people do.
	return newSessionAPIWith(t, func(c *Config) { c.RateCommands = 0 })
}

func newSessionAPIWith(t *testing.T, edit func(*Config)) *sessionAPI {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	edit(&cfg)
	s, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.hubs.Close(context.Background()); err != nil {
			t.Error(err)
		}
		s.store.Close()
	})
	e := echo.New()
	e.Use(observeStatus)
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if sub := c.Request().Header.Get("X-Test-Subject"); sub != "" {
				id := Identity{Subject: sub, Name: sub}
				if r := c.Request().Header.Get("X-Test-Role"); r != "" {
					id.Roles = map[string]Role{c.Param("id"): Role(r)}
				} else if sess, err := s.store.GetSession(c.Request().Context(), c.Param("id")); err == nil {
					// Everyone else here is a member of the session's space,
					// as a community's people are (the access tests are
					// access_test.go).
					id.Roles = map[string]Role{sess.SpaceID: workspace.SpaceMember}
				}
				c.Set(identityKey, id)
			}
			return next(c)
		}
	})
	s.sessionRoutes(e.Group("/api"))
	return &sessionAPI{t: t, s: s, e: e}
}

// do sends a request as sub (role: an optional token grant) and decodes
// a JSON answer into out when out is not nil.
func (a *sessionAPI) do(method, path, sub, role, body string, out any) int {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Test-Subject", sub)
	req.Header.Set("X-Test-Role", role)
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	if rec.Code >= 400 {
		var e apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" {
			a.t.Errorf("%s %s: status %d without a JSON error: %q", method, path, rec.Code, rec.Body.String())
		}
	}
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			a.t.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec.Code
}

const createBody = `{"title":"Weekly","description":"d","scheduled_at":"2026-12-01T15:00:00Z",
	"time_zone":"Europe/Berlin","agenda":[{"id":"a1","title":"Intro","minutes":5},{"id":"a2","title":"Demo","minutes":10}]}`

func (a *sessionAPI) create(host string) notes.Session {
	a.t.Helper()
	var s notes.Session
	if code := a.do("POST", "/api/sessions", host, "", createBody, &s); code != http.StatusCreated {
		a.t.Fatalf("create: %d", code)
	}
	return s
}

func (a *sessionAPI) get(id string) notes.Session {
	a.t.Helper()
	var s notes.Session
	if code := a.do("GET", "/api/sessions/"+id, "x", "", "", &s); code != http.StatusOK {
		a.t.Fatalf("get: %d", code)
	}
	return s
}

func TestSessionCreateGet(t *testing.T) {
	a := newSessionAPI(t)
	s := a.create("alice")
	if s.Host != "alice" || s.State != notes.StateScheduled || s.ID == "" || len(s.Agenda) != 2 ||
		s.Roles["alice"] != "host" || s.TimeZone != "Europe/Berlin" {
		t.Fatalf("created %+v", s)
	}
	if g := a.get(s.ID); g.Title != "Weekly" || !g.ScheduledAt.Equal(s.ScheduledAt) {
		t.Fatalf("get %+v", g)
	}
	if code := a.do("GET", "/api/sessions/nope", "x", "", "", nil); code != http.StatusNotFound {
		t.Fatalf("unknown: %d", code)
	}
}

func TestSessionList(t *testing.T) {
	a := newSessionAPI(t)
	var ids []string
	for range 5 {
		ids = append(ids, a.create("alice").ID)
		time.Sleep(time.Millisecond) // distinct CreatedAt
	}
	if code := a.do("POST", "/api/sessions/"+ids[1]+"/start", "alice", "", "", nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	var got []string
	page := ""
	for {
		var p notes.SessionPage
		if code := a.do("GET", "/api/sessions?limit=2&page="+page, "alice", "", "", &p); code != 200 {
			t.Fatalf("list: %d", code)
		}
		for _, s := range p.Sessions {
			got = append(got, s.ID)
		}
		if page = p.NextPageToken; page == "" {
			break
		}
	}
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("list %v, want %v", got, want)
	}
	var p notes.SessionPage
	if code := a.do("GET", "/api/sessions?state=live", "alice", "", "", &p); code != 200 || len(p.Sessions) != 1 || p.Sessions[0].ID != ids[1] {
		t.Fatalf("live: %d %+v", code, p)
	}
	// Bob, no member of alice's spaces, sees none of them.
	if code := a.do("GET", "/api/sessions", "bob", "", "", &p); code != 200 || len(p.Sessions) != 0 {
		t.Fatalf("live: %d %+v", code, p)
	}
	for _, q := range []string{"state=paused", "limit=0", "limit=x", "limit=201", "page=zz"} {
		if code := a.do("GET", "/api/sessions?"+q, "bob", "", "", nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d", q, code)
		}
	}
}

// TestSessionPermissions checks each role on each side of each permission.
func TestSessionPermissions(t *testing.T) {
	type caller struct {
		name, sub, role string // role: a token grant for the session
	}
	host := caller{"host", "alice", ""}
	cohostStored := caller{"cohost (stored)", "carol", ""}
	cohostToken := caller{"cohost (token)", "dave", "cohost"}
	member := caller{"member", "bob", ""}
	viewer := caller{"viewer", "vic", "viewer"}
	all := []caller{host, cohostStored, cohostToken, member, viewer}
	allowed := map[string][]caller{
		"patch":  {host, cohostStored, cohostToken},
		"start":  {host, cohostStored, cohostToken},
		"end":    {host, cohostStored, cohostToken},
		"delete": {host},
	}
	for _, action := range []string{"patch", "start", "end", "delete"} {
		for _, c := range all {
			ok := false
			for _, w := range allowed[action] {
				ok = ok || w == c
			}
			t.Run(action+"/"+c.name, func(t *testing.T) {
				a := newSessionAPI(t)
				s := a.create("alice")
				if _, err := a.s.store.UpdateSession(context.Background(), s.ID, notes.SetRole("carol", RoleCoHost)); err != nil {
					t.Fatal(err)
				}
				if action == "end" {
					a.do("POST", "/api/sessions/"+s.ID+"/start", "alice", "", "", nil)
				}
				before := a.get(s.ID)
				var code int
				switch action {
				case "patch":
					code = a.do("PATCH", "/api/sessions/"+s.ID, c.sub, c.role, `{"title":"New"}`, nil)
				case "start", "end":
					code = a.do("POST", "/api/sessions/"+s.ID+"/"+action, c.sub, c.role, "", nil)
				case "delete":
					code = a.do("DELETE", "/api/sessions/"+s.ID, c.sub, c.role, "", nil)
				}
				if !ok {
					if code != http.StatusForbidden {
						t.Fatalf("status %d, want 403", code)
					}
					if after := a.get(s.ID); after.Title != before.Title || after.State != before.State {
						t.Fatalf("refused call changed state: %+v", after)
					}
					return
				}
				if code != http.StatusOK && code != http.StatusNoContent {
					t.Fatalf("status %d", code)
				}
				switch action {
				case "patch":
					if g := a.get(s.ID); g.Title != "New" || len(g.Agenda) != 2 {
						t.Fatalf("after patch %+v", g)
					}
				case "start":
					if g := a.get(s.ID); g.State != notes.StateLive || g.StartedAt == nil {
						t.Fatalf("after start %+v", g)
					}
				case "end":
					if g := a.get(s.ID); g.State != notes.StateEnded || g.EndedAt == nil {
						t.Fatalf("after end %+v", g)
					}
				case "delete":
					if code := a.do("GET", "/api/sessions/"+s.ID, "x", "", "", nil); code != http.StatusNotFound {
						t.Fatalf("after delete: %d", code)
					}
				}
			})
		}
	}
}

func TestSessionLifecycleConflicts(t *testing.T) {
	a := newSessionAPI(t)
	s := a.create("alice")
	step := func(action string, want int, state string) {
		t.Helper()
		if code := a.do("POST", "/api/sessions/"+s.ID+"/"+action, "alice", "", "", nil); code != want {
			t.Fatalf("%s: %d, want %d", action, code, want)
		}
		if g := a.get(s.ID); g.State != state {
			t.Fatalf("after %s: state %s, want %s", action, g.State, state)
		}
	}
	step("end", http.StatusConflict, notes.StateScheduled)
	step("start", http.StatusOK, notes.StateLive)
	step("start", http.StatusConflict, notes.StateLive)
	step("end", http.StatusOK, notes.StateEnded)
	step("start", http.StatusConflict, notes.StateEnded)
	step("end", http.StatusConflict, notes.StateEnded)
	for _, p := range []string{"start", "end"} {
		if code := a.do("POST", "/api/sessions/nope/"+p, "alice", "", "", nil); code != http.StatusNotFound {
			t.Fatalf("%s unknown: %d", p, code)
		}
	}
	if code := a.do("PATCH", "/api/sessions/nope", "alice", "", `{"title":"x"}`, nil); code != http.StatusNotFound {
		t.Fatalf("patch unknown: %d", code)
	}
	if code := a.do("DELETE", "/api/sessions/nope", "alice", "", "", nil); code != http.StatusNotFound {
		t.Fatalf("delete unknown: %d", code)
	}
}

func TestSessionBadInput(t *testing.T) {
	big := `{"title":"` + strings.Repeat("x", maxJSONBody) + `","time_zone":"UTC"}`
	cases := []struct {
		name, body string
		want       int
	}{
		{"unknown field", `{"title":"x","time_zone":"UTC","colour":"red"}`, 400},
		{"wrong type", `{"title":5,"time_zone":"UTC"}`, 400},
		{"wrong agenda type", `{"title":"x","time_zone":"UTC","agenda":[{"id":"a","title":"t","minutes":"5"}]}`, 400},
		{"bad time", `{"title":"x","time_zone":"UTC","scheduled_at":"tomorrow"}`, 400},
		{"invalid time zone", `{"title":"x","time_zone":"Mars/Olympus"}`, 400},
		{"missing title", `{"time_zone":"UTC"}`, 400},
		{"duplicate agenda id", `{"title":"x","time_zone":"UTC","agenda":[{"id":"a","title":"t"},{"id":"a","title":"u"}]}`, 400},
		{"not json", `title=x`, 400},
		{"trailing data", `{"title":"x","time_zone":"UTC"} {}`, 400},
		{"empty", ``, 400},
		{"oversize", big, 413},
	}
	for _, tc := range cases {
		t.Run("create/"+tc.name, func(t *testing.T) {
			a := newSessionAPI(t)
			if code := a.do("POST", "/api/sessions", "alice", "", tc.body, nil); code != tc.want {
				t.Fatalf("status %d, want %d", code, tc.want)
			}
			var p notes.SessionPage
			a.do("GET", "/api/sessions", "alice", "", "", &p)
			if len(p.Sessions) != 0 {
				t.Fatalf("refused create stored %d sessions", len(p.Sessions))
			}
		})
		t.Run("patch/"+tc.name, func(t *testing.T) {
			if tc.name == "missing title" || tc.name == "empty" {
				return // a PATCH may omit fields; empty is tested below
			}
			a := newSessionAPI(t)
			s := a.create("alice")
			if code := a.do("PATCH", "/api/sessions/"+s.ID, "alice", "", tc.body, nil); code != tc.want {
				t.Fatalf("status %d, want %d", code, tc.want)
			}
			if g := a.get(s.ID); g.Title != s.Title || g.TimeZone != s.TimeZone || len(g.Agenda) != len(s.Agenda) {
				t.Fatalf("refused patch changed %+v", g)
			}
		})
	}
	a := newSessionAPI(t)
	s := a.create("alice")
	if code := a.do("PATCH", "/api/sessions/"+s.ID, "alice", "", `{"title":""}`, nil); code != 400 {
		t.Fatalf("empty title: %d", code)
	}
	if code := a.do("PATCH", "/api/sessions/"+s.ID, "alice", "", `{"seed_notes":true}`, nil); code != 400 {
		t.Fatalf("seed_notes on patch: %d", code)
	}
}

// notesHeadings returns the notes document's XML.
func notesXML(d *crdt.Doc) string { return d.GetXmlFragment("default").String() }

// readNotes dials doc as a guest, waits for its sync, returns its notes
// XML and disconnects (before the caller may restart the server).
func readNotes(t *testing.T, ts *testServer, doc string) string {
	t.Helper()
	var got string
	clienttest.Read(t, 5*time.Second, "ws"+strings.TrimPrefix(ts.url, "http")+"/sync", doc, client.Options{},
		func(d *crdt.Doc) { got = notesXML(d) })
	return got
}

const wantNotes = `<heading level="1">Weekly</heading><heading level="2">Intro</heading><heading level="2">Demo</heading>`

// TestSessionNotesSeededOnce creates a session over HTTP, reads its notes
// with the Go client, reconnects, restarts the server, and sees the
// template exactly once every time.
func TestSessionNotesSeededOnce(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir, nil)
	// Public: the Go client below, another guest, reads it.
	body := strings.Replace(createBody, `{"title"`, `{"visibility":"public","title"`, 1)
	resp, err := http.Post(ts.url+"/api/sessions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var s notes.Session
	err = json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	check := func(ts *testServer) {
		t.Helper()
		if got := readNotes(t, ts, s.ID+"/notes"); got != wantNotes {
			t.Fatalf("notes = %s\nwant    %s", got, wantNotes)
		}
	}
	check(ts)
	check(ts)
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	ts = startServer(t, dir, nil)
	check(ts)

	// seed_notes=false leaves the notes empty.
	body = strings.Replace(createBody, `"title"`, `"seed_notes":false,"visibility":"public","title"`, 1)
	resp, err = http.Post(ts.url+"/api/sessions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var s2 notes.Session
	json.NewDecoder(resp.Body).Decode(&s2)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create unseeded: %d", resp.StatusCode)
	}
	if got := readNotes(t, ts, s2.ID+"/notes"); got != "" {
		t.Fatalf("unseeded notes = %s", got)
	}
}

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
		wc := dialAs(t, ts, sess.ID+"/notes", who)
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
