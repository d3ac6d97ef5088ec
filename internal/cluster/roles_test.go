package cluster

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/redistest"
)

// rawSocket is a y-websocket connection of one person, read by hand so
// the test sees the server's "permission denied".
type rawSocket struct {
	t      *testing.T
	ws     *websocket.Conn
	doc    *crdt.Doc
	denied chan struct{}
	msgs   chan yproto.Message
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
	one, two := ins[0].addr, ins[1].addr
	host := newPerson(t, "http://"+one)
	code, s := host.do("POST", "http://"+one+"/api/sessions", `{"title":"Roles","time_zone":"UTC","seed_notes":false}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, s)
	}
	id := s["id"].(string)
	dan := newPerson(t, "http://"+two)
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
	for _, in := range []string{one, two} {
		c := dial(t, "ws://"+in+"/sync", id+"/notes")
		if txt := text(c); strings.Contains(txt, "after-marker") || !strings.Contains(txt, "before;") {
			t.Fatalf("instance %s holds %q", in, txt)
		}
	}
}
