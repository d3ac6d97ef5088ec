// Package notes keeps documents and sessions durably. Its interfaces:
//
//   - Store: append-only update logs compacted into snapshots by a
//     garbage-collecting document, so deleted content is forgotten
//     (Append, Load, Compact, DeletePrefix).
//   - Sessions: session records and their lifecycle (meeting.Transition).
//     A record changes only by UpdateSession: a narrow change applied
//     with compare-and-set on the record's revision column, re-applied
//     to the fresh record when somebody wrote in between, so concurrent
//     changes (a PATCH and a start, two role changes) all survive.
//   - Versions: named snapshots per document (post-meeting, manual,
//     auto), numbered 1, 2, 3…; AutoVersionDue is the at-most-hourly
//     policy for auto versions.
//   - Index: full-text search of documents' rendered text, hits filtered
//     by the sessions a caller may read, with safe HTML snippets.
//   - Lister: the documents stored under a prefix (a session's documents).
//   - Access: spaces, their members (the last owner is kept), invites
//     (a use limit counted atomically in the store) and profiles.
//     Migration 0005 puts every session from before spaces into a space
//     of its own ("m-{session id}") owned by its host.
//   - Pulse (pulse*.go, migration 0006): calendar feed tokens (only the
//     secret's SHA-256 is kept), the last record of deleted sessions
//     (so feeds can cancel them; PruneTombstones forgets old ones and
//     the session feed tokens of them), webhooks and their persisted
//     deliveries. Deliveries are claimed with a lease that expires
//     (PostgreSQL: FOR UPDATE SKIP LOCKED), so instances sharing one
//     database deliver each due row once while its lease lasts and an
//     instance that dies mid-delivery only delays it.
//   - SeriesStore (series*.go, migration 0006): recurring series (the
//     rule and the template) and their occurrences, one row per slot
//     (original start) once materialised as a session or cancelled, so
//     a slot is made at most once however many instances try.
//   - RSVPStore (rsvp.go, migration 0006): each person's answer to a
//     session (going, maybe, not_going).
//   - TaskStore (tasks.go, migration 0007): tasks across sessions' notes,
//     one row per copy of a task in a session (the task item's CRDT
//     element id there, where it was carried from, its last known
//     state); one copy per task and session, so a carry is made once,
//     and CheckTask changes every copy with one compare-and-set.
//     DeleteSession removes a session's copies and RSVPs with it.
//
// Backends, named by suffix: SQLiteStore (the embedded default, one file;
// FTS5 for search), PostgresStore (shared by several instances, pgx pool;
// tsvector and GIN for search) and MemoryStore (everything in memory;
// search by whole words). Each implements all of these interfaces, which
// package workspace requires as one Store. One conformance suite runs against each
// (conformance_test.go and the suites it calls); the PostgreSQL tests
// need a server (scripts/ensure-postgres.sh) and each use a fresh schema.
// The two SQL backends share one body (sqlStore: the *_sql.go files,
// tasks.go, rsvp.go): each query is written once with PostgreSQL's $N
// placeholders, which SQLite reads as ?N, over a small connection
// interface (sqlConn); what differs — transactions, locks, a few
// queries — is set where each store opens (sqldb.go).
//
// Schemas are versioned: migrations/{sqlite,postgres}/NNNN_name.sql are
// embedded and applied in order when a store opens, recorded in
// schema_migrations; released files are never edited. Compaction is safe
// with several writers: in SQLite every write is one IMMEDIATE
// transaction; in PostgreSQL a per-document advisory lock serializes
// compactions and exactly the update rows merged are deleted, so updates
// appended meanwhile are kept. DeletePrefix("{session}/") drops the
// documents, updates, versions and search entries of a session.
//
// It also holds the template a new session's notes are seeded from.
// Rendering notes to Markdown and HTML lives in notes/render.
//
// It stores; it does not run live sessions or connections (package hub)
// and serves no HTTP (package server). Document contents are read through
// package crdt, never by parsing updates itself. pgx is imported by the
// PostgreSQL backend and its sqlConn adapter only; SQLite errors are told apart by their codes,
// never by their text.
package notes
