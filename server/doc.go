// Package server is the HTTP face of cocreate: the echo application with its
// routes, the WebSocket upgrade of GET /sync/{session}/{doc}, authentication
// and role resolution, the JSON REST API under /api/, /healthz, /readyz and
// /metrics, the OpenAPI document of the API, and the Config filled from
// flags and COCREATE_* environment variables; the post-meeting notes
// (notes_api.go: rendered notes, the /notes/{id} page), versions and search
// (versions.go), and the embedded web UI of package client/web (web.go).
//
// It stays thin: it authenticates a request, resolves the caller's role,
// decodes and encodes JSON (strictly: unknown fields are an error) and hands
// connections and commands to package hub. Meeting commands (meeting.go)
// come over REST and over session sockets (message type 100); the server
// runs them through hub.Registry.Do on {session}/meeting with the state
// machine of hub/meeting, records attendance from connections, and carries
// out what a command implies outside the document (session state in the
// store, a role change on live connections); with --redis,
// meeting_serial.go runs a session's commands one at a time across
// instances (a Redis lock handing the meeting state on). limits.go holds
// the per-identity token buckets; quota.go the quotas (documents, bytes
// and attendance per session, dev-mode creations per address);
// hygiene.go the headers, HTTP deadlines, dev-mode cross-site checks and
// /metrics access; guest.go the guest key (a guest's public id is an HMAC
// of the secret cookie); durability.go the spool replay at start and the
// store's part of /readyz; schema.go the notes schema check the hub asks
// before applying a client's update to {session}/notes (through
// crdt.Doc.Inspect and notes/render). It holds no document logic —
// it never decodes or applies a CRDT update itself — and it talks to no
// database directly, and to Redis only for the meeting lock. Echo is imported here and nowhere else.
// On shutdown it drains its hubs itself, because http.Server.Shutdown does
// not wait for hijacked WebSocket connections.
package server
