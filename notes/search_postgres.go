package notes

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgIndexEntry upserts the document's row, whose tsvector column
// PostgreSQL derives (English stemming, title weighted above body).
func pgIndexEntry(pool *pgxpool.Pool) func(context.Context, Entry) error {
	return func(ctx context.Context, e Entry) error {
		_, err := pool.Exec(ctx, `INSERT INTO search_entries (doc, session, version, title, body)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (doc) DO UPDATE SET session = excluded.session, version = excluded.version,
			title = excluded.title, body = excluded.body`,
			e.Doc, e.Session, e.Version, e.Title, e.Text)
		return err
	}
}

// headlineOptions ask ts_headline for up to two fragments of the body
// with matches between the sentinel markers.
var headlineOptions = fmt.Sprintf(`StartSel=%s, StopSel=%s, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`,
	markStart, markEnd)

// pgSearchQuery joins the terms for plainto_tsquery, which reads no
// operators; Rank is ts_rank.
func pgSearchQuery(terms []string, q Query) (string, []any, error) {
	return `SELECT e.session, e.doc, e.title, e.version,
			ts_headline('english', e.body, q, $4), ts_rank(e.tsv, q)::float8 AS rank
		FROM search_entries e, plainto_tsquery('english', $1) AS q
		WHERE e.tsv @@ q AND ($2::text[] IS NULL OR e.session = ANY($2))
		ORDER BY rank DESC, e.doc LIMIT $3`,
		[]any{strings.Join(terms, " "), q.Sessions, searchLimit(q.Limit), headlineOptions}, nil
}
