// Package loadgen drives a Yjs sync server with many WebSocket clients on
// loopback and measures how it copes: the load generator behind
// `cocreate bench load` and `make bench-server`.
//
// Run opens, per room, Receivers clients that only listen and one writer
// that sends real Yjs updates (text inserts made with a crdt.Doc) at a
// fixed rate. Every inserted string is a marker "#<seq>@<unixnano>#", so a
// receiver measures end-to-end latency by finding markers in the raw
// update bytes instead of applying them (a thousand crdt docs in one
// process would measure the load generator, not the server). RunIdle
// opens many synced clients that stay quiet, to measure the server's
// memory per connection and how fast it accepts them.
//
// Clients speak the y-websocket framing (one y-protocols message per
// binary frame, the document named by the URL path) or, with
// ProtocolHocuspocus, Hocuspocus's framing (every message prefixed by the
// document name, and an auth message before anything else). Connections
// are spread over many 127.0.0.x source addresses so that tens of
// thousands of them do not run out of ephemeral ports; only loopback
// servers are accepted.
//
// Given the server's process id, both report its CPU time (utime+stime)
// and memory (VmRSS, VmHWM) from /proc.
package loadgen
