package notes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Index implements Index with FTS5: the entry's row in search_docs and
// its words in search_fts share a rowid, both replaced in one transaction.
func (s *SQLiteStore) Index(ctx context.Context, e Entry) error {
	e, err := cleanEntry(e)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	defer tx.Rollback()
	var old int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM search_docs WHERE doc = ?`, e.Doc).Scan(&old)
	switch {
	case err == nil:
		if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = ?`, old); err != nil {
			return fmt.Errorf("index %s: %w", e.Doc, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE id = ?`, old); err != nil {
			return fmt.Errorf("index %s: %w", e.Doc, err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO search_docs (doc, session, version, title) VALUES (?, ?, ?, ?)`,
		e.Doc, e.Session, e.Version, e.Title)
	if err != nil {
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)`, id, e.Title, e.Text); err != nil {
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index %s: %w", e.Doc, err)
	}
	return nil
}

// fts5Query quotes every term, so FTS5 reads them as plain words that
// must all match (a term cannot hold a quote: SearchTerms keeps letters
// and digits only).
func fts5Query(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + t + `"`
	}
	return strings.Join(q, " ")
}

// Search implements Index. Rank is the negated bm25 score, the title
// weighing ten times the body.
func (s *SQLiteStore) Search(ctx context.Context, q Query) ([]Hit, error) {
	terms := SearchTerms(q.Q)
	if len(terms) == 0 {
		return nil, ErrEmptyQuery
	}
	hits := []Hit{}
	if q.Sessions != nil && len(q.Sessions) == 0 {
		return hits, nil
	}
	args := []any{markStart, markEnd, fts5Query(terms)}
	filter := ""
	if q.Sessions != nil {
		// One JSON array parameter, however many sessions are readable.
		list, err := json.Marshal(q.Sessions)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", q.Q, err)
		}
		filter = " AND d.session IN (SELECT value FROM json_each(?))"
		args = append(args, string(list))
	}
	args = append(args, searchLimit(q.Limit))
	rows, err := s.db.QueryContext(ctx, `SELECT d.session, d.doc, d.title, d.version,
			snippet(search_fts, 1, ?, ?, '…', 24), -bm25(search_fts, 10.0, 1.0) AS rank
		FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
		WHERE search_fts MATCH ?`+filter+`
		ORDER BY rank DESC, d.doc LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Q, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.Session, &h.Doc, &h.Title, &h.Version, &h.Snippet, &h.Rank); err != nil {
			return nil, fmt.Errorf("search %q: %w", q.Q, err)
		}
		h.Snippet = safeSnippet(h.Snippet)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Q, err)
	}
	return hits, nil
}
