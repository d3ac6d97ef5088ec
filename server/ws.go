package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

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
		// coder/websocket has already closed the connection with 1009.
		if errors.Is(err, websocket.ErrMessageTooBig) {
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

// smallBuffers hands coder/websocket smaller read and write buffers than
// net/http's 4 KiB ones when it hijacks the connection: y-protocols
// messages are mostly small, larger ones bypass the buffer anyway, and an
// idle connection keeps its buffers for its whole life (8 KiB of the ~30
// KiB an idle connection cost).
type smallBuffers struct{ http.ResponseWriter }

const socketBufferSize = 1024

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw.Reader.Buffered() > 0 || brw.Writer.Buffered() > 0 {
		return conn, brw, nil // keep bytes already read or not yet written
	}
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, socketBufferSize), bufio.NewWriterSize(conn, socketBufferSize)), nil
}

// Unwrap lets http.ResponseController reach the echo response.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }
