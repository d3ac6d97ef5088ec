package notes

import (
	"context"
	"slices"
	"strings"
	"unicode"
)

// Index implements Index: the entry is kept as it is; DeletePrefix and
// DeleteSession drop it with its documents.
func (s *MemoryStore) Index(_ context.Context, e Entry) error {
	e, err := cleanEntry(e)
	if err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.entries == nil {
		s.entries = map[string]Entry{}
	}
	s.entries[e.Doc] = e
	return nil
}

// Search implements Index by scanning every entry: a word matches a
// term when it is equal to it (no stemming), every term must match, and
// Rank counts the matches (those in the title twice).
func (s *MemoryStore) Search(_ context.Context, q Query) ([]Hit, error) {
	terms := SearchTerms(q.Q)
	if len(terms) == 0 {
		return nil, ErrEmptyQuery
	}
	s.mu.Lock()
	entries := make([]Entry, 0, len(s.entries))
	for _, e := range s.entries {
		if q.Sessions == nil || slices.Contains(q.Sessions, e.Session) {
			entries = append(entries, e)
		}
	}
	s.mu.Unlock()
	hits := []Hit{}
	for _, e := range entries {
		title, body := memWords(e.Title), memWords(e.Text)
		rank := 0.0
		for _, t := range terms {
			t = stem(t)
			n := 2*count(title, t) + count(body, t)
			if n == 0 {
				rank = 0
				break
			}
			rank += float64(n)
		}
		if rank > 0 {
			hits = append(hits, Hit{Session: e.Session, Doc: e.Doc, Title: e.Title, Version: e.Version,
				Snippet: memSnippet(e.Text, terms), Rank: rank})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		if a.Rank != b.Rank {
			if a.Rank > b.Rank {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Doc, b.Doc)
	})
	return hits[:min(len(hits), searchLimit(q.Limit))], nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// memWords splits s into stemmed lower-case words.
func memWords(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) })
	for i, w := range words {
		words[i] = stem(w)
	}
	return words
}

// stem is the crudest English stemmer, enough that a plural finds its
// singular as the databases' stemmers do: a final s (not ss) goes.
func stem(w string) string {
	if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

func count(words []string, term string) int {
	n := 0
	for _, w := range words {
		if w == term {
			n++
		}
	}
	return n
}

// memSnippet is the first 24 words of text, matched words between the
// highlight markers, made safe HTML by safeSnippet.
func memSnippet(text string, terms []string) string {
	fields := strings.Fields(text)
	if len(fields) > 24 {
		fields = append(fields[:24], "…")
	}
	for i, f := range fields {
		start := strings.IndexFunc(f, isWordRune)
		if start < 0 {
			continue
		}
		end := start + strings.IndexFunc(f[start:], func(r rune) bool { return !isWordRune(r) })
		if end < start {
			end = len(f)
		}
		w := stem(strings.ToLower(f[start:end]))
		if slices.ContainsFunc(terms, func(t string) bool { return stem(t) == w }) {
			fields[i] = f[:start] + markStart + f[start:end] + markEnd + f[end:]
		}
	}
	return safeSnippet(strings.Join(fields, " "))
}
