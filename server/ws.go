package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/hub"
)

// wsTransport adapts a WebSocket to hub.Transport: one binary frame per
// y-protocols message. With the socket it was accepted on (sock, may be
// nil) it also writes batches with one system call (hub.BatchWriter) and
// reports write progress (hub.ProgressReporter).
type wsTransport struct {
	c    *websocket.Conn
	sock *corkConn
}

func (t wsTransport) Read(ctx context.Context) ([]byte, error) {
	if t.sock != nil {
		// An idle connection waits here, with a shallow stack, rather
		// than deep inside coder/websocket: the runtime shrinks the
		// stacks of waiting goroutines to what they use, so an idle
		// connection's reader costs a few KiB less.
		if err := t.sock.waitReadable(); err != nil {
			return nil, err
		}
	}
	return t.read(ctx)
}

//go:noinline
func (t wsTransport) read(ctx context.Context) ([]byte, error) {
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
	if t.sock == nil || len(msg) > maxCorked {
		return t.c.Write(ctx, websocket.MessageBinary, msg)
	}
	// The socket's write buffer is tiny (socketWriteBuffer): corked, the
	// frame's header and payload still go out with one system call.
	t.sock.cork(len(msg) + 14)
	if err := t.c.Write(ctx, websocket.MessageBinary, msg); err != nil {
		t.sock.uncork()
		return err
	}
	return t.sock.uncork()
}

// maxCorked bounds a batch written with one system call; a larger one
// goes out frame by frame (its frames are large enough on their own).
const maxCorked = 64 << 10

// WriteBatch writes msgs, one frame each. coder/websocket flushes every
// frame to the socket; corking the socket collects the frames and sends
// them with one write.
func (t wsTransport) WriteBatch(ctx context.Context, msgs [][]byte) error {
	total := 0
	for _, m := range msgs {
		total += len(m) + 14 // frame header, at most
	}
	if t.sock == nil || total > maxCorked {
		for _, m := range msgs {
			if err := t.Write(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}
	t.sock.cork(total)
	for _, m := range msgs {
		if err := t.c.Write(ctx, websocket.MessageBinary, m); err != nil {
			t.sock.uncork()
			return err
		}
	}
	return t.sock.uncork()
}

// OnWriteProgress makes the socket call fn whenever part of a large
// write has gone out: a peer that reads slowly but steadily is not
// taken for one that stopped reading.
func (t wsTransport) OnWriteProgress(fn func()) {
	if t.sock != nil {
		t.sock.mu.Lock()
		t.sock.progress = fn
		t.sock.mu.Unlock()
	}
}

func (t wsTransport) Ping(ctx context.Context) error { return t.c.Ping(ctx) }

func (t wsTransport) Close(code hub.StatusCode, reason string) error {
	if t.sock != nil {
		// The close handshake reads the socket's buffer (br) on this
		// goroutine; the hub's reader must not look at it meanwhile.
		t.sock.closing.Lock()
		defer t.sock.closing.Unlock()
	}
	return t.c.Close(websocket.StatusCode(code), reason)
}

func (t wsTransport) CloseNow() error { return t.c.CloseNow() }

// corkConn is a hijacked socket that can hold writes back (cork) and
// send them with one system call (uncork), and that writes large
// payloads in chunks, reporting progress after each. It holds no buffer
// while uncorked: an idle connection pays nothing for it.
type corkConn struct {
	net.Conn
	// br is coder/websocket's read buffer over the socket, and raw the
	// socket's descriptor, for waitReadable; nil when not usable.
	br  *bufio.Reader
	raw syscall.RawConn
	// closing is held by Close for the close handshake, which reads br
	// on another goroutine than the reader's; waitReadable takes it to
	// look at br.
	closing sync.Mutex

	mu       sync.Mutex
	progress func()
	corked   bool
	buf      *[]byte
}

// progressChunk is how much of a large write goes out between progress
// reports.
const progressChunk = 32 << 10

var corkPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (s *corkConn) cork(size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.corked {
		return // one cork at a time: the writer's
	}
	s.corked = true
	s.buf = corkPool.Get().(*[]byte)
	if cap(*s.buf) < size {
		*s.buf = make([]byte, 0, size)
	}
}

func (s *corkConn) uncork() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.corked {
		return nil
	}
	s.corked = false
	b := s.buf
	s.buf = nil
	_, err := s.write(*b)
	*b = (*b)[:0]
	if cap(*b) <= maxCorked*2 {
		corkPool.Put(b)
	}
	return err
}

func (s *corkConn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.corked {
		*s.buf = append(*s.buf, p...)
		return len(p), nil
	}
	return s.write(p)
}

func (s *corkConn) write(p []byte) (int, error) {
	if len(p) <= progressChunk || s.progress == nil {
		return s.Conn.Write(p)
	}
	n := 0
	for n < len(p) {
		k, err := s.Conn.Write(p[n:min(n+progressChunk, len(p))])
		n += k
		if err != nil {
			return n, err
		}
		s.progress()
	}
	return n, nil
}

// waitReadable returns once the socket has something to read (or is
// closed), without reading it, unless bytes are already buffered.
func (s *corkConn) waitReadable() error {
	if s.raw == nil {
		return nil
	}
	s.closing.Lock()
	buffered := s.br.Buffered()
	s.closing.Unlock()
	if buffered > 0 {
		return nil
	}
	var rerr error
	err := s.raw.Read(func(fd uintptr) bool {
		ready, err := readable(fd)
		rerr = err
		return ready || err != nil
	})
	if err != nil {
		return err
	}
	return rerr
}

// smallBuffers hands coder/websocket smaller read and write buffers than
// net/http's 4 KiB ones when it hijacks the connection: y-protocols
// messages are mostly small, larger ones bypass the buffer anyway, and an
// idle connection keeps its buffers for its whole life. With sock set,
// the socket is wrapped in it (corkConn), which also collects each write
// into one system call, so the write buffer can be tiny.
type smallBuffers struct {
	http.ResponseWriter
	sock *corkConn
}

const (
	socketBufferSize  = 1024
	socketReadBuffer  = 512
	socketWriteBuffer = 128
)

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if w.sock == nil {
		if brw.Reader.Buffered() > 0 || brw.Writer.Buffered() > 0 {
			return conn, brw, nil // keep bytes already read or not yet written
		}
		return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, socketBufferSize), bufio.NewWriterSize(conn, socketBufferSize)), nil
	}
	w.sock.Conn = conn
	if brw.Reader.Buffered() > 0 || brw.Writer.Buffered() > 0 {
		// Bytes already read: coder/websocket puts them in front of the
		// socket where waitReadable cannot see them, so it is not used.
		return w.sock, brw, nil
	}
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.sock.raw = raw
		}
	}
	w.sock.br = bufio.NewReaderSize(w.sock, socketReadBuffer)
	return w.sock, bufio.NewReadWriter(w.sock.br, bufio.NewWriterSize(w.sock, socketWriteBuffer)), nil
}

// Unwrap lets http.ResponseController reach the echo response.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }
