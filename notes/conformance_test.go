package notes

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/meeting"
	"time"
)

// fullStore is everything a database backend implements.
type fullStore interface {
	Store
	Sessions
	Versions
	Lister
	Index
	Access
}

// backend opens instances of one kind of store. fresh makes a new empty
// database and returns its opener: every call of the opener is a separate
// instance (own connections) on that same database, as separate cocreate
// processes would be. Memory has one instance only, so its opener
// returns the same store each time.
type backend struct {
	name  string
	fresh func(t *testing.T) func(t *testing.T) fullStore
}

// openSQLite opens the SQLite store in dir, closed when the test ends.
func openSQLite(t *testing.T, dir string) *SQLiteStore {
	t.Helper()
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t *testing.T) func(t *testing.T) fullStore {
			dir := t.TempDir()
			return func(t *testing.T) fullStore { return openSQLite(t, dir) }
		}},
		{"postgres", func(t *testing.T) func(t *testing.T) fullStore {
			dsn := freshPostgres(t)
			return func(t *testing.T) fullStore { return openPostgres(t, dsn) }
		}},
		{"memory", func(t *testing.T) func(t *testing.T) fullStore {
			s := NewMemoryStore()
			return func(t *testing.T) fullStore { return s }
		}},
	}
}

// TestConformance runs the suites beyond testStore and testSessions
// against every backend.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("random round trips", func(t *testing.T) { testRandomRoundTrips(t, b) })
			t.Run("two writers", func(t *testing.T) { testTwoWriters(t, b) })
			t.Run("versions", func(t *testing.T) { testVersions(t, b) })
			t.Run("delete prefix", func(t *testing.T) { testDeleteAll(t, b) })
			t.Run("docs", func(t *testing.T) { testDocs(t, b) })
			t.Run("concurrent session changes", func(t *testing.T) { testConcurrentSessionChanges(t, b) })
			t.Run("access", func(t *testing.T) { testAccess(t, b) })
		})
	}
}

// randomEdits makes peers editing one Text "t" concurrently (each peer
// sees the others' updates only now and then) and returns every update
// made, in order, and the text all peers converge to.
func randomEdits(t *testing.T, rng *rand.Rand, peers, steps int) ([][]byte, string) {
	t.Helper()
	docs := make([]*crdt.Doc, peers)
	var all [][]byte
	for i := range docs {
		docs[i] = crdt.NewDoc(crdt.DocOptions{ClientID: uint64(100 + i)})
		docs[i].OnUpdate(func(u []byte, origin any, _ *crdt.Transaction) {
			if origin == nil { // local edits only
				all = append(all, u)
			}
		})
	}
	exchange := func() {
		for _, a := range docs {
			for _, b := range docs {
				if a == b {
					continue
				}
				diff, err := a.EncodeStateAsUpdate(b.EncodeStateVector())
				if err != nil {
					t.Fatal(err)
				}
				if err := b.ApplyUpdate(diff, "sync"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for range steps {
		d := docs[rng.IntN(peers)]
		txt := d.GetText("t")
		if n := txt.Len(); n > 0 && rng.IntN(4) == 0 {
			i := rng.IntN(n)
			if err := txt.Delete(i, 1+rng.IntN(min(3, n-i))); err != nil {
				t.Fatal(err)
			}
		} else {
			word := string(rune('a'+rng.IntN(26))) + string(rune('a'+rng.IntN(26)))
			if err := txt.Insert(rng.IntN(n+1), word, nil); err != nil {
				t.Fatal(err)
			}
		}
		if rng.IntN(8) == 0 {
			exchange()
		}
	}
	exchange()
	return all, docs[0].GetText("t").String()
}

// rebuildText applies a State to a fresh doc and returns its Text "t".
func rebuildText(t *testing.T, st State) string {
	t.Helper()
	d := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	if err := st.Apply(d); err != nil {
		t.Fatal(err)
	}
	return d.GetText("t").String()
}

// Random batches of real updates, compacted at random points, always
// load back to the document the editors hold.
func testRandomRoundTrips(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)(t)
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0xc0c))
		doc := fmt.Sprintf("r/doc%d", seed)
		ups, want := randomEdits(t, rng, 3, 150)
		rng.Shuffle(len(ups), func(i, j int) { ups[i], ups[j] = ups[j], ups[i] })
		merged := 0
		for len(ups) > 0 {
			n := min(len(ups), 1+rng.IntN(12))
			if err := s.Append(ctx, doc, ups[:n]...); err != nil {
				t.Fatal(err)
			}
			ups = ups[n:]
			if rng.IntN(3) == 0 {
				k, err := s.Compact(ctx, doc)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				merged += k
			}
		}
		st, err := s.Load(ctx, doc)
		if err != nil {
			t.Fatal(err)
		}
		if got := rebuildText(t, st); got != want {
			t.Fatalf("seed %d: loaded %q, want %q", seed, got, want)
		}
		if _, err := s.Compact(ctx, doc); err != nil {
			t.Fatal(err)
		}
		st, _ = s.Load(ctx, doc)
		if len(st.Updates) != 0 {
			t.Fatalf("seed %d: %d updates left after compaction", seed, len(st.Updates))
		}
		if got := rebuildText(t, st); got != want {
			t.Fatalf("seed %d: compacted %q, want %q", seed, got, want)
		}
		if merged == 0 && seed == 1 {
			t.Log("no compaction happened midway for seed 1")
		}
	}
}

