// Package notes keeps documents and sessions durably: the Store interface
// (append-only update logs compacted into snapshots with crdt.MergeUpdates)
// and the Sessions interface, each with its SQLite backend (the embedded
// default, store_sqlite.go, sessions_sqlite.go) and an in-memory one beside
// it, and one shared conformance suite per interface; and the template a
// new session's notes are seeded from. Still to come (the notes and
// scale-out issues): the PostgreSQL backends, named versions, rendering to
// Markdown and HTML, and search.
//
// It stores and renders; it does not run live sessions or connections
// (package hub) and serves no HTTP (package server). Document contents are
// read through package crdt, never by parsing updates itself. pgx is
// imported by the PostgreSQL store only.
package notes
