-- Search: one entry per document (search_docs) and its words in an FTS5
-- table sharing the rowid. Porter stemming over unicode61, accents folded.
CREATE TABLE search_docs (
	id      INTEGER PRIMARY KEY,
	doc     TEXT    NOT NULL UNIQUE,
	session TEXT    NOT NULL,
	version INTEGER NOT NULL,
	title   TEXT    NOT NULL
);
CREATE INDEX search_docs_session ON search_docs (session);
CREATE VIRTUAL TABLE search_fts USING fts5(
	title, body,
	tokenize = 'porter unicode61 remove_diacritics 2'
);
