package notes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
)

// indexEntry stores an entry with FTS5: its row in search_docs and its
// words in search_fts share a rowid, both replaced in one transaction.
func (s *SQLiteStore) indexEntry(ctx context.Context, e Entry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var old int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM search_docs WHERE doc = ?`, e.Doc).Scan(&old)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = ?`, old); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE id = ?`, old); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO search_docs (doc, session, version, title) VALUES (?, ?, ?, ?)`,
			e.Doc, e.Session, e.Version, e.Title)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)`, id, e.Title, e.Text)
		return err
	})
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

// sqliteSearchQuery asks FTS5 for the terms; Rank is the negated bm25
// score, the title weighing ten times the body.
func sqliteSearchQuery(terms []string, q Query) (string, []any, error) {
	args := []any{markStart, markEnd, fts5Query(terms)}
	filter := ""
	if q.Sessions != nil {
		// One JSON array parameter, however many sessions are readable.
		list, err := json.Marshal(q.Sessions)
		if err != nil {
			return "", nil, err
		}
		filter = " AND d.session IN (SELECT value FROM json_each(?))"
		args = append(args, string(list))
	}
	args = append(args, searchLimit(q.Limit))
	return `SELECT d.session, d.doc, d.title, d.version,
			snippet(search_fts, 1, ?, ?, '…', 24), -bm25(search_fts, 10.0, 1.0) AS rank
		FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
		WHERE search_fts MATCH ?` + filter + `
		ORDER BY rank DESC, d.doc LIMIT ?`, args, nil
}