// Two instances on one database append to and compact the same document
// at once; no update is lost.
func testTwoWriters(t *testing.T, b backend) {
	ctx := context.Background()
	open := b.fresh(t)
	stores := []Store{open(t), open(t)}
	const doc = "w/notes"
	const writers, edits = 4, 60
	var wg sync.WaitGroup
	want := make([]string, writers)
	for w := range writers {
		// Each writer types its own paragraph with its own client id.
		d := crdt.NewDoc(crdt.DocOptions{ClientID: uint64(1000 + w)})
		var ups [][]byte
		d.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { ups = append(ups, u) })
		txt := d.GetText(fmt.Sprintf("w%d", w))
		for i := range edits {
			if err := txt.Insert(i, string(rune('a'+(i+w)%26)), nil); err != nil {
				t.Fatal(err)
			}
		}
		want[w] = txt.String()
		s := stores[w%2]
		wg.Go(func() {
			for i, u := range ups {
				if err := s.Append(ctx, doc, u); err != nil {
					t.Error(err)
					return
				}
				if i%7 == 3 {
					if _, err := s.Compact(ctx, doc); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	check := func(st State) {
		t.Helper()
		d := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
		for _, u := range append([][]byte{st.Snapshot}, st.Updates...) {
			if u == nil {
				continue
			}
			if err := d.ApplyUpdate(u, nil); err != nil {
				t.Fatal(err)
			}
		}
		for w := range writers {
			if got := d.GetText(fmt.Sprintf("w%d", w)).String(); got != want[w] {
				t.Fatalf("writer %d: stored %q, want %q", w, got, want[w])
			}
		}
	}
	third := open(t)
	st, err := third.Load(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	check(st)
	if _, err := third.Compact(ctx, doc); err != nil {
		t.Fatal(err)
	}
	st, _ = third.Load(ctx, doc)
	if len(st.Updates) != 0 {
		t.Fatalf("%d updates left after a final compaction", len(st.Updates))
	}
	check(st)
}

// testDocs: Docs lists the documents under a prefix that have a snapshot
// or updates, and nothing else.
func testDocs(t *testing.T, b backend) {
	s := b.fresh(t)(t)
	ctx := context.Background()
	u := []byte{0, 0}
	for _, d := range []string{"s1/notes", "s1/meeting", "s1/board_%", "s10/notes", "s2/notes"} {
		if err := s.Append(ctx, d, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Compact(ctx, "s1/meeting"); err != nil { // snapshot only
		t.Fatal(err)
	}
	got, err := s.Docs(ctx, "s1/")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"s1/board_%", "s1/meeting", "s1/notes"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Docs(s1/) = %v, want %v", got, want)
	}
	if got, err := s.Docs(ctx, "nope/"); err != nil || len(got) != 0 {
		t.Fatalf("Docs(nope/) = %v, %v", got, err)
	}
}

// testConcurrentSessionChanges: changes of one session record made at
// once, by two instances of the store, all survive. Before records were
// changed by compare-and-set, a PATCH (read, edit, write the whole
// record back) undid a session.start made in between, and of two role
// changes only the last one stayed.
func testConcurrentSessionChanges(t *testing.T, b backend) {
	ctx := context.Background()
	open := b.fresh(t)
	a, other := open(t), open(t)
	t0 := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	create := func(id string) {
		t.Helper()
		err := a.CreateSession(ctx, Session{ID: id, Title: "T", TimeZone: "UTC", State: StateScheduled,
			CreatedAt: t0, Host: "u1", Roles: map[string]meeting.Role{"u1": meeting.RoleHost}})
		if err != nil {
			t.Fatal(err)
		}
	}

	// interleaved runs own on a, with theirs landing (on the other
	// instance) between own's read and its write.
	interleaved := func(id string, theirs, own func(*Session) error) Session {
		t.Helper()
		create(id)
		first := true
		_, err := a.UpdateSession(ctx, id, func(s *Session) error {
			if first {
				first = false
				if _, err := other.UpdateSession(ctx, id, theirs); err != nil {
					return err
				}
			}
			return own(s)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := other.GetSession(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	t.Run("patch and start", func(t *testing.T) {
		got := interleaved("p1", SetState(StateLive, t0), func(s *Session) error { s.Title = "new"; return nil })
		if got.Title != "new" || got.State != StateLive || got.StartedAt == nil {
			t.Fatalf("after PATCH and start: %+v", got)
		}
	})
	t.Run("two role changes", func(t *testing.T) {
		got := interleaved("r1", SetRole("bob", meeting.RoleViewer), SetRole("carol", meeting.RoleCoHost))
		if got.Roles["bob"] != meeting.RoleViewer || got.Roles["carol"] != meeting.RoleCoHost || got.Roles["u1"] != meeting.RoleHost {
			t.Fatalf("after two role changes: %v", got.Roles)
		}
	})

	t.Run("many at once", func(t *testing.T) {
		create("m1")
		const n = 8
		var wg sync.WaitGroup
		for i := range n {
			s := []fullStore{a, other}[i%2]
			wg.Go(func() {
				if _, err := s.UpdateSession(ctx, "m1", SetRole(fmt.Sprintf("p%d", i), meeting.RoleMember)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Go(func() {
			if _, err := a.UpdateSession(ctx, "m1", SetState(StateLive, t0)); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		got, err := a.GetSession(ctx, "m1")
		if err != nil || len(got.Roles) != n+1 || got.State != StateLive {
			t.Fatalf("after %d concurrent changes: state %s roles %v, %v", n+1, got.State, got.Roles, err)
		}
	})
}
