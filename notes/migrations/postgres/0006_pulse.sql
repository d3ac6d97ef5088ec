-- The pulse (issue 14): calendar feed tokens, records of deleted
-- sessions (their feeds say CANCELLED), webhooks and their persisted
-- deliveries.

-- A feed token lets a calendar app read one feed (kind 'session' or
-- 'space', target its id) as the person who made it. Only the SHA-256
-- of the secret is kept.
CREATE TABLE feed_tokens (
	id          TEXT PRIMARY KEY,
	secret_hash TEXT NOT NULL UNIQUE,
	subject     TEXT NOT NULL,
	kind        TEXT NOT NULL,
	target      TEXT NOT NULL,
	created_ns  BIGINT NOT NULL
);
CREATE INDEX feed_tokens_subject ON feed_tokens (subject, created_ns);

-- The last record of a deleted session (JSON), so feeds can cancel it.
CREATE TABLE session_tombstones (
	id         TEXT PRIMARY KEY,
	space_id   TEXT NOT NULL DEFAULT '',
	record     TEXT NOT NULL,
	deleted_ns BIGINT NOT NULL
);
CREATE INDEX session_tombstones_space ON session_tombstones (space_id, deleted_ns);

CREATE TABLE webhooks (
	id         TEXT PRIMARY KEY,
	space_id   TEXT NOT NULL,
	url        TEXT NOT NULL,
	events     TEXT NOT NULL,
	secret     TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_ns BIGINT NOT NULL
);
CREATE INDEX webhooks_space ON webhooks (space_id, created_ns);

-- One row per (event, hook): pending until delivered or given up.
-- An instance claims due rows by setting lease_owner and lease_until_ns;
-- a lease that expires (its instance died) lets another claim the row.
CREATE TABLE webhook_deliveries (
	id             TEXT PRIMARY KEY,
	hook_id        TEXT NOT NULL,
	event          TEXT NOT NULL,
	body           TEXT NOT NULL,
	status         TEXT NOT NULL,
	attempts       INTEGER NOT NULL DEFAULT 0,
	next_ns        BIGINT NOT NULL,
	lease_owner    TEXT NOT NULL DEFAULT '',
	lease_until_ns BIGINT NOT NULL DEFAULT 0,
	last_status    INTEGER NOT NULL DEFAULT 0,
	last_error     TEXT NOT NULL DEFAULT '',
	created_ns     BIGINT NOT NULL,
	done_ns        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_ns);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (hook_id, created_ns);

-- Recurring series (record: JSON with the rule and the template) and
-- their occurrences as they are materialised or cancelled: one row per
-- original start (slot), pointing at the occurrence's session.
CREATE TABLE series (
	id         TEXT PRIMARY KEY,
	space_id   TEXT NOT NULL DEFAULT '',
	record     TEXT NOT NULL,
	created_ns BIGINT NOT NULL
);
CREATE TABLE series_occurrences (
	series_id  TEXT NOT NULL,
	slot_ns    BIGINT NOT NULL,
	session_id TEXT NOT NULL DEFAULT '',
	cancelled  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (series_id, slot_ns)
);
CREATE INDEX series_occurrences_session ON series_occurrences (session_id);

-- RSVPs: each person's answer (going, maybe, not_going) to a session.
CREATE TABLE rsvps (
	session_id TEXT NOT NULL,
	subject    TEXT NOT NULL,
	answer     TEXT NOT NULL,
	updated_ns BIGINT NOT NULL,
	PRIMARY KEY (session_id, subject)
);
