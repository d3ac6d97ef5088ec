-- Search: one entry per document, English stemming, title weighted above body.
CREATE TABLE search_entries (
	doc     TEXT    PRIMARY KEY,
	session TEXT    NOT NULL,
	version INTEGER NOT NULL,
	title   TEXT    NOT NULL,
	body    TEXT    NOT NULL,
	tsv     TSVECTOR GENERATED ALWAYS AS (
		setweight(to_tsvector('english', title), 'A') ||
		setweight(to_tsvector('english', body), 'B')
	) STORED
);
CREATE INDEX search_entries_tsv ON search_entries USING GIN (tsv);
CREATE INDEX search_entries_session ON search_entries (session);
