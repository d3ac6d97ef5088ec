// Package server is the HTTP face of cocreate, the edge: the echo
// application with its routes, the WebSocket upgrades of GET
// /sync/{session}/{doc} and GET /hocuspocus (hocuspocus.go: one socket,
// many documents, each served through the hub by a virtual connection,
// hocuspocus_doc.go; the frame codec is internal/hocus), authentication
// (who is calling: a verified token or a guest cookie), the JSON REST
// API under /api/, /healthz, /readyz and /metrics, the OpenAPI document
// of the API, the Config filled from flags and COCREATE_* environment
// variables, the readable notes page (notes_api.go) and the embedded web
// UI of package client/web (web.go).
//
// It decides nothing itself: a handler authenticates, decodes the
// request (strictly: unknown fields are an error), calls one use case of
// package workspace (sessions, spaces, members, invites and profiles
// in access_api.go, meeting commands, versions, notes, search; a route
// that is one use case names it through handlers.go's adapters) or hands a socket to package hub as workspace.Connect said
// (access.go: openDoc, the one place both socket endpoints ask), and
// encodes the answer; errors.go maps the workspace's error kinds to
// status codes in one place. It holds no document or access logic — it
// never decodes or applies a CRDT update and never reads the meeting
// document — and talks to no database and to Redis only through hub
// (hub.NewRedisBus, hub.NewRedisLock). Echo is imported here and nowhere
// else. A meeting command goes server/meeting.go → workspace/meeting.go
// → package meeting; a sync update goes server (upgrade) → hub → notes.
// ws.go adapts a WebSocket to hub.Transport over a socket it wraps at
// the upgrade (16-byte buffers for coder/websocket over a pooled read
// buffer held only while it has bytes; a batch of frames corked into one
// system call; the hub can wait for readability without reading, so an
// idle /sync connection waits in a fresh goroutine: hub.Waiter,
// hub.Registry.Start); the
// caller's profile name and colour (workspace.Resolve, in authenticate
// and openDoc) are handed to the hub to stamp on its awareness states. On shutdown it drains its hubs itself, because http.Server.Shutdown
// does not wait for hijacked WebSocket connections.
//
// Hardening (issue 13): quota.go the dev-mode creations per client
// address (the other quotas are the workspace's and the hub's); hygiene.go
// the headers, HTTP deadlines, dev-mode cross-site checks and /metrics
// access; guest.go the guest key (a guest's public id is an HMAC of the
// secret cookie); jwtclaims.go the token time claims; durability.go the
// spool replay at start and the store's part of /readyz; schema.go the
// notes schema check the hub asks before applying a client's update to
// {session}/notes (through crdt.Doc.Inspect and notes/render).
package server
