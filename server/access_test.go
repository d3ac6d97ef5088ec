package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/cocreate/cocreate/client/web"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/hocus"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// The people of the access matrix: the owner, an admin, a member and a
// viewer of space A; an outsider (a member of nothing here); and the
// anonymous caller (no token; in guest mode a new guest every request).
var personas = []string{"owner", "admin", "member", "viewer", "outsider", "anonymous"}

// The objects each operation is tried on: a space-visibility session of
// space A (and space A), one of space B that nobody here belongs to (and
// space B), a private session of space A hosted by A's owner, and a
// public session of space B.
var targets = []string{"own space", "other space", "private session", "public session"}

// world is one set of the matrix's objects; every mutating cell gets a
// fresh one, so the cells do not depend on each other.
type world struct {
	space   map[string]string // target → space id
	session map[string]string // target → session id
	invite  map[string]string // target → invite code (a space invite for the spaces, a session invite for the sessions)
	doomed  string            // a member of space A anyone allowed may remove
}

// accessFixture is a server and the identities of the personas.
type accessFixture struct {
	t       *testing.T
	ts      *testServer
	auth    bool
	cred    map[string]string // persona → token or guest cookie
	subject map[string]string
}

const stranger = "stranger-who-owns-space-b"

func newAccessFixture(t *testing.T, auth bool) *accessFixture {
	f := &accessFixture{t: t, auth: auth, cred: map[string]string{}, subject: map[string]string{}}
	f.ts = startServer(t, t.TempDir(), func(c *Config) {
		c.PublicRooms = false
		c.RateCommands = 0
		c.RateUpdates = 0
		// The matrix makes a space (or a session with one of its own)
		// per row as the same owner.
		c.MaxSpacesPerPerson = 0
		if auth {
			withAuth(c)
		}
	})
	for _, p := range personas[:5] {
		if auth {
			f.cred[p] = sign(t, jwt.SigningMethodHS256, testSecret, claims(p+"-sub", time.Hour, nil))
			f.subject[p] = p + "-sub"
			continue
		}
		resp := f.raw("GET", "/api/me", "", "")
		var ck string
		for _, c := range resp.Cookies() {
			if c.Name == guestCookie {
				ck = c.Value
			}
		}
		resp.Body.Close()
		f.cred[p] = ck
		_, me := f.call(p, "GET", "/api/me", "")
		f.subject[p] = me["subject"].(string)
	}
	return f
}

