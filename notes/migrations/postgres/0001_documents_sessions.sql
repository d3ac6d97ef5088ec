-- Document update logs, their snapshots, and session records.
CREATE TABLE snapshots (
	doc  TEXT PRIMARY KEY,
	data BYTEA NOT NULL
);
CREATE TABLE updates (
	seq  BIGSERIAL PRIMARY KEY,
	doc  TEXT  NOT NULL,
	data BYTEA NOT NULL
);
CREATE INDEX updates_doc_seq ON updates (doc, seq);
CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	state      TEXT   NOT NULL,
	created_ns BIGINT NOT NULL,
	data       BYTEA  NOT NULL
);
CREATE INDEX sessions_created ON sessions (created_ns DESC, id DESC);
