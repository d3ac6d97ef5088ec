package workspace

import (
	"context"
	"testing"
	"time"

	"errors"
	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/redistest"
	"github.com/cocreate/cocreate/notes"
	"slices"
	"strings"
	"sync"
)

// instance is one cocreate instance in a test: its hubs and workspace.
type instance struct {
	hubs *hub.Registry
	ws   *Workspace
}

// newInstance starts an instance on store, its hubs on bus (nil: alone)
// and its meeting commands under lock (nil: none).
func newInstance(t *testing.T, store Store, bus hub.Bus, lock Lock) *instance {
	t.Helper()
	hubs := hub.New(hub.Config{Store: store, Bus: bus, FlushInterval: 10 * time.Millisecond,
		SyncInterval: 50 * time.Millisecond, CheckInterval: 20 * time.Millisecond})
	ws := New(Config{Store: store, Hubs: hubs, Lock: lock, BallotKey: []byte("k")})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hubs.Close(ctx); err != nil {
			t.Errorf("closing hubs: %v", err)
		}
		ws.Wait()
	})
	return &instance{hubs: hubs, ws: ws}
}

// createSession stores a scheduled session hosted by host, in the space
// "sp-{id}" that host owns and members join as members.
func createSession(t *testing.T, store Store, id, host string, members ...string) {
	t.Helper()
	space := "sp-" + id
	if err := store.CreateSpace(t.Context(), notes.Space{ID: space, Name: "S", CreatedAt: time.Now()}, host); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if err := store.SetMember(t.Context(), space, m, SpaceMember); err != nil {
			t.Fatal(err)
		}
	}
	err := store.CreateSession(t.Context(), notes.Session{ID: id, Title: "T", TimeZone: "UTC",
		State: notes.StateScheduled, CreatedAt: time.Now().UTC(), Host: host,
		Roles: map[string]Role{host: RoleHost}, SpaceID: space, Visibility: notes.VisibilitySpace})
	if err != nil {
		t.Fatal(err)
	}
}

// slowStore stalls the first Load of a meeting document until release
// is closed, telling stalled when it starts: a store that hangs while an
// instance holds the meeting lock.
type slowStore struct {
	Store
	once    sync.Once
	stalled chan struct{}
	release chan struct{}
}

func (s *slowStore) Load(ctx context.Context, doc string) (notes.State, error) {
	if strings.HasSuffix(doc, "/meeting") {
		s.once.Do(func() {
			close(s.stalled)
			<-s.release
		})
	}
	return s.Store.Load(ctx, doc)
}