// raw sends a request with a credential (a token, or a guest cookie).
func (f *accessFixture) raw(method, path, cred, body string) *http.Response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.ts.url+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cred != "" {
		if f.auth {
			req.Header.Set("Authorization", "Bearer "+cred)
		} else {
			req.AddCookie(&http.Cookie{Name: guestCookie, Value: cred})
		}
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

// call sends a request as persona p and returns the status and the
// decoded JSON object (if it is one).
func (f *accessFixture) call(p, method, path, body string) (int, map[string]any) {
	f.t.Helper()
	code, raw := f.callRaw(p, method, path, body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return code, out
}

func (f *accessFixture) callRaw(p, method, path, body string) (int, []byte) {
	f.t.Helper()
	resp := f.raw(method, path, f.cred[p], body)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// newWorld stores a fresh set of objects, as the API would have made
// them.
func (f *accessFixture) newWorld() world {
	f.t.Helper()
	ctx := context.Background()
	st := f.ts.srv.store
	must := func(err error) {
		if err != nil {
			f.t.Fatal(err)
		}
	}
	w := world{space: map[string]string{}, session: map[string]string{}, invite: map[string]string{}}
	a, b := "A-"+uuid.NewString(), "B-"+uuid.NewString()
	must(st.CreateSpace(ctx, notes.Space{ID: a, Name: "Space A", CreatedAt: time.Now()}, f.subject["owner"]))
	must(st.CreateSpace(ctx, notes.Space{ID: b, Name: "Space B", CreatedAt: time.Now()}, stranger))
	for _, p := range []string{"admin", "member", "viewer"} {
		must(st.SetMember(ctx, a, f.subject[p], p))
	}
	w.doomed = "doomed-" + uuid.NewString()
	must(st.SetMember(ctx, a, w.doomed, workspace.SpaceMember))
	for tg, spec := range map[string]struct{ space, host, vis string }{
		"own space":       {a, f.subject["owner"], notes.VisibilitySpace},
		"other space":     {b, stranger, notes.VisibilitySpace},
		"private session": {a, f.subject["owner"], notes.VisibilityPrivate},
		"public session":  {b, stranger, notes.VisibilityPublic},
	} {
		id := uuid.NewString()
		must(st.CreateSession(ctx, notes.Session{ID: id, Title: "Session " + tg, TimeZone: "UTC", State: notes.StateScheduled,
			CreatedAt: time.Now().UTC(), Agenda: []notes.AgendaItem{}, Host: spec.host,
			Roles: map[string]workspace.Role{spec.host: workspace.RoleHost}, SpaceID: spec.space, Visibility: spec.vis}))
		must(st.Append(ctx, id+"/notes", emptyNotesUpdate))
		_, err := f.ts.srv.ws.SaveVersion(ctx, workspace.Caller{Subject: spec.host}, id, "v1")
		must(err)
		w.session[tg], w.space[tg] = id, spec.space
		code := strings.ReplaceAll(uuid.NewString()+uuid.NewString(), "-", "")[:43]
		inv := notes.Invite{Code: code, SpaceID: spec.space, Role: "member", ExpiresAt: time.Now().Add(time.Hour),
			MaxUses: 100, CreatedBy: spec.host, CreatedAt: time.Now()}
		if strings.HasSuffix(tg, "session") {
			inv.SessionID = id
		}
		must(st.CreateInvite(ctx, inv))
		w.invite[tg] = code
	}
	return w
}

// emptyNotesUpdate is an empty Yjs update: the notes document exists.
var emptyNotesUpdate = []byte{0, 0}

// sessionRole is persona p's role in the session of target tg ("" for
// none), as the access model says.
func sessionRole(p, tg string) workspace.Role {
	switch tg {
	case "own space":
		return map[string]workspace.Role{"owner": workspace.RoleHost, "admin": workspace.RoleCoHost, "member": workspace.RoleMember, "viewer": workspace.RoleViewer}[p]
	case "private session":
		if p == "owner" {
			return workspace.RoleHost
		}
	case "public session":
		return workspace.RoleViewer
	}
	return ""
}

// spaceRole is persona p's role in the space of target tg.
func spaceRole(p, tg string) string {
	if tg == "own space" || tg == "private session" {
		return map[string]string{"owner": "owner", "admin": "admin", "member": "member", "viewer": "viewer"}[p]
	}
	return ""
}

// needs is what an operation asks of its caller.
type needs struct {
	// session: the session roles that may do it (on the target's
	// session); space: the space roles (on the target's space); any:
	// everybody who is somebody; public: even the anonymous.
	session []workspace.Role
	space   []string
	any     bool
	public  bool
	// ok is the status of success; fresh: the operation changes what
	// it acts on, so each try gets a fresh world.
	ok    int
	fresh bool
	// live: the fresh world's sessions are live.
	live bool
	// adminKey: with --auth-secret it needs the admin key (401).
	adminKey bool
	// path and body make the request for a world and a target.
	path func(w world, tg string) string
	body string
	// forbidden overrides 403 for a caller who may read but not do it
	// (invites: holding the code is reading).
	noAccess int
}

var (
	readers  = []workspace.Role{workspace.RoleHost, workspace.RoleCoHost, workspace.RoleMember, workspace.RoleViewer}
	editors  = readers[:3]
	runners  = readers[:2]
	hostOnly = readers[:1]
	spaceAll = []string{"owner", "admin", "member", "viewer"}
	managers = []string{"owner", "admin"}
)

func sessPath(suffix string) func(world, string) string {
	return func(w world, tg string) string { return "/api/sessions/" + w.session[tg] + suffix }
}
func spacePath(suffix string) func(world, string) string {
	return func(w world, tg string) string { return "/api/spaces/" + w.space[tg] + suffix }
}
func invitePath(suffix string) func(world, string) string {
	return func(w world, tg string) string { return "/api/invites/" + w.invite[tg] + suffix }
}
func fixed(p string) func(world, string) string { return func(world, string) string { return p } }

// shellStatus is the status of the web client's pages: 503 when this
// binary has no UI built in.
var shellStatus = func() int {
	if _, built := web.Files(); built {
		return 200
	}
	return 503
}()

// matrix is the expectation of every operation in docs/openapi.yaml;
// TestAccessMatrix fails for an operation missing here.
var matrix = map[string]needs{
	"GET /healthz": {public: true, ok: 200, path: fixed("/healthz")},
	"GET /readyz":  {public: true, ok: 200, path: fixed("/readyz")},
	// With --auth-secret behind the admin key, which no persona holds.
	"GET /metrics":          {public: true, ok: 200, adminKey: true, path: fixed("/metrics")},
	"GET /api/openapi.yaml": {public: true, ok: 200, path: fixed("/api/openapi.yaml")},
	// The web client's shell and files: no data in them (the page asks
	// the API, which decides); 503 while the UI is not built in.
	"GET /":              {public: true, ok: shellStatus, path: fixed("/")},
	"GET /s/{id}":        {public: true, ok: shellStatus, path: func(w world, tg string) string { return "/s/" + w.session[tg] }},
	"GET /read/{id}":     {public: true, ok: shellStatus, path: func(w world, tg string) string { return "/read/" + w.session[tg] }},
	"GET /invite/{code}": {public: true, ok: shellStatus, path: fixed("/invite/nope")},
	"GET /assets/{file}": {public: true, ok: 404, path: fixed("/assets/nope.js")},
	// Minting needs the admin key, which no persona holds (TestMintToken).
	"POST /api/tokens": {public: true, ok: 0, path: fixed("/api/tokens"), body: `{}`},
	// WebSockets: TestAccessMatrixSync (/hocuspocus decides each
	// document after the upgrade, with the same workspace.Connect).
	"GET /sync/{session}/{doc}": {},
	"GET /sync/{room}":          {},
	"GET /hocuspocus":           {},

	"GET /api/me":       {any: true, ok: 200, path: fixed("/api/me")},
	"PATCH /api/me":     {any: true, ok: 200, path: fixed("/api/me"), body: `{"name":"Someone new"}`},
	"GET /api/search":   {any: true, ok: 200, path: fixed("/api/search?q=anything")},
	"GET /api/sessions": {any: true, ok: 200, path: fixed("/api/sessions")},
	"POST /api/sessions": {space: spaceAll[:3], ok: 201, path: fixed("/api/sessions"),
		body: `{"title":"New","time_zone":"UTC","space_id":"%SPACE%"}`},
	"GET /api/spaces":  {any: true, ok: 200, path: fixed("/api/spaces")},
	"POST /api/spaces": {any: true, ok: 201, path: fixed("/api/spaces"), body: `{"name":"Mine"}`},

	"GET /api/sessions/{id}":                 {session: readers, ok: 200, path: sessPath("")},
	"PATCH /api/sessions/{id}":               {session: runners, ok: 200, path: sessPath(""), body: `{"title":"Renamed"}`},
	"DELETE /api/sessions/{id}":              {session: hostOnly, ok: 204, path: sessPath(""), fresh: true},
	"POST /api/sessions/{id}/start":          {session: runners, ok: 200, path: sessPath("/start"), fresh: true},
	"POST /api/sessions/{id}/end":            {session: runners, ok: 200, path: sessPath("/end"), fresh: true, live: true},
	"POST /api/sessions/{id}/commands":       {session: editors, ok: 200, path: sessPath("/commands"), body: `{"type":"hand.raise"}`},
	"GET /api/sessions/{id}/meeting":         {session: readers, ok: 200, path: sessPath("/meeting")},
	"GET /api/sessions/{id}/notes":           {session: readers, ok: 200, path: sessPath("/notes")},
	"GET /api/sessions/{id}/versions":        {session: readers, ok: 200, path: sessPath("/versions")},
	"POST /api/sessions/{id}/versions":       {session: runners, ok: 201, path: sessPath("/versions"), body: `{"name":"mine"}`},
	"GET /api/sessions/{id}/versions/diff":   {session: readers, ok: 200, path: sessPath("/versions/diff?from=1")},
	"POST /api/sessions/{id}/invites":        {session: runners, ok: 201, path: sessPath("/invites"), body: `{"role":"viewer"}`},
	"GET /notes/{id}":                        {session: readers, ok: 200, path: func(w world, tg string) string { return "/notes/" + w.session[tg] }},
	"GET /api/spaces/{id}":                   {space: spaceAll, ok: 200, path: spacePath("")},
	"PATCH /api/spaces/{id}":                 {space: managers, ok: 200, path: spacePath(""), body: `{"name":"Renamed"}`},
	"DELETE /api/spaces/{id}":                {space: []string{"owner"}, ok: 204, path: spacePath(""), fresh: true},
	"GET /api/spaces/{id}/members":           {space: spaceAll, ok: 200, path: spacePath("/members")},
	"PUT /api/spaces/{id}/members/{subject}": {space: managers, ok: 200, path: spacePath("/members/newcomer"), body: `{"role":"member"}`},
	"DELETE /api/spaces/{id}/members/{subject}": {space: managers, ok: 204, fresh: true,
		path: func(w world, tg string) string { return "/api/spaces/" + w.space[tg] + "/members/" + w.doomed }},
	"GET /api/spaces/{id}/invites":  {space: managers, ok: 200, path: spacePath("/invites")},
	"POST /api/spaces/{id}/invites": {space: managers, ok: 201, path: spacePath("/invites"), body: `{"role":"viewer","max_uses":3}`},
	// Holding an invite's code is what lets one see and accept it.
	"GET /api/invites/{code}":         {any: true, ok: 200, path: invitePath("")},
	"POST /api/invites/{code}/accept": {any: true, ok: 200, path: invitePath("/accept"), fresh: true},
	// Revoking: its maker, an owner or admin of its space, a host of its
	// session; anyone else holding the code may read it: 403.
	"DELETE /api/invites/{code}": {space: managers, ok: 204, path: invitePath(""), fresh: true, noAccess: 403},
}

// expected is the status persona p should get for op on target tg.
func (n needs) expected(auth bool, p, tg string) int {
	switch {
	case n.adminKey && auth:
		return 401
	case n.public:
		if n.ok == 0 { // the admin key: nobody here has it
			if auth {
				return 401
			}
			return 404
		}
		return n.ok
	case auth && p == "anonymous":
		return 401
	case n.any:
		return n.ok
	}
	notFound := 404
	if n.noAccess != 0 {
		notFound = n.noAccess
	}
	if n.session != nil {
		r := sessionRole(p, tg)
		switch {
		case r == "":
			return notFound
		case !slices.Contains(n.session, r):
			return 403
		}
		return n.ok
	}
	r := spaceRole(p, tg)
	switch {
	case r == "":
		return notFound
	case !slices.Contains(n.space, r):
		return 403
	}
	return n.ok
}

// TestAccessMatrix: every operation of docs/openapi.yaml, tried by every
// persona on every target, in guest mode and with --auth-secret, answers
// the status the access model gives; what was refused changed nothing
// the next read shows. An operation of openapi.yaml missing from matrix
// fails the test.
func TestAccessMatrix(t *testing.T) {
	var missing []string
	for route := range documentedStatuses() {
		if _, ok := matrix[route]; !ok {
			missing = append(missing, route)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Fatalf("operations of docs/openapi.yaml with no expectation in the access matrix: %v", missing)
	}
	for _, auth := range []bool{false, true} {
		t.Run(map[bool]string{false: "guest", true: "auth"}[auth], func(t *testing.T) {
			f := newAccessFixture(t, auth)
			shared := f.newWorld()
			for _, route := range slices.Sorted(maps.Keys(matrix)) {
				n := matrix[route]
				if n.path == nil {
					continue
				}
				method, _, _ := strings.Cut(route, " ")
				for _, tg := range targets {
					for _, p := range personas {
						w := shared
						if n.fresh {
							w = f.newWorld()
						}
						if n.live {
							for _, id := range w.session {
								host := workspace.Caller{Subject: "starter", Roles: map[string]workspace.Role{id: workspace.RoleHost}}
								if _, err := f.ts.srv.ws.SetState(context.Background(), host, id, notes.StateLive); err != nil {
									t.Fatal(err)
								}
							}
						}
						body := strings.ReplaceAll(n.body, "%SPACE%", w.space[tg])
						want := n.expected(auth, p, tg)
						code, raw := f.callRaw(p, method, n.path(w, tg), body)
						if code != want {
							t.Errorf("%s on %s by %s: %d %.200s; want %d", route, tg, p, code, raw, want)
						}
					}
				}
			}
		})
	}
}

// TestAccessMatrixSync: the same people and sessions over /sync: who may
// not read gets 404 before the upgrade; readers connect, and a viewer's
// write is refused with permission denied while an editor's is kept; a
// reader who may not edit cannot create a document by opening it; room
// names that are no session's document are 404 without --public-rooms.
// And over /hocuspocus, document by document on one socket.
func TestAccessMatrixSync(t *testing.T) {
	for _, auth := range []bool{false, true} {
		t.Run(map[bool]string{false: "guest", true: "auth"}[auth], func(t *testing.T) {
			f := newAccessFixture(t, auth)
			w := f.newWorld()
			for _, tg := range targets {
				for _, p := range personas {
					r := sessionRole(p, tg)
					want := http.StatusSwitchingProtocols
					switch {
					case auth && p == "anonymous":
						want = 401
					case r == "":
						want = 404
					}
					wc, resp, err := f.dial(p, w.session[tg]+"/notes")
					if want != 101 {
						if err == nil {
							wc.c.CloseNow()
							t.Errorf("%s on %s: connected, want %d", p, tg, want)
						} else if resp == nil || resp.StatusCode != want {
							t.Errorf("%s on %s: %v, want %d", p, tg, err, want)
						}
						continue
					}
					if err != nil {
						t.Errorf("%s on %s: %v, want 101", p, tg, err)
						continue
					}
					wc.synced()
					wc.insert(0, p)
					if slices.Contains(editors, r) {
						wc.echoed()
					} else {
						wc.until("permission denied", func(m yproto.Message) bool { return m.Type == yproto.TypeAuth })
					}
					wc.c.Close(websocket.StatusNormalClosure, "")
					// A new document: only editors may create one.
					nd, resp, err := f.dial(p, w.session[tg]+"/new-"+strings.ReplaceAll(p, " ", ""))
					if slices.Contains(editors, r) {
						if err != nil {
							t.Errorf("%s on %s: opening a new document: %v", p, tg, err)
						} else {
							nd.c.CloseNow()
						}
					} else if err == nil || resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s on %s: a reader opening a new document: %v", p, tg, err)
						if err == nil {
							nd.c.CloseNow()
						}
					}
				}
			}
			// The same decision per document over /hocuspocus: no role is
			// permission denied, a viewer readonly, an editor read-write.
			for _, p := range personas {
				if auth && p == "anonymous" {
					continue // refused before the upgrade, as on /sync
				}
				h := f.dialHocus(p)
				for _, tg := range targets {
					name := w.session[tg] + "/notes"
					token := ""
					if auth {
						token = f.cred[p]
					}
					h.send(hocus.TokenMessage(name, token, ""))
					got := h.next(func(fr hocus.Frame) bool { return fr.Address == name && fr.Type == hocus.TypeAuth })
					r := sessionRole(p, tg)
					switch {
					case r == "" && got.Auth != hocus.AuthPermissionDenied:
						t.Errorf("hocuspocus: %s on %s: %+v, want permission denied", p, tg, got)
					case r != "" && (got.Auth != hocus.AuthAuthenticated || (got.Text == hocus.ScopeReadWrite) != slices.Contains(editors, r)):
						t.Errorf("hocuspocus: %s (%s) on %s: %+v", p, r, tg, got)
					}
				}
				h.c.CloseNow()
			}
			for _, room := range []string{"free/notes", "free"} {
				_, resp, err := f.dial("owner", room)
				if err == nil || resp.StatusCode != http.StatusNotFound {
					t.Errorf("room %s without --public-rooms: %v", room, err)
				}
			}
		})
	}
}

// dialHocus opens /hocuspocus as persona p (a guest's cookie; a token
// goes in each document's auth message).
func (f *accessFixture) dialHocus(p string) *hocusConn {
	f.t.Helper()
	hdr := http.Header{}
	if cred := f.cred[p]; cred != "" && !f.auth {
		hdr.Set("Cookie", fmt.Sprintf("%s=%s", guestCookie, cred))
	}
	return dialHocusWith(f.t, f.ts, &websocket.DialOptions{HTTPHeader: hdr})
}

// dial opens /sync/{path} as persona p.
func (f *accessFixture) dial(p, path string) (*wsClient, *http.Response, error) {
	f.t.Helper()
	hdr := http.Header{}
	if cred := f.cred[p]; cred != "" {
		if f.auth {
			hdr.Set("Authorization", "Bearer "+cred)
		} else {
			hdr.Set("Cookie", fmt.Sprintf("%s=%s", guestCookie, cred))
		}
	}
	return dialDocWith(f.t, f.ts, path, &websocket.DialOptions{HTTPHeader: hdr})
}
