package cluster

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"context"
	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/redistest"
	"github.com/coder/websocket"
	"net/url"
)

// person is one guest identity (dev mode: a cookie) talking to any
// instance.
type person struct {
	t *testing.T
	c *http.Client
}

// newPerson makes a guest identity: its first request gets the guest
// cookie, which every instance honours.
func newPerson(t *testing.T, anyInstance string) *person {
	jar, _ := cookiejar.New(nil)
	p := &person{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if code, _ := p.do("GET", anyInstance+"/api/me", ""); code != 200 {
		t.Fatalf("GET /api/me: %d", code)
	}
	return p
}

// invite makes an invite into the space of session id (host: its owner)
// for n people and returns its code.
func (p *person) invite(instance, id string, n int) string {
	p.t.Helper()
	code, s := p.do("GET", instance+"/api/sessions/"+id, "")
	if code != http.StatusOK {
		p.t.Fatalf("get session: %d %v", code, s)
	}
	code, inv := p.do("POST", instance+"/api/spaces/"+s["space_id"].(string)+"/invites", fmt.Sprintf(`{"max_uses":%d}`, n))
	if code != http.StatusCreated {
		p.t.Fatalf("invite: %d %v", code, inv)
	}
	return inv["code"].(string)
}

// accept accepts an invite: p becomes a member of its space.
func (p *person) accept(instance, code string) {
	p.t.Helper()
	if c, out := p.do("POST", instance+"/api/invites/"+code+"/accept", ""); c != http.StatusOK {
		p.t.Errorf("accept: %d %v", c, out)
	}
}

func (p *person) do(method, url, body string) (int, map[string]any) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		p.t.Error(err)
		return 0, nil
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// TestMeetingCommandsAcrossInstances: commands whose outcome depends on
// order — raising hands, voting — sent at once to two instances give the
// same result as on one: a queue of 100 distinct people, and each voter
// counted once with their last ballot, seen alike on both instances.
func TestMeetingCommandsAcrossInstances(t *testing.T) {
	testMeetingCommandsAcrossInstances(t, redistest.Start(t).URL())
}

func testMeetingCommandsAcrossInstances(t *testing.T, redisURL string) {
	_, ins := startCluster(t, 2, redisURL)
	url := func(i int, path string) string { return "http://" + ins[i%2].Addr + path }
	host := newPerson(t, url(0, ""))
	code, s := host.do("POST", url(0, "/api/sessions"), `{"title":"Across","time_zone":"UTC"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, s)
	}
	id := s["id"].(string)
	invite := host.invite(url(0, ""), id, 200)
	cmd := func(p *person, i int, body string) {
		if code, out := p.do("POST", url(i, "/api/sessions/"+id+"/commands"), body); code != 200 {
			t.Errorf("%s on instance %d: %d %v", body, i%2+1, code, out)
		}
	}
	cmd(host, 0, `{"type":"poll.create","id":"named","question":"?","options":["a","b","c"]}`)
	cmd(host, 1, `{"type":"poll.create","id":"anon","question":"?","options":["a","b","c"],"anonymous":true}`)

	// Each person raises their hand on both instances at the same
	// moment: exactly one raise may win (the other is a 409).
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[int]int{}
	for i := range 100 {
		p := newPerson(t, url(i, ""))
		p.accept(url(i+1, ""), invite)
		for k := range 2 {
			wg.Go(func() {
				code, out := p.do("POST", url(k, "/api/sessions/"+id+"/commands"), `{"type":"hand.raise"}`)
				if code != 200 && code != http.StatusConflict {
					t.Errorf("raise: %d %v", code, out)
				}
				mu.Lock()
				won[code]++
				mu.Unlock()
			})
		}
	}
	for i := range 30 {
		wg.Go(func() {
			p := newPerson(t, url(i, ""))
			p.accept(url(i, ""), invite)
			for k := range 3 {
				for _, poll := range []string{"named", "anon"} {
					cmd(p, i+k, fmt.Sprintf(`{"type":"poll.vote","id":%q,"choices":[%d]}`, poll, (i+k)%3))
				}
			}
		})
	}
	wg.Wait()
	if won[200] != 100 || won[http.StatusConflict] != 100 {
		t.Errorf("raises answered %v, want 100 × 200 and 100 × 409", won)
	}
	if t.Failed() {
		return
	}
	// Every voter's last ballot is (i+2)%3: 10 of each.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var problems []string
		for i := range 2 {
			code, st := host.do("GET", url(i, "/api/sessions/"+id+"/meeting"), "")
			if code != 200 {
				t.Fatalf("meeting on instance %d: %d", i+1, code)
			}
			hands := st["hands"].([]any)
			seen := map[any]bool{}
			for _, h := range hands {
				seen[h.(map[string]any)["subject"]] = true
			}
			if len(hands) != 100 || len(seen) != 100 {
				problems = append(problems, fmt.Sprintf("instance %d: %d hands, %d people", i+1, len(hands), len(seen)))
			}
			for _, poll := range []string{"named", "anon"} {
				p := st["polls"].(map[string]any)[poll].(map[string]any)
				if fmt.Sprint(p["counts"]) != "[10 10 10]" || p["voters"] != float64(30) {
					problems = append(problems, fmt.Sprintf("instance %d, %s: counts %v voters %v", i+1, poll, p["counts"], p["voters"]))
				}
			}
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not consistent after 20 s:\n%s", strings.Join(problems, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rawSocket is a y-websocket connection of one person, read by hand so
// the test sees the server's "permission denied".
type rawSocket struct {
	t      *testing.T
	ws     *websocket.Conn
	doc    *crdt.Doc
	denied chan struct{}
	msgs   chan yproto.Message
	err    error // why the socket ended, set before msgs is closed
}

func dialAs(t *testing.T, p *person, instance, doc string) *rawSocket {
	t.Helper()
	u, _ := url.Parse("http://" + instance)
	h := http.Header{}
	for _, c := range p.c.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+instance+"/sync/"+doc, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	s := &rawSocket{t: t, ws: ws, doc: crdt.NewDoc(crdt.DocOptions{ClientID: 4242}), msgs: make(chan yproto.Message, 256)}
	go func() {
		defer close(s.msgs)
		for {
			_, raw, err := ws.Read(context.Background())
			if err != nil {
				s.err = err
				return
			}
			if m, err := yproto.Decode(raw); err == nil {
				s.msgs <- m
			}
		}
	}()
	return s
}

// next returns the next message, answering a sync step 1; false after
// wait without one.
func (s *rawSocket) next(wait time.Duration) (yproto.Message, bool) {
	select {
	case m, ok := <-s.msgs:
		if !ok {
			s.t.Fatal("socket closed")
		}
		if m.Type == yproto.TypeSync && m.Sync == yproto.SyncStep1 {
			u, _ := s.doc.EncodeStateAsUpdate(m.Payload)
			s.write(yproto.SyncStep2Message(u))
		}
		return m, true
	case <-time.After(wait):
		return yproto.Message{}, false
	}
}

func (s *rawSocket) write(msg []byte) {
	if err := s.ws.Write(context.Background(), websocket.MessageBinary, msg); err != nil {
		s.t.Fatal(err)
	}
}

// insert types text at the end of "t" and sends the update.
func (s *rawSocket) insert(text string) {
	var upd []byte
	s.doc.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { upd = u })
	txt := s.doc.GetText("t")
	if err := txt.Insert(txt.Len(), text, nil); err != nil {
		s.t.Fatal(err)
	}
	s.write(yproto.UpdateMessage(upd))
}

// TestRoleChangeAcrossInstances: the host sets dan's role to viewer on
// instance 1 while dan's socket is on instance 2. Within 1 s dan's edits
// are refused with "permission denied" there, and an edit after the
// refusal is stored by no instance. (Role changes used to apply only to
// the connections of the instance that ran role.set.)
func TestRoleChangeAcrossInstances(t *testing.T) {
	rd := redistest.Start(t)
	_, ins := startCluster(t, 2, rd.URL())
	one, two := ins[0].Addr, ins[1].Addr
	host := newPerson(t, "http://"+one)
	// Public: the check at the end reads it as anyone.
	code, s := host.do("POST", "http://"+one+"/api/sessions", `{"title":"Roles","time_zone":"UTC","seed_notes":false,"visibility":"public"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, s)
	}
	id := s["id"].(string)
	dan := newPerson(t, "http://"+two)
	dan.accept("http://"+two, host.invite("http://"+one, id, 1))
	_, me := dan.do("GET", "http://"+two+"/api/me", "")
	sub := me["subject"].(string)

	sock := dialAs(t, dan, two, id+"/notes")
	sock.insert("before;")
	for { // the echo of dan's edit: dan may write
		m, ok := sock.next(10 * time.Second)
		if !ok {
			t.Fatal("no echo of dan's first edit")
		}
		if m.Type == yproto.TypeAuth {
			t.Fatal("dan's first edit was refused")
		}
		if m.Type == yproto.TypeSync && m.Sync == yproto.SyncUpdate {
			break
		}
	}
	// dan's attendance reaches the meeting (role.set needs it).
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, st := host.do("GET", "http://"+one+"/api/sessions/"+id+"/meeting", "")
		if ps, _ := st["participants"].(map[string]any); ps[sub] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("dan never became a participant")
		}
		time.Sleep(50 * time.Millisecond)
	}

	if code, out := host.do("POST", "http://"+one+"/api/sessions/"+id+"/commands",
		`{"type":"role.set","subject":"`+sub+`","role":"viewer"}`); code != 200 {
		t.Fatalf("role.set: %d %v", code, out)
	}
	changed := time.Now()
	refused := false
	for i := 0; !refused && time.Since(changed) < time.Second; i++ {
		sock.insert("x;")
		for {
			m, ok := sock.next(100 * time.Millisecond)
			if !ok {
				break
			}
			if m.Type == yproto.TypeAuth {
				refused = true
				break
			}
		}
	}
	if !refused {
		t.Fatal("dan's edits on instance 2 were still accepted 1 s after role.set on instance 1")
	}
	sock.insert("after-marker;")
	got := false
	for !got {
		m, ok := sock.next(10 * time.Second)
		if !ok {
			t.Fatal("no answer to dan's edit after the refusal")
		}
		if m.Type == yproto.TypeSync && m.Sync == yproto.SyncUpdate && strings.Contains(string(m.Payload), "after-marker") {
			t.Fatal("dan's edit after the refusal was applied")
		}
		got = m.Type == yproto.TypeAuth
	}
	// Nothing of it reached any instance's document or store.
	// A reader's first sync may come from an instance that loaded the
	// document from the store before dan's first edit was flushed; it
	// heals over the bus, so wait for that edit, then look for the other.
	for _, in := range []string{one, two} {
		c := dial(t, "ws://"+in+"/sync", id+"/notes")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := c.Wait(ctx, func(d *crdt.Doc) bool { return strings.Contains(d.GetText("t").String(), "before;") })
		cancel()
		if txt := clienttest.Text(c); err != nil || strings.Contains(txt, "after-marker") {
			t.Fatalf("instance %s holds %q (waiting for dan's first edit: %v)", in, txt, err)
		}
	}
}

