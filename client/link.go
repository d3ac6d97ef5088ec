package client

import (
	"context"

	"github.com/coder/websocket"
)

// link is one connection of a Client to its document: y-protocols
// messages in and out. It is a WebSocket of its own (wsLink, the
// y-websocket framing of /sync) or one document of a shared Hocuspocus
// socket (docLink).
type link interface {
	// read returns the next message; nil (no error) for a frame to skip.
	read(ctx context.Context) ([]byte, error)
	write(ctx context.Context, msg []byte) error
	// close ends the link with a close handshake, closeNow without one.
	close(code websocket.StatusCode, reason string)
	closeNow()
}

// wsLink is a WebSocket in the y-websocket framing: one message a frame.
type wsLink struct{ ws *websocket.Conn }

func (l wsLink) read(ctx context.Context) ([]byte, error) {
	typ, raw, err := l.ws.Read(ctx)
	if err != nil || typ != websocket.MessageBinary {
		return nil, err
	}
	return raw, nil
}

func (l wsLink) write(ctx context.Context, msg []byte) error {
	return l.ws.Write(ctx, websocket.MessageBinary, msg)
}

func (l wsLink) close(code websocket.StatusCode, reason string) { l.ws.Close(code, reason) }

func (l wsLink) closeNow() { l.ws.CloseNow() }
