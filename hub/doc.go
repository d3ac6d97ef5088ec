// Package hub runs the live side of cocreate: one hub per open document,
// the registry of live documents, connection fan-out, awareness relay, the
// Bus that carries updates and awareness between instances (in-process, or
// Redis pub/sub in bus_redis.go), and snapshot scheduling to notes.Store.
//
// Each live document has one owner: its hub's run loop, fed through an
// inbox, owns the crdt document, the member connections and the awareness
// state; nothing else touches them. A message travels socket → connection
// reader → decode → hub inbox → crdt apply → fan-out to the other local
// connections (non-blocking enqueue; a full queue closes that connection) →
// Bus publish → store append. Each connection has one reader and one writer
// goroutine; every goroutine has an owner that stops it, and shutdown is a
// context plus a wait.
//
// The hub knows no HTTP (that is package server) and no SQL (that is package
// notes); Redis is imported only by the Redis Bus implementation.
package hub
