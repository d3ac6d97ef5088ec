// Package outage holds the store-outage tests of cocreate: the real
// binary runs as a process against a real store that fails under it — a
// throwaway PostgreSQL cluster the test stops and starts
// (pgtest.StartCluster), SQLite on a small tmpfs the test fills up — while
// a Go client keeps editing. The tests check that /readyz answers 503
// during the outage, that SIGTERM during the outage spools the edits the
// store refused (or, when even the spool fails, exits non-zero naming the
// documents), and that after the store returns and the server restarts a
// fresh stock yjs client reads every edit.
//
// Only its tests have code; the package itself is empty.
package outage
