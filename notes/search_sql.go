package notes

import (
	"context"
	"fmt"
)

// Index implements Index: the entry cleaned, then stored the database's
// way (indexEntry).
func (s *sqlStore) Index(ctx context.Context, e Entry) error {
	e, err := cleanEntry(e)
	if err != nil {
		return err
	}
	if err := s.indexEntry(ctx, e); err != nil {
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	return nil
}

// Search implements Index with the database's full-text query
// (searchQuery); each hit's snippet is made safe.
func (s *sqlStore) Search(ctx context.Context, q Query) ([]Hit, error) {
	terms := SearchTerms(q.Q)
	if len(terms) == 0 {
		return nil, ErrEmptyQuery
	}
	if q.Sessions != nil && len(q.Sessions) == 0 {
		return []Hit{}, nil
	}
	what := fmt.Sprintf("search %q", q.Q)
	query, args, err := s.searchQuery(terms, q)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return queryAll(ctx, s.conn, what, scanHit, query, args...)
}

// scanHit reads session, doc, title, version, snippet and rank.
func scanHit(r scanner) (Hit, error) {
	var h Hit
	err := r.Scan(&h.Session, &h.Doc, &h.Title, &h.Version, &h.Snippet, &h.Rank)
	h.Snippet = safeSnippet(h.Snippet)
	return h, err
}
