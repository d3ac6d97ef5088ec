package notes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

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
