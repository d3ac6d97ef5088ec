-- Document update logs, their snapshots, and session records. IF NOT EXISTS:
-- databases created before migrations were versioned already hold them.
CREATE TABLE IF NOT EXISTS snapshots (
	doc  TEXT PRIMARY KEY,
	data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS updates (
	seq  INTEGER PRIMARY KEY AUTOINCREMENT,
	doc  TEXT NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_doc_seq ON updates (doc, seq);
CREATE TABLE IF NOT EXISTS sessions (
	id         TEXT PRIMARY KEY,
	state      TEXT NOT NULL,
	created_ns INTEGER NOT NULL,
	data       BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_created ON sessions (created_ns DESC, id DESC);
