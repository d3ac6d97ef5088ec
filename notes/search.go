package notes

import (
	"context"
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entry is what the search index holds for one document: its rendered
// plain text, and the session, title and version it is shown with.
type Entry struct {
	Session string
	Doc     string
	Version int
	Title   string
	Text    string
}

// Query is a search. Q is what a person typed: it is reduced to plain
// words (see SearchTerms), every one of which must match; operators and
// quotes carry no meaning.
type Query struct {
	Q string
	// Sessions restricts hits to these sessions (those the caller may
	// read); nil means all sessions, an empty slice none.
	Sessions []string
	// Limit bounds the hits (default 20, at most 100).
	Limit int
}

// Hit is one search result. Snippet is safe HTML: escaped text in which
// only <mark>…</mark> (around matched words) is markup. Rank is higher
// for better hits; it compares hits of one search only.
type Hit struct {
	Session string  `json:"session"`
	Doc     string  `json:"doc"`
	Title   string  `json:"title"`
	Version int     `json:"version"`
	Snippet string  `json:"snippet"`
	Rank    float64 `json:"rank"`
}

// Index is full-text search over documents' latest rendered text.
// SQLiteStore (FTS5) and PostgresStore (tsvector) implement it;
// DeletePrefix drops entries with their documents.
type Index interface {
	// Index stores e, replacing any earlier entry of e.Doc.
	Index(ctx context.Context, e Entry) error
	// Search returns the best hits first, or ErrEmptyQuery when Q has
	// no word to search for.
	Search(ctx context.Context, q Query) ([]Hit, error)
}

// Bounds on a search.
const (
	maxSearchTerms   = 16
	maxSearchTermLen = 64
	maxEntryText     = 4 << 20
)

// SearchTerms reduces what a person typed to the plain words searched
// for: runs of letters and digits, lower-cased, without English stop
// words, at most 16 words of at most 64 bytes. Everything else (quotes,
// operators, punctuation) separates words.
func SearchTerms(q string) []string {
	var terms []string
	seen := map[string]bool{}
	for f := range strings.FieldsFuncSeq(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		f = strings.ToLower(f)
		if len(f) > maxSearchTermLen {
			f = truncateUTF8(f, maxSearchTermLen)
		}
		if seen[f] || stopWords[f] {
			continue
		}
		seen[f] = true
		terms = append(terms, f)
		if len(terms) == maxSearchTerms {
			break
		}
	}
	return terms
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// The highlight functions of both databases wrap matches in these
// private-use characters, which are stripped from indexed text so that
// only the database can produce them; safeSnippet escapes the rest and
// turns them into <mark> tags.
const (
	markStart = "\uE000"
	markEnd   = "\uE001"
)

var stripMarks = strings.NewReplacer(markStart, "", markEnd, "")

// cleanEntry validates e and strips the highlight sentinels and NULs
// (which PostgreSQL text refuses) from its text.
func cleanEntry(e Entry) (Entry, error) {
	switch {
	case e.Doc == "" || e.Session == "":
		return Entry{}, fmt.Errorf("%w: session and doc are required", ErrInvalidEntry)
	case !strings.HasPrefix(e.Doc, e.Session+"/"):
		return Entry{}, fmt.Errorf("%w: doc %q is not in session %q", ErrInvalidEntry, e.Doc, e.Session)
	case len(e.Text) > maxEntryText:
		return Entry{}, fmt.Errorf("%w: text of %s is longer than %d bytes", ErrInvalidEntry, e.Doc, maxEntryText)
	case e.Version < 0:
		return Entry{}, fmt.Errorf("%w: negative version", ErrInvalidEntry)
	}
	clean := func(s string) string {
		return strings.ReplaceAll(stripMarks.Replace(strings.ToValidUTF8(s, "\uFFFD")), "\x00", "")
	}
	e.Title, e.Text = clean(e.Title), clean(e.Text)
	return e, nil
}

// safeSnippet turns a highlighted snippet from the database into safe
// HTML. A start marker without its end (cut off) is closed.
func safeSnippet(s string) string {
	var b strings.Builder
	open := false
	for len(s) > 0 {
		i := strings.IndexAny(s, markStart+markEnd)
		if i < 0 {
			b.WriteString(html.EscapeString(s))
			break
		}
		b.WriteString(html.EscapeString(s[:i]))
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case string(r) == markStart && !open:
			b.WriteString("<mark>")
			open = true
		case string(r) == markEnd && open:
			b.WriteString("</mark>")
			open = false
		}
		s = s[i+size:]
	}
	if open {
		b.WriteString("</mark>")
	}
	return b.String()
}

func searchLimit(n int) int {
	if n <= 0 {
		return 20
	}
	return min(n, 100)
}

// stopWords are the English words PostgreSQL's english configuration
// neither indexes nor searches for; SearchTerms drops them so that a
// query means the same in SQLite, which indexes every word.
var stopWords = map[string]bool{
	"a": true, "about": true, "above": true, "after": true, "again": true, "against": true,
	"all": true, "am": true, "an": true, "and": true, "any": true, "are": true, "as": true,
	"at": true, "be": true, "because": true, "been": true, "before": true, "being": true,
	"below": true, "between": true, "both": true, "but": true, "by": true, "can": true, "did": true,
	"do": true, "does": true, "doing": true, "don": true, "down": true, "during": true, "each": true,
	"few": true, "for": true, "from": true, "further": true, "had": true, "has": true, "have": true,
	"having": true, "he": true, "her": true, "here": true, "hers": true, "herself": true, "him": true,
	"himself": true, "his": true, "how": true, "i": true, "if": true, "in": true, "into": true,
	"is": true, "it": true, "its": true, "itself": true, "just": true, "me": true, "more": true,
	"most": true, "my": true, "myself": true, "no": true, "nor": true, "not": true, "now": true,
	"of": true, "off": true, "on": true, "once": true, "only": true, "or": true, "other": true,
	"our": true, "ours": true, "ourselves": true, "out": true, "over": true, "own": true, "s": true,
	"same": true, "she": true, "should": true, "so": true, "some": true, "such": true, "t": true,
	"than": true, "that": true, "the": true, "their": true, "theirs": true, "them": true,
	"themselves": true, "then": true, "there": true, "these": true, "they": true, "this": true,
	"those": true, "through": true, "to": true, "too": true, "under": true, "until": true, "up": true,
	"very": true, "was": true, "we": true, "were": true, "what": true, "when": true, "where": true,
	"which": true, "while": true, "who": true, "whom": true, "why": true, "will": true, "with": true,
	"you": true, "your": true, "yours": true, "yourself": true, "yourselves": true,
}
