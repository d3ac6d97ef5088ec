package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/hub"
)

// wsTransport adapts a WebSocket to hub.Transport: one binary frame per
// y-protocols message.
type wsTransport struct {
	c *websocket.Conn
}

func (t wsTransport) Read(ctx context.Context) ([]byte, error) {
	typ, msg, err := t.c.Read(ctx)
	if err != nil {
		// coder/websocket has no sentinel for its read limit; it has
		// already closed the connection with 1009.
		if strings.Contains(err.Error(), "read limited at") {
			return nil, fmt.Errorf("%w: %w", hub.ErrMessageTooBig, err)
		}
		return nil, err
	}
	if typ != websocket.MessageBinary {
		return nil, fmt.Errorf("%w: got a %v frame", hub.ErrUnsupportedFrame, typ)
	}
	return msg, nil
}

func (t wsTransport) Write(ctx context.Context, msg []byte) error {
	return t.c.Write(ctx, websocket.MessageBinary, msg)
}

func (t wsTransport) Ping(ctx context.Context) error { return t.c.Ping(ctx) }

func (t wsTransport) Close(code hub.StatusCode, reason string) error {
	return t.c.Close(websocket.StatusCode(code), reason)
}

func (t wsTransport) CloseNow() error { return t.c.CloseNow() }
