// Package notes keeps documents durably and makes them readable: the Store
// interface with its SQLite (embedded default) and PostgreSQL backends side
// by side (store_sqlite.go, store_postgres.go) and one shared conformance
// test, update logs compacted into snapshots, named versions written when a
// session ends, rendering of notes to Markdown and HTML, and search.
//
// It stores and renders; it does not run live sessions or connections
// (package hub) and serves no HTTP (package server). Document contents are
// read through package crdt, never by parsing updates itself. pgx is
// imported by the PostgreSQL store only.
package notes
