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
// It talks to a server only through the public wire protocol (the
// y-websocket framing and the /api/ JSON), exactly as any third-party client
// would; it imports nothing from server, hub or notes.
package client
