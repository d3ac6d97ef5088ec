package notes

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/meeting"
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

// TestSearch runs the search suite against every backend.
func TestSearch(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { testSearch(t, b.fresh(t)(t)) })
	}
}

func testSearch(t *testing.T, ix Index) {
	ctx := context.Background()
	entries := []Entry{
		{Session: "s1", Doc: "s1/notes", Version: 2, Title: "Budget review",
			Text: "We went through the budget. The budget for travel is cut; the budget for tools grows."},
		{Session: "s2", Doc: "s2/notes", Version: 1, Title: "Weekly sync",
			Text: "Short notes. Someone mentioned the budget once, then we talked about hiring and the roadmap."},
		{Session: "s3", Doc: "s3/notes", Version: 0, Title: "Retro",
			Text: "Nothing about money here: only <script>alert(1)</script> & friends, 1 < 2, and hiring plans."},
		{Session: "s3", Doc: "s3/board", Version: 0, Title: "Board",
			Text: "Old words that are replaced: pineapple."},
	}
	for _, e := range entries {
		if err := ix.Index(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	docs := func(hits []Hit) []string {
		var ds []string
		for _, h := range hits {
			ds = append(ds, h.Doc)
		}
		return ds
	}

	t.Run("ranking", func(t *testing.T) {
		hits, err := ix.Search(ctx, Query{Q: "budget"})
		if err != nil {
			t.Fatal(err)
		}
		if got := docs(hits); !slices.Equal(got, []string{"s1/notes", "s2/notes"}) {
			t.Fatalf("hits %v", got)
		}
		h := hits[0]
		if h.Session != "s1" || h.Title != "Budget review" || h.Version != 2 || !(h.Rank > hits[1].Rank) {
			t.Fatalf("best hit %+v, second rank %v", h, hits[1].Rank)
		}
		if !strings.Contains(h.Snippet, "<mark>budget</mark>") {
			t.Fatalf("snippet %q has no highlighted budget", h.Snippet)
		}
		// Stemming: "budgets" finds "budget".
		if hits, _ := ix.Search(ctx, Query{Q: "Budgets"}); len(hits) != 2 {
			t.Fatalf("stemmed search: %v", docs(hits))
		}
		// Every word must match.
		if hits, _ := ix.Search(ctx, Query{Q: "budget hiring"}); !slices.Equal(docs(hits), []string{"s2/notes"}) {
			t.Fatalf("two words: %v", docs(hits))
		}
		if hits, _ := ix.Search(ctx, Query{Q: "budget", Limit: 1}); len(hits) != 1 {
			t.Fatalf("limit 1: %v", docs(hits))
		}
	})

	t.Run("permission filter", func(t *testing.T) {
		hits, err := ix.Search(ctx, Query{Q: "budget", Sessions: []string{"s2", "s3"}})
		if err != nil || !slices.Equal(docs(hits), []string{"s2/notes"}) {
			t.Fatalf("filtered: %v, %v", docs(hits), err)
		}
		hits, err = ix.Search(ctx, Query{Q: "budget", Sessions: []string{}})
		if err != nil || hits == nil || len(hits) != 0 {
			t.Fatalf("no readable sessions: %#v, %v", hits, err)
		}
		// A caller who may read very many sessions.
		many := make([]string, 40000)
		for i := range many {
			many[i] = fmt.Sprintf("other%d", i)
		}
		many[len(many)-1] = "s1"
		hits, err = ix.Search(ctx, Query{Q: "budget", Sessions: many})
		if err != nil || !slices.Equal(docs(hits), []string{"s1/notes"}) {
			t.Fatalf("40000 readable sessions: %v, %v", docs(hits), err)
		}
		hits, err = ix.Search(ctx, Query{Q: "hiring", Sessions: []string{"s3"}})
		if err != nil || !slices.Equal(docs(hits), []string{"s3/notes"}) {
			t.Fatalf("hiring in s3: %v, %v", docs(hits), err)
		}
	})

	t.Run("snippets are safe html", func(t *testing.T) {
		hits, err := ix.Search(ctx, Query{Q: "friends"})
		if err != nil || len(hits) != 1 {
			t.Fatalf("hits %v, %v", docs(hits), err)
		}
		sn := hits[0].Snippet
		if strings.Contains(sn, "<script") || !strings.Contains(sn, "&lt;") || !strings.Contains(sn, "&amp;") ||
			!strings.Contains(sn, "<mark>friends</mark>") {
			t.Fatalf("snippet %q", sn)
		}
		if rest := strings.ReplaceAll(strings.ReplaceAll(sn, "<mark>", ""), "</mark>", ""); strings.ContainsAny(rest, "<>") {
			t.Fatalf("snippet %q has markup besides <mark>", sn)
		}
		// Sentinels in indexed text cannot forge highlights.
		if err := ix.Index(ctx, Entry{Session: "s4", Doc: "s4/notes", Title: "x", Text: "forged " + markStart + "<b>" + markEnd + " kiwi"}); err != nil {
			t.Fatal(err)
		}
		hits, _ = ix.Search(ctx, Query{Q: "kiwi"})
		if len(hits) != 1 || strings.Count(hits[0].Snippet, "<mark>") != 1 || strings.Contains(hits[0].Snippet, "<b>") {
			t.Fatalf("forged snippet %+v", hits)
		}
	})

	t.Run("query syntax is plain words", func(t *testing.T) {
		for _, q := range []string{`"budget`, `budget OR`, `budget AND NOT`, `budget^`, `{budget}`, `budget +`, `budget:*`, `:budget`,
			`budget*`, `-budget`, `(budget`, `budget & | ! :*`, `'budget'`, `budget\`, "budget\x00"} {
			hits, err := ix.Search(ctx, Query{Q: q})
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			if len(hits) == 0 {
				t.Fatalf("%q found nothing", q)
			}
		}
		for _, q := range []string{"", "  ", `"" * ( )`, "-:&|!", "the OR and"} {
			if _, err := ix.Search(ctx, Query{Q: q}); !errors.Is(err, ErrEmptyQuery) {
				t.Fatalf("%q: %v, want ErrEmptyQuery", q, err)
			}
		}
	})

	t.Run("re-index replaces", func(t *testing.T) {
		if err := ix.Index(ctx, Entry{Session: "s3", Doc: "s3/board", Version: 5, Title: "Board", Text: "New words: mango."}); err != nil {
			t.Fatal(err)
		}
		if hits, _ := ix.Search(ctx, Query{Q: "pineapple"}); len(hits) != 0 {
			t.Fatalf("old text still found: %v", docs(hits))
		}
		hits, _ := ix.Search(ctx, Query{Q: "mango"})
		if len(hits) != 1 || hits[0].Version != 5 {
			t.Fatalf("new text: %+v", hits)
		}
	})

	t.Run("bad entries", func(t *testing.T) {
		for _, e := range []Entry{{Doc: "x/notes"}, {Session: "x"}, {Session: "x", Doc: "y/notes"}, {Session: "x", Doc: "x/n", Version: -1}} {
			if err := ix.Index(ctx, e); !errors.Is(err, ErrInvalidEntry) {
				t.Errorf("Index(%+v) = %v", e, err)
			}
		}
	})

	t.Run("delete prefix drops entries", func(t *testing.T) {
		if err := ix.(Store).DeletePrefix(ctx, "s1/"); err != nil {
			t.Fatal(err)
		}
		hits, _ := ix.Search(ctx, Query{Q: "budget"})
		if !slices.Equal(docs(hits), []string{"s2/notes"}) {
			t.Fatalf("after deleting s1: %v", docs(hits))
		}
	})
}

func TestSearchTerms(t *testing.T) {
	for q, want := range map[string][]string{
		`Hello, "World" OR hello`: {"hello", "world"},
		`NEAR(x y) title:z*`:      {"near", "x", "y", "title", "z"},
		"the budget AND NOT":      {"budget"},
		`café-crème`:              {"café", "crème"},
		"":                        nil,
		strings.Repeat("w ", 40):  {"w"},
		strings.Repeat("é", 40):   {strings.Repeat("é", 32)},
	} {
		if got := SearchTerms(q); !slices.Equal(got, want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", q, got, want)
		}
	}
	if n := len(SearchTerms("b c e f g h j k l m n p q r u v w x y z")); n != maxSearchTerms {
		t.Errorf("%d terms kept, want %d", n, maxSearchTerms)
	}
}

func TestSafeSnippet(t *testing.T) {
	for in, want := range map[string]string{
		"a " + markStart + "b" + markEnd + " <c>":   "a <mark>b</mark> &lt;c&gt;",
		markStart + "cut":                           "<mark>cut</mark>",
		markEnd + "x" + markStart + markStart + "y": "x<mark>y</mark>",
		`"q" & 'a'`: "&#34;q&#34; &amp; &#39;a&#39;",
	} {
		if got := safeSnippet(in); got != want {
			t.Errorf("safeSnippet(%q) = %q, want %q", in, got, want)
		}
	}
}
