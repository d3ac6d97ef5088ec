// Package yproto encodes and decodes the y-protocols messages that Yjs
// clients exchange over the y-websocket framing: one message per WebSocket
// binary frame, each starting with a varuint message type.
//
//	0 sync       varuint sub-type, then varUint8Array:
//	             0 step 1 (state vector), 1 step 2 (update), 2 update
//	1 awareness  varUint8Array holding an awareness update:
//	             varuint count, then per client: varuint clientID,
//	             varuint clock, varString JSON state ("null" = removed)
//	2 auth       varuint 0 (permission denied), then varString reason
//	3 query-awareness (no payload)
//
// Decode never panics and never allocates for lengths the input cannot
// hold; every error it returns wraps ErrMalformed. It does no I/O and does
// not interpret updates: that is package crdt's job.
//
//	msg, err := yproto.Decode(frame)
//	if err != nil { /* close the connection: err says what is wrong */ }
//	switch msg.Type {
//	case yproto.TypeSync:
//		// msg.Sync is SyncStep1 (msg.Payload is a state vector),
//		// SyncStep2 or SyncUpdate (msg.Payload is an update).
//	case yproto.TypeAwareness:
//		// msg.Awareness holds the decoded entries.
//	}
package yproto
