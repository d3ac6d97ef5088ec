package notes

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Index implements Index: an upsert of the document's row, whose
// tsvector column PostgreSQL derives (English stemming, title weighted
// above body).
func (s *PostgresStore) Index(ctx context.Context, e Entry) error {
	e, err := cleanEntry(e)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO search_entries (doc, session, version, title, body)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (doc) DO UPDATE SET session = excluded.session, version = excluded.version,
			title = excluded.title, body = excluded.body`,
		e.Doc, e.Session, e.Version, e.Title, e.Text); err != nil {
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	return nil
}

// headlineOptions ask ts_headline for up to two fragments of the body
// with matches between the sentinel markers.
var headlineOptions = fmt.Sprintf(`StartSel=%s, StopSel=%s, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`,
	markStart, markEnd)

// Search implements Index. The terms are joined for plainto_tsquery,
// which reads no operators; Rank is ts_rank.
func (s *PostgresStore) Search(ctx context.Context, q Query) ([]Hit, error) {
	terms := SearchTerms(q.Q)
	if len(terms) == 0 {
		return nil, ErrEmptyQuery
	}
	hits := []Hit{}
	if q.Sessions != nil && len(q.Sessions) == 0 {
		return hits, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT e.session, e.doc, e.title, e.version,
			ts_headline('english', e.body, q, $4), ts_rank(e.tsv, q)::float8 AS rank
		FROM search_entries e, plainto_tsquery('english', $1) AS q
		WHERE e.tsv @@ q AND ($2::text[] IS NULL OR e.session = ANY($2))
		ORDER BY rank DESC, e.doc LIMIT $3`,
		strings.Join(terms, " "), q.Sessions, searchLimit(q.Limit), headlineOptions)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Q, err)
	}
	hits, err = pgx.AppendRows(hits, rows, func(row pgx.CollectableRow) (Hit, error) {
		var h Hit
		err := row.Scan(&h.Session, &h.Doc, &h.Title, &h.Version, &h.Snippet, &h.Rank)
		h.Snippet = safeSnippet(h.Snippet)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Q, err)
	}
	return hits, nil
}
