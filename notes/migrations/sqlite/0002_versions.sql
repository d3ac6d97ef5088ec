-- Named versions: full snapshots numbered 1, 2, 3… per document.
CREATE TABLE versions (
	doc        TEXT    NOT NULL,
	n          INTEGER NOT NULL,
	kind       TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	created_ns INTEGER NOT NULL,
	data       BLOB    NOT NULL,
	PRIMARY KEY (doc, n)
);
