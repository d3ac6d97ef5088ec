// Package hocus encodes and decodes the Hocuspocus protocol's frames, as
// the @hocuspocus/provider (3.x and 4.x) and @hocuspocus/server speak it
// over one WebSocket that carries many documents. Every frame but the
// keepalive starts with an address, a lib0 varString: the document name,
// or with a 4.x provider's session awareness "name\x00session"; then a
// varuint message type:
//
//	0 sync             a y-protocols sync message (step 1, step 2, update)
//	1 awareness        varUint8Array: a y-protocols awareness update
//	2 auth             varuint sub-type: 0 token (client: varString token,
//	                   4.x then varString provider version; server: a
//	                   request for the token), 1 permission denied
//	                   (varString reason), 2 authenticated (varString
//	                   scope "read-write" or "readonly")
//	3 query-awareness  no payload
//	4 sync-reply       a sync message that asks for no step 1 in return
//	5 stateless        varString payload (any text, JSON by convention)
//	6 broadcast-stateless (server-internal; never from a client)
//	7 close            client: no payload (detach this document);
//	                   server: varString reason
//	8 sync-status      varuint 1 (the update was applied) or 0 (refused)
//	9 ping, 10 pong    4.x keepalive: a frame of the one type byte, with
//	                   no address
//
// Types 0, 1 and 3 carry exactly the y-protocols message of the same
// type after the address, so Unwrap and Wrap convert between a
// Hocuspocus frame and the y-protocols message package crdt/yproto
// reads, without copying the payload; stateless maps to cocreate's
// command message (yproto.TypeCommand) both ways. Decode never panics,
// and every error it returns wraps ErrMalformed. The package does no I/O.
package hocus
