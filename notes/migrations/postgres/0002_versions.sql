-- Named versions: full snapshots numbered 1, 2, 3… per document.
CREATE TABLE versions (
	doc        TEXT        NOT NULL,
	n          INTEGER     NOT NULL,
	kind       TEXT        NOT NULL,
	name       TEXT        NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	data       BYTEA       NOT NULL,
	PRIMARY KEY (doc, n)
);
