// Package client is the Go client SDK for cocreate: dial a document's
// WebSocket, run the y-protocols sync handshake, send and receive updates
// and awareness, and reconnect and re-sync after a dropped connection.
//
// Reconnection uses exponential backoff with full jitter, capped at
// Options.MaxBackoff. A handshake refused with 401 or 403 (missing,
// expired or forged token, forbidden Origin) is permanent: the client stops
// retrying, Wait and Err return an error wrapping ErrUnauthorized and Done
// is closed; Dial again with a fresh token and the same Options.Doc. The
// browser UI is package client/web.
//
// DialHocuspocus opens one socket to /hocuspocus in the Hocuspocus
// framing instead, and Socket.Open keeps several documents in sync over
// it, each authorized with its own token (internal/hocus is the codec);
// each returns a Client like Dial's. A document the server refuses fails
// alone (ErrUnauthorized with the reason); the socket stays up for the
// others, and after a drop reconnects, re-authenticates and re-syncs them.
//
// It talks to a server only through the public wire protocol (the
// y-websocket or Hocuspocus framing and the /api/ JSON), exactly as any third-party client
// would; it imports nothing from server, hub or notes.
package client
