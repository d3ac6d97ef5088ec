package hub

import (
	"context"
	"errors"
)

// StatusCode is a WebSocket close status code (RFC 6455 section 7.4).
type StatusCode int

// Close codes the hub uses.
const (
	StatusNormalClosure   StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusUnsupportedData StatusCode = 1003
	StatusInvalidPayload  StatusCode = 1007
	StatusPolicyViolation StatusCode = 1008
	StatusMessageTooBig   StatusCode = 1009
	StatusInternalError   StatusCode = 1011
	StatusTryAgainLater   StatusCode = 1013
)

// ErrUnsupportedFrame is returned by a Transport's Read for a frame that
// cannot carry a y-protocols message (a text frame).
var ErrUnsupportedFrame = errors.New("unsupported frame: y-protocols messages are binary")

// ErrMessageTooBig is returned by a Transport's Read for a message over
// the size limit; the Transport has already closed the connection with
// StatusMessageTooBig.
var ErrMessageTooBig = errors.New("message too big")

// Transport is one client connection as the hub sees it: whole messages
// in and out. The server adapts a WebSocket to it. Read is called by one
// goroutine, Write and Ping by another; Close and CloseNow may be called
// concurrently with both and must make them return.
type Transport interface {
	// Read returns the next message.
	Read(ctx context.Context) ([]byte, error)
	// Write sends one message (one frame).
	Write(ctx context.Context, msg []byte) error
	// Ping checks that the peer is alive.
	Ping(ctx context.Context) error
	// Close closes the connection with a status code and reason.
	Close(code StatusCode, reason string) error
	// CloseNow closes the connection without a close handshake.
	CloseNow() error
}

// BatchWriter is a Transport that can send several messages (one frame
// each) with one system call. The hub uses it when it has more than one
// message to send at once.
type BatchWriter interface {
	WriteBatch(ctx context.Context, msgs [][]byte) error
}

// Waiter is a Transport that can wait for the peer's next message
// without reading it. Registry.Start uses it to serve a connection from
// a fresh goroutine each time the reader has to wait: a new goroutine
// has the runtime's smallest stack (2 KiB), and waiting takes few
// frames, so an idle connection costs 2 KiB of stack whatever handling
// its messages needed (a goroutine that grew stays at 4 KiB or more: the
// runtime halves a waiting goroutine's stack only while it uses under a
// quarter of it, including an 800-byte allowance).
type Waiter interface {
	// Wait returns once Read would not wait for the peer, or the
	// connection has ended or failed (Read then reports it).
	Wait()
	// Ready reports, without blocking, whether Read would not wait.
	Ready() bool
}

// ProgressReporter is a Transport that reports progress within a large
// write. The hub gives it a function to call then; a write that keeps
// progressing is not cut off by WriteTimeout, which is for peers that
// stopped reading.
type ProgressReporter interface {
	OnWriteProgress(fn func())
}