// TestRemoveMemberAcrossInstances: dan, a member by invite, has a socket
// on instance 2; the owner removes him from the space on instance 1.
// Within 1 s his socket is closed (1008 "access revoked"), and he can
// neither reconnect nor read the session on any instance.
func TestRemoveMemberAcrossInstances(t *testing.T) {
	rd := redistest.Start(t)
	_, ins := startCluster(t, 2, rd.URL())
	one, two := "http://"+ins[0].Addr, "http://"+ins[1].Addr
	host := newPerson(t, one)
	code, s := host.do("POST", one+"/api/sessions", `{"title":"Members","time_zone":"UTC"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, s)
	}
	id, space := s["id"].(string), s["space_id"].(string)
	dan := newPerson(t, two)
	dan.accept(two, host.invite(one, id, 1))
	_, me := dan.do("GET", two+"/api/me", "")
	sock := dialAs(t, dan, ins[1].Addr, id+"/notes")
	sock.insert("hello;")
	for { // dan writes: the echo comes back
		m, ok := sock.next(10 * time.Second)
		if !ok {
			t.Fatal("no echo of dan's edit")
		}
		if m.Type == yproto.TypeSync && m.Sync == yproto.SyncUpdate {
			break
		}
	}
	if code, out := host.do("DELETE", one+"/api/spaces/"+space+"/members/"+url.PathEscape(me["subject"].(string)), ""); code != http.StatusNoContent {
		t.Fatalf("remove: %d %v", code, out)
	}
	removed := time.Now()
	timeout := time.After(time.Second)
	for open := true; open; {
		select {
		case _, open = <-sock.msgs:
		case <-timeout:
			t.Fatal("dan's socket on instance 2 is still open 1 s after his removal on instance 1")
		}
	}
	if status := websocket.CloseStatus(sock.err); status != websocket.StatusPolicyViolation {
		t.Fatalf("dan's socket closed %v after %v: %v, want 1008", status, time.Since(removed), sock.err)
	}
	for _, in := range []string{one, two} {
		if code, _ := dan.do("GET", in+"/api/sessions/"+id, ""); code != http.StatusNotFound {
			t.Fatalf("dan reads the session on %s after removal: %d", in, code)
		}
	}
}
