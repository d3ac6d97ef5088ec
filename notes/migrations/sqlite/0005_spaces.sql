-- Spaces, their members and invites, and people's profiles. Every
-- session existing before spaces goes into a space of its own, owned by
-- its host ("m-" and the session id), with visibility "space".
CREATE TABLE spaces (
	id         TEXT PRIMARY KEY,
	name       TEXT    NOT NULL,
	created_ns INTEGER NOT NULL
);
CREATE TABLE space_members (
	space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
	subject  TEXT NOT NULL,
	role     TEXT NOT NULL,
	PRIMARY KEY (space_id, subject)
);
CREATE INDEX space_members_subject ON space_members (subject);
CREATE TABLE invites (
	code       TEXT PRIMARY KEY,
	space_id   TEXT    NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
	session_id TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	expires_ns INTEGER NOT NULL,
	max_uses   INTEGER NOT NULL,
	uses       INTEGER NOT NULL DEFAULT 0,
	created_by TEXT    NOT NULL,
	created_ns INTEGER NOT NULL
);
CREATE INDEX invites_space ON invites (space_id, created_ns DESC);
CREATE TABLE profiles (
	subject TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	color   TEXT NOT NULL
);
INSERT INTO spaces (id, name, created_ns)
	SELECT 'm-' || id, json_extract(CAST(data AS TEXT), '$.title'), created_ns FROM sessions;
INSERT INTO space_members (space_id, subject, role)
	SELECT 'm-' || id, json_extract(CAST(data AS TEXT), '$.host'), 'owner' FROM sessions
	WHERE coalesce(json_extract(CAST(data AS TEXT), '$.host'), '') <> '';
UPDATE sessions SET data = json_set(CAST(data AS TEXT), '$.space_id', 'm-' || id, '$.visibility', 'space');
