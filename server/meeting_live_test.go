package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/interoptest"
	"github.com/cocreate/cocreate/internal/redistest"
)

// call sends a JSON request with a bearer token and decodes the answer.
func call(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	code, raw := callAPI(t, method, url, token, body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d %q is not JSON", method, url, code, raw)
		}
	}
	return code, out
}

// liveSession starts a server with auth and a session hosted by "hana";
// it returns the server, the session id and a token maker.
func liveSession(t *testing.T, edit func(*Config)) (*testServer, string, func(sub string) string) {
	t.Helper()
	ts := startServer(t, t.TempDir(), func(c *Config) {
		withAuth(c)
		c.RateCommands = 0
		if edit != nil {
			edit(c)
		}
	})
	// Everyone is a member of the session's space, by the token's word.
	var roles map[string]string
	tok := func(sub string) string {
		return sign(t, jwt.SigningMethodHS256, testSecret, claims(sub, time.Hour, roles))
	}
	code, out := call(t, "POST", ts.url+"/api/sessions", tok("hana"),
		`{"title":"Live","time_zone":"UTC","scheduled_at":"2026-12-01T15:00:00Z","agenda":[{"id":"a1","title":"Intro","minutes":5},{"id":"a2","title":"Demo","minutes":10}]}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	roles = map[string]string{out["space_id"].(string): "member"}
	return ts, out["id"].(string), tok
}

// answer waits for the next command answer on wc.
func (wc *wsClient) answer() map[string]any {
	wc.t.Helper()
	var out map[string]any
	wc.until("command answer", func(m yproto.Message) bool {
		if m.Type != yproto.TypeCommand {
			return false
		}
		if err := json.Unmarshal(m.Payload, &out); err != nil {
			wc.t.Fatalf("answer %q: %v", m.Payload, err)
		}
		return true
	})
	return out
}

// TestSocketCommands: the same JSON commands over a session socket; the
// answer comes back on that connection only, and a connection that sent
// no command never receives a message of that type.
func TestSocketCommands(t *testing.T) {
	ts, id, tok := liveSession(t, nil)
	observer := syncedAs(t, ts, id+"/meeting", tok("obs"))
	host := syncedAs(t, ts, id+"/notes", tok("hana"))
	member := syncedAs(t, ts, id+"/notes", tok("mia"))

	host.send(yproto.CommandMessage([]byte(`{"type":"agenda.goto","id":"a2"}`)))
	if a := host.answer(); a["ok"] != true || a["part"] != "agenda" {
		t.Fatalf("host answer %v", a)
	}
	member.send(yproto.CommandMessage([]byte(`{"type":"agenda.next"}`)))
	if a := member.answer(); a["ok"] != false || a["status"] != float64(403) || a["code"] != "forbidden" {
		t.Fatalf("member answer %v", a)
	}
	member.send(yproto.CommandMessage([]byte(`{"type":"hand.raise"}`)))
	if a := member.answer(); a["ok"] != true || a["part"] != "hands" {
		t.Fatalf("member answer %v", a)
	}
	member.send(yproto.CommandMessage([]byte(`{"type":"nonsense"}`)))
	if a := member.answer(); a["ok"] != false || a["code"] != "bad_request" {
		t.Fatalf("bad command answer %v", a)
	}
	// The observer (a plain y-websocket peer) sees the changes as
	// document updates and never a command message.
	for {
		m, ok := observer.next()
		if !ok {
			t.Fatal("observer closed")
		}
		if m.Type == yproto.TypeCommand {
			t.Fatal("a connection that sent no command got a command message")
		}
		hands := observer.doc.GetArray("hands").ToJSON()
		cur := observer.doc.GetMap("current").ToJSON()
		if len(hands) == 1 && cur["item"] == "a2" {
			break
		}
	}
	// A command on a socket of an ad-hoc document (dev mode, no
	// session) is invalid input there.
	dev := startServer(t, t.TempDir(), nil)
	adhoc := dialSynced(t, dev, "adhoc/notes")
	adhoc.send(yproto.CommandMessage([]byte(`{"type":"hand.raise"}`)))
	if code, _ := adhoc.closed(); code != websocket.StatusInvalidFramePayloadData {
		t.Fatalf("closed with %d", code)
	}
}

// TestAttendanceFromConnections: the server records join and leave
// times from people's connections to any document of the session.
func TestAttendanceFromConnections(t *testing.T) {
	ts, id, tok := liveSession(t, nil)
	a := syncedAs(t, ts, id+"/notes", tok("ann"))
	syncedAs(t, ts, id+"/meeting", tok("ann")) // her second connection, kept open
	b := syncedAs(t, ts, id+"/notes", tok("bob"))
	participants := func() map[string]any {
		code, st := call(t, "GET", ts.url+"/api/sessions/"+id+"/meeting", tok("hana"), "")
		if code != 200 {
			t.Fatalf("meeting: %d", code)
		}
		return st["participants"].(map[string]any)
	}
	p := participants()
	for _, sub := range []string{"ann", "bob"} {
		e, ok := p[sub].(map[string]any)
		if !ok || e["joinedAt"] == nil || e["leftAt"] != nil || e["role"] != "member" {
			t.Fatalf("%s: %v", sub, p[sub])
		}
	}
	// Ann closes one of two connections: still present. Bob leaves.
	a.c.Close(websocket.StatusNormalClosure, "")
	b.c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		p = participants()
		if p["bob"].(map[string]any)["leftAt"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob's leave not recorded: %v", p["bob"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p["ann"].(map[string]any)["leftAt"] != nil {
		t.Fatal("ann marked as left while still connected")
	}
}

// TestRoleChangeTakesEffectLive: the host makes a connected member a
// viewer; their next edit is refused at once, on the live connection,
// and their REST commands are refused too.
func TestRoleChangeTakesEffectLive(t *testing.T) {
	ts, id, tok := liveSession(t, nil)
	m := syncedAs(t, ts, id+"/notes", tok("mia"))
	m.doc.GetText("t").Insert(0, "mia was here", nil)
	m.echoed()
	cmd := func(who, body string) (int, map[string]any) {
		return call(t, "POST", ts.url+"/api/sessions/"+id+"/commands", tok(who), body)
	}
	if code, out := cmd("hana", `{"type":"role.set","subject":"mia","role":"viewer"}`); code != 200 {
		t.Fatalf("role.set: %d %v", code, out)
	}
	m.doc.GetText("t").Insert(0, "sneaky ", nil)
	m.until("permission denied", func(msg yproto.Message) bool { return msg.Type == yproto.TypeAuth })
	if code, _ := cmd("mia", `{"type":"hand.raise"}`); code != http.StatusForbidden {
		t.Fatalf("a viewer raised a hand: %d", code)
	}
	// The role is stored: a new connection is read-only as well, and
	// the session shows it.
	code, sess := call(t, "GET", ts.url+"/api/sessions/"+id, tok("mia"), "")
	if code != 200 || sess["my_role"] != "viewer" {
		t.Fatalf("session as mia: %d my_role %v", code, sess["my_role"])
	}
	check := dialAs(t, ts, id+"/notes", tok("hana"))
	check.waitText("mia was here")
	// And back: member again, edits go through.
	if code, out := cmd("hana", `{"type":"role.set","subject":"mia","role":"member"}`); code != 200 {
		t.Fatalf("role.set: %d %v", code, out)
	}
	m2 := dialAs(t, ts, id+"/notes", tok("mia"))
	m2.waitText("mia was here")
	m2.doc.GetText("t").Insert(0, "again ", nil)
	m2.echoed()
	check.waitText("again mia was here")
}

// TestRateLimits: commands beyond an identity's bucket get 429 with
// Retry-After (others are unaffected); updates beyond it close the
// connection with 1008.
func TestRateLimits(t *testing.T) {
	ts, id, tok := liveSession(t, func(c *Config) {
		c.RateCommands = 1 // bursts of 3
		c.RateUpdates = 2  // bursts of 10
	})
	url := ts.url + "/api/sessions/" + id + "/commands"
	codes := map[int]int{}
	for range 6 {
		code, out := call(t, "POST", url, tok("mia"), `{"type":"hand.lower"}`)
		codes[code]++
		if code == http.StatusTooManyRequests && out["code"] != "rate_limited" {
			t.Fatalf("429 body %v", out)
		}
	}
	if codes[http.StatusTooManyRequests] < 3 {
		t.Fatalf("6 commands at once, burst 3: %v", codes)
	}
	if body := metricsOf(t, ts); !strings.Contains(body, fmt.Sprintf(`cocreate_refused_total{reason="rate_limited"} %d`, codes[http.StatusTooManyRequests])) {
		t.Fatal("the refused commands are not counted in /metrics")
	}
	if code, _ := call(t, "POST", url, tok("hana"), `{"type":"agenda.next"}`); code != 200 {
		t.Fatalf("another person was limited: %d", code)
	}
	m := syncedAs(t, ts, id+"/notes", tok("mia"))
	for i := range 40 {
		m.doc.GetText("t").Insert(i, "x", nil)
	}
	if code, reason := m.closed(); code != websocket.StatusPolicyViolation || !strings.Contains(reason, "rate limit") {
		t.Fatalf("closed with %d %q", code, reason)
	}
}

// TestDeleteSessionWithClients: deleting a session closes its live
// connections, deletes its documents and refuses new connections.
func TestDeleteSessionWithClients(t *testing.T) {
	ts, id, tok := liveSession(t, nil)
	call(t, "POST", ts.url+"/api/sessions/"+id+"/start", tok("hana"), "")
	m := syncedAs(t, ts, id+"/notes", tok("mia"))
	m.doc.GetText("t").Insert(0, "soon gone", nil)
	m.echoed()
	if code, out := call(t, "DELETE", ts.url+"/api/sessions/"+id, tok("mia"), ""); code != http.StatusForbidden {
		t.Fatalf("a member deleted the session: %d %v", code, out)
	}
	if code, out := call(t, "DELETE", ts.url+"/api/sessions/"+id, tok("hana"), ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d %v", code, out)
	}
	if code, reason := m.closed(); code != websocket.StatusPolicyViolation || reason != "session deleted" {
		t.Fatalf("closed with %d %q", code, reason)
	}
	if _, resp, err := dialDocWith(t, ts, id+"/notes", bearer(tok("mia"))); err == nil {
		t.Fatal("connected to a deleted session")
	} else {
		wantJSONError(t, resp, http.StatusGone, "session_deleted")
	}
	if code, _ := call(t, "GET", ts.url+"/api/sessions/"+id, tok("hana"), ""); code != http.StatusNotFound {
		t.Fatalf("get deleted: %d", code)
	}
	st, err := ts.srv.store.Load(t.Context(), id+"/notes")
	if err != nil || st.Snapshot != nil || len(st.Updates) != 0 {
		t.Fatalf("the notes survived the delete: %v %d", err, len(st.Updates))
	}
	if code, out := call(t, "POST", ts.url+"/api/sessions/"+id+"/commands", tok("hana"), `{"type":"hand.raise"}`); code != http.StatusNotFound {
		t.Fatalf("command on a deleted session: %d %v", code, out)
	}
}

// TestUnknownSessionSockets: a room name that is no session's document
// is refused before the upgrade (404, saying how to make one) in both
// modes; with --public-rooms it is an open document, with or without a
// slash, except a meeting document, which needs a session.
func TestUnknownSessionSockets(t *testing.T) {
	ts, _, tok := liveSession(t, func(c *Config) { c.PublicRooms = false })
	dev := startServer(t, t.TempDir(), func(c *Config) { c.PublicRooms = false })
	for _, tt := range []struct {
		ts   *testServer
		path string
		opts *websocket.DialOptions
	}{
		{ts, "nope/notes", bearer(tok("ann"))},
		{ts, "room", bearer(tok("ann"))},
		{dev, "nope/notes", nil},
		{dev, "room", nil},
	} {
		if _, resp, err := dialDocWith(t, tt.ts, tt.path, tt.opts); err == nil {
			t.Fatalf("connected to %s without --public-rooms", tt.path)
		} else {
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "--public-rooms") || !strings.Contains(string(body), "POST /api/sessions") {
				t.Fatalf("%s: %d %s", tt.path, resp.StatusCode, body)
			}
		}
	}
	open := startServer(t, t.TempDir(), func(c *Config) { c.PublicRooms = true })
	if _, resp, err := dialDocWith(t, open, "nope/meeting", nil); err == nil {
		t.Fatal("connected to the meeting of an unknown session")
	} else {
		wantJSONError(t, resp, http.StatusNotFound, "not_found")
	}
	for _, room := range []string{"nope/notes", "room"} {
		a, b := dialDoc(t, open, room), dialDoc(t, open, room)
		a.synced()
		b.synced()
		a.insert(0, "open "+room)
		b.waitText("open " + room)
	}
}

// TestNodeObservesMeeting: a stock yjs + y-websocket client in node
// reads the meeting document like any Yjs doc, sees each agenda command
// as a document change, and its own attempt to write the document is
// refused with y-protocols' permission-denied message and never reaches
// the server's copy.
func TestNodeObservesMeeting(t *testing.T) {
	interoptest.Need(t)
	ts, id, tok := liveSession(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := strings.Replace(ts.url, "http", "ws", 1) + "/sync"
	cmd := exec.CommandContext(ctx, "node", "interop.mjs", "meeting", url, id+"/meeting", tok("nora"))
	cmd.Dir = interoptest.Dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("node: %v\n%s", err, stderr.String())
		}
	}()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("node exited while waiting for %s: %s", what, stderr.String())
			}
			return l
		case <-ctx.Done():
			t.Fatalf("no %s from node", what)
		}
		return ""
	}
	if l := next("READY"); l != `READY ["Intro","Demo"]` {
		t.Fatalf("node saw %q", l)
	}
	type event struct {
		Event  string   `json:"event"`
		T      int64    `json:"t"`
		Titles []string `json:"titles"`
		Reason string   `json:"reason"`
	}
	// Each command is seen by the node client as a document change; the
	// delay from sending the command to node's observer is measured.
	var delays []time.Duration
	for i := range 5 {
		title := fmt.Sprintf("Item %d", i)
		sent := time.Now()
		code, out := call(t, "POST", ts.url+"/api/sessions/"+id+"/commands", tok("hana"),
			fmt.Sprintf(`{"type":"agenda.add","title":%q}`, title))
		if code != 200 {
			t.Fatalf("agenda.add: %d %v", code, out)
		}
		var ev event
		if err := json.Unmarshal([]byte(next("agenda change")), &ev); err != nil || ev.Event != "agenda" {
			t.Fatalf("node printed %+v (%v)", ev, err)
		}
		if got := ev.Titles[len(ev.Titles)-1]; got != title || len(ev.Titles) != 3+i {
			t.Fatalf("node sees agenda %v, want %q last", ev.Titles, title)
		}
		delays = append(delays, time.UnixMilli(ev.T).Sub(sent))
	}
	slices.Sort(delays)
	t.Logf("command → node observer: %v (median %v)", delays, delays[len(delays)/2])
	// The bound: a stock client sees the change within 100 ms.
	// The median of five is compared, so one scheduling hiccup of a
	// loaded CI machine does not decide it.
	if med := delays[len(delays)/2]; med > 100*time.Millisecond {
		t.Errorf("median delay %v > 100ms", med)
	}

	// Node writes to the meeting document: refused.
	if _, err := io.WriteString(stdin, "write\n"); err != nil {
		t.Fatal(err)
	}
	for {
		var ev event
		if err := json.Unmarshal([]byte(next("permission denied")), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Event == "denied" {
			break
		}
	}
	code, st := call(t, "GET", ts.url+"/api/sessions/"+id+"/meeting", tok("hana"), "")
	if code != 200 {
		t.Fatalf("meeting: %d", code)
	}
	if st["session"].(map[string]any)["state"] != "scheduled" || len(st["agenda"].([]any)) != 7 {
		t.Fatalf("node's write reached the server: %v, %d agenda items", st["session"], len(st["agenda"].([]any)))
	}
}

func TestMe(t *testing.T) {
	ts, _, tok := liveSession(t, nil)
	code, me := call(t, "GET", ts.url+"/api/me", tok("ann"), "")
	if code != 200 || me["subject"] != "ann" || me["name"] != "Name of ann" || me["color"] == "" {
		t.Fatalf("me: %d %v", code, me)
	}
	if code, out := call(t, "GET", ts.url+"/api/me", "", ""); code != http.StatusUnauthorized || out["code"] != "unauthorized" {
		t.Fatalf("me without a token: %d %v", code, out)
	}
	dev := startServer(t, t.TempDir(), nil)
	code, me = call(t, "GET", dev.url+"/api/me", "", "")
	if code != 200 || !strings.HasPrefix(me["subject"].(string), "guest:") || !strings.HasPrefix(me["color"].(string), "#") {
		t.Fatalf("dev me: %d %v", code, me)
	}
}

// TestAnonymousBallotsSurviveRestart: an anonymous poll's ballots are
// sealed in the meeting document, so after a restart a changed vote
// still replaces the old one and nobody is counted twice.
func TestAnonymousBallotsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	edit := func(c *Config) { withAuth(c); c.RateCommands = 0 }
	ts := startServer(t, dir, edit)
	var roles map[string]string
	tok := func(sub string) string {
		return sign(t, jwt.SigningMethodHS256, testSecret, claims(sub, time.Hour, roles))
	}
	code, out := call(t, "POST", ts.url+"/api/sessions", tok("hana"), `{"title":"Poll","time_zone":"UTC"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	roles = map[string]string{out["space_id"].(string): "member"}
	cmd := func(ts *testServer, who, body string) map[string]any {
		t.Helper()
		code, out := call(t, "POST", ts.url+"/api/sessions/"+id+"/commands", tok(who), body)
		if code != 200 {
			t.Fatalf("%s by %s: %d %v", body, who, code, out)
		}
		return out
	}
	cmd(ts, "hana", `{"type":"poll.create","id":"p","question":"?","options":["a","b"],"anonymous":true}`)
	cmd(ts, "ann", `{"type":"poll.vote","id":"p","choices":[0]}`)
	cmd(ts, "bob", `{"type":"poll.vote","id":"p","choices":[0]}`)
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	ts = startServer(t, dir, edit)
	st := cmd(ts, "ann", `{"type":"poll.vote","id":"p","choices":[1]}`)["state"].(map[string]any)
	if fmt.Sprint(st["counts"]) != "[1 1]" || st["voters"] != float64(2) {
		t.Fatalf("after a restart: counts %v voters %v", st["counts"], st["voters"])
	}
	raw, _ := json.Marshal(st)
	if strings.Contains(string(raw), `"ann"`) || strings.Contains(string(raw), `"bob"`) {
		t.Fatalf("the anonymous poll names its voters: %s", raw)
	}
}

// TestSocketNotHeldByMeetingLock: while another instance holds the
// session's meeting lock, a new socket to the session is still served
// at once (attendance is recorded when the lock frees, in the
// background), where it used to wait for the lock before its first read.
func TestSocketNotHeldByMeetingLock(t *testing.T) {
	rs := redistest.Start(t)
	ts := startServer(t, t.TempDir(), func(c *Config) { c.Redis = rs.URL(); withAuth(c) })
	ts.mkSession(t, "locked")
	other, err := hub.NewRedisLock(hub.RedisLockOptions{URL: rs.URL(), TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- other.Run(context.Background(), "meeting:locked", func([]byte) ([]byte, error) {
			close(held)
			<-release
			return nil, nil
		})
	}()
	<-held
	wc := dialAs(t, ts, "locked/notes", sign(t, jwt.SigningMethodHS256, testSecret, claims("ann", time.Hour, map[string]string{"locked": "member"})))
	wc.synced() // within dialDoc's 10s, while the lock stays held
	wc.insert(0, "served")
	wc.echoed()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