// TestMeetingLockHeldPastTTL: instance A takes a session's meeting lock
// and then stalls on its store for many times the lock's TTL; instance B
// runs the same command meanwhile. The commands still run one after the
// other: alice's hand is raised once, and the second raise is refused
// as a conflict. (With a lock that expires while held, B ran its command
// beside A's, on a meeting state without A's raise, and both succeeded.)
func TestMeetingLockHeldPastTTL(t *testing.T) {
	rs := redistest.Start(t)
	const ttl = 150 * time.Millisecond
	newLock := func() *hub.RedisLock {
		l, err := hub.NewRedisLock(hub.RedisLockOptions{URL: rs.URL(), TTL: ttl, Wait: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	shared := notes.NewMemoryStore()
	createSession(t, shared, "s", "host", "alice")
	slow := &slowStore{Store: shared, stalled: make(chan struct{}), release: make(chan struct{})}
	net := hub.NewMemoryNetwork()
	a := newInstance(t, slow, hub.NewMemoryBus(net), newLock())
	b := newInstance(t, shared, hub.NewMemoryBus(net), newLock())
	alice := Caller{Subject: "alice", Name: "Alice"}
	raise := []byte(`{"type":"hand.raise"}`)

	errs := make(chan error, 2)
	go func() {
		_, err := a.ws.Command(context.Background(), alice, "s", raise)
		errs <- err
	}()
	<-slow.stalled // A holds the lock and waits for its store
	go func() {
		_, err := b.ws.Command(context.Background(), alice, "s", raise)
		errs <- err
	}()
	// Stall A for many TTLs, however long B has been waiting. B cannot
	// finish first unless it overtook A's lock.
	select {
	case err := <-errs:
		t.Fatalf("B's command finished while A held the lock (err %v): the lock was overtaken", err)
	case <-time.After(10 * ttl):
	}
	close(slow.release)
	var ok, conflicts int
	for range 2 {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrConflict):
			conflicts++
		default:
			t.Fatalf("command: %v", err)
		}
	}
	if ok != 1 || conflicts != 1 {
		t.Fatalf("%d raises succeeded and %d conflicted; want one of each (commands serialised)", ok, conflicts)
	}
}

// TestAuthorize: the one access decision, for every role and action,
// from the stored record and from a token's grant; and what Connect
// makes of it for sockets.
func TestAuthorize(t *testing.T) {
	store := notes.NewMemoryStore()
	createSession(t, store, "s", "hana", "mia")
	if _, err := store.UpdateSession(t.Context(), "s", notes.SetRole("cora", RoleCoHost)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateSession(t.Context(), "s", notes.SetRole("vic", RoleViewer)); err != nil {
		t.Fatal(err)
	}
	in := newInstance(t, store, nil, nil)
	callers := map[string]Caller{
		"host":          {Subject: "hana"},
		"stored cohost": {Subject: "cora"},
		"token cohost":  {Subject: "tom", Roles: map[string]Role{"s": RoleCoHost}},
		"member":        {Subject: "mia"},
		"stored viewer": {Subject: "vic"},
		"token viewer":  {Subject: "val", Roles: map[string]Role{"s": RoleViewer}},
		"space admin":   {Subject: "ada", Roles: map[string]Role{"sp-s": SpaceAdmin}},
		"outsider":      {Subject: "out"},
		"token none":    {Subject: "mia", Roles: map[string]Role{"s": RoleNone}},
		"space none":    {Subject: "mia", Roles: map[string]Role{"sp-s": RoleNone}},
		"other token":   {Subject: "oz", Roles: map[string]Role{"other": RoleHost}},
	}
	want := map[Action][]string{
		Read:   {"host", "stored cohost", "token cohost", "member", "stored viewer", "token viewer", "space admin"},
		Edit:   {"host", "stored cohost", "token cohost", "member", "space admin"},
		Run:    {"host", "stored cohost", "token cohost", "space admin"},
		Delete: {"host"},
	}
	for a, allowed := range want {
		for name, c := range callers {
			_, _, err := in.ws.session(t.Context(), c, a, "s")
			ok := slices.Contains(allowed, name)
			// What the caller may not read is not found; what they may
			// read but not do, forbidden.
			kind := ErrForbidden
			if !slices.Contains(want[Read], name) {
				kind = ErrNotFound
			}
			if ok != (err == nil) || (!ok && !errors.Is(err, kind)) {
				t.Errorf("%s may %s: got %v", name, a, err)
			}
		}
	}
	for name, c := range callers {
		if !slices.Contains(want[Read], name) {
			if _, err := in.ws.Connect(t.Context(), c, "s", "notes", false); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s connects: %v, want not found", name, err)
			}
			continue
		}
		conn, err := in.ws.Connect(t.Context(), c, "s", "notes", false)
		if err != nil {
			t.Fatalf("%s connects: %v", name, err)
		}
		if ro := !slices.Contains(want[Edit], name); conn.ReadOnly != ro || !conn.Commands {
			t.Errorf("%s: notes read-only %v, commands %v", name, conn.ReadOnly, conn.Commands)
		}
		if conn, _ := in.ws.Connect(t.Context(), c, "s", "meeting", false); !conn.ReadOnly {
			t.Errorf("%s may write the meeting document", name)
		}
	}
	if _, err := in.ws.Connect(t.Context(), Caller{Subject: "x"}, "nope", "notes", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown session, closed mode: %v", err)
	}
	if conn, err := in.ws.Connect(t.Context(), Caller{Subject: "x"}, "nope", "notes", true); err != nil || conn.ReadOnly || conn.Commands {
		t.Errorf("ad-hoc document, open mode: %+v, %v", conn, err)
	}
	if _, err := in.ws.Connect(t.Context(), Caller{Subject: "x"}, "nope", "meeting", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("meeting of an unknown session: %v", err)
	}
	if _, err := in.ws.Connect(t.Context(), Caller{Subject: "x"}, "room", "", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("a room without a slash, closed mode: %v", err)
	}
	// A viewer cannot create a document by opening it; a member can.
	if _, err := in.ws.Connect(t.Context(), callers["stored viewer"], "s", "new-doc", false); !errors.Is(err, ErrForbidden) {
		t.Errorf("a viewer opening a new document: %v, want forbidden", err)
	}
	if _, err := in.ws.Connect(t.Context(), callers["member"], "s", "new-doc", false); err != nil {
		t.Errorf("a member opening a new document: %v", err)
	}

	// Private: the space's members no longer see it; public: everyone
	// reads, as a viewer.
	for _, vis := range []string{notes.VisibilityPrivate, notes.VisibilityPublic} {
		if _, err := store.UpdateSession(t.Context(), "s", func(s *notes.Session) error { s.Visibility = vis; return nil }); err != nil {
			t.Fatal(err)
		}
		r, err := in.ws.roleIn(t.Context(), callers["member"], mustSession(t, store, "s"))
		if wantR := map[string]Role{notes.VisibilityPrivate: "", notes.VisibilityPublic: RoleMember}[vis]; err != nil || r != wantR {
			t.Errorf("%s session: a space member's role is %q, %v; want %q", vis, r, err, wantR)
		}
		r, _ = in.ws.roleIn(t.Context(), callers["outsider"], mustSession(t, store, "s"))
		if wantR := map[string]Role{notes.VisibilityPrivate: "", notes.VisibilityPublic: RoleViewer}[vis]; r != wantR {
			t.Errorf("%s session: an outsider's role is %q; want %q", vis, r, wantR)
		}
		if r, _ := in.ws.roleIn(t.Context(), callers["stored viewer"], mustSession(t, store, "s")); r != RoleViewer {
			t.Errorf("%s session: a stored viewer's role is %q", vis, r)
		}
	}
}

func mustSession(t *testing.T, store Store, id string) notes.Session {
	t.Helper()
	s, err := store.GetSession(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
