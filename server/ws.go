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
	switch {
	case t.sock == nil:
	case t.sock.ready:
		// The hub saw input ready (waitingTransport): no need to look.
		t.sock.ready = false
	default:
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

// waitingTransport is a wsTransport whose socket can wait for input
// without reading it (hub.Waiter): the hub then serves it from a fresh,
// small goroutine each time it waits (hub.Registry.Start).
type waitingTransport struct{ wsTransport }

// Wait returns once the socket has input (or has ended); errors are
// left for Read to report.
func (t waitingTransport) Wait() {
	_ = t.sock.waitReadable()
	t.sock.ready = true
}

// Ready reports whether input is there to be read without waiting.
func (t waitingTransport) Ready() bool {
	t.sock.ready = t.sock.readable()
	return t.sock.ready
}

// transport is the hub.Transport for a socket upgraded with sock: a
// hub.Waiter when the socket allows it.
func transport(ws *websocket.Conn, sock *corkConn) hub.Transport {
	t := wsTransport{c: ws, sock: sock}
	if sock != nil && sock.raw != nil {
		return waitingTransport{t}
	}
	return t
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
	// The socket's write buffer is tiny (frameBuffer): corked, the
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
	// look at br and rbuf.
	closing sync.Mutex
	// rbuf holds bytes read from the socket and not yet taken (from
	// rpos), nil when there are none: br is tiny (16 bytes, enough for a
	// frame header) and a socket read fills a pooled buffer held only
	// until it is taken. Bytes net/http had read before the upgrade
	// start here too. Only the reader (or the close handshake, which
	// coder/websocket serializes with it) touches them.
	rbuf *[]byte
	rpos int32
	// ready: the reader saw input ready (Wait, Ready); its next Read
	// need not check again.
	ready bool

	corked   bool // guarded by mu, like progress and buf
	mu       sync.Mutex
	progress func()
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

// readPool holds the socket read buffers of connections that are
// reading; an idle one holds none.
var readPool = sync.Pool{New: func() any { b := make([]byte, 0, socketReadBuffer); return &b }}

// Read reads through rbuf: a read of less than socketReadBuffer fills a
// pooled buffer, which goes back to the pool once it has been taken.
func (s *corkConn) Read(p []byte) (int, error) {
	if s.rbuf == nil {
		if len(p) >= socketReadBuffer {
			return s.Conn.Read(p)
		}
		b := readPool.Get().(*[]byte)
		n, err := s.Conn.Read((*b)[:cap(*b)])
		if n == 0 {
			readPool.Put(b)
			return 0, err
		}
		// An error with data comes again on the next read.
		*b = (*b)[:n]
		s.rbuf, s.rpos = b, 0
	}
	n := copy(p, (*s.rbuf)[s.rpos:])
	s.rpos += int32(n)
	if int(s.rpos) == len(*s.rbuf) {
		if cap(*s.rbuf) == socketReadBuffer {
			*s.rbuf = (*s.rbuf)[:0]
			readPool.Put(s.rbuf)
		}
		s.rbuf = nil
	}
	return n, nil
}

// buffered reports whether bytes read from the socket wait in br or
// rbuf.
func (s *corkConn) buffered() bool {
	s.closing.Lock()
	defer s.closing.Unlock()
	return s.br.Buffered() > 0 || s.rbuf != nil
}

// waitReadable returns once the socket has something to read (or is
// closed), without reading it, unless bytes are already buffered.
func (s *corkConn) waitReadable() error {
	if s.raw == nil {
		return nil
	}
	if s.buffered() {
		return nil
	}
	return s.raw.Read(readableFD)
}

// readableFD is waitReadable's test, a function of its own so that a
// waiting connection holds no closure.
func readableFD(fd uintptr) bool {
	ready, err := readable(fd)
	return ready || err != nil
}

// readable reports, without waiting, whether the socket has input
// (bytes buffered, or the socket readable, ended or failed).
func (s *corkConn) readable() bool {
	if s.buffered() {
		return true
	}
	var ready bool
	err := s.raw.Control(func(fd uintptr) { ready = readableFD(fd) })
	return ready || err != nil
}

// smallBuffers hands coder/websocket smaller read and write buffers than
// net/http's 4 KiB ones when it hijacks the connection: y-protocols
// messages are mostly small, larger ones bypass the buffer anyway, and an
// idle connection keeps its buffers for its whole life. With sock set,
// the socket is wrapped in it (corkConn), which also collects each write
// into one system call and buffers reads in a pooled buffer held only
// while it has bytes, so both of coder/websocket's buffers can be
// bufio's smallest (16 bytes: a frame header; a control frame's header
// and a short payload).
type smallBuffers struct {
	http.ResponseWriter
	sock *corkConn
}

const (
	socketBufferSize = 1024 // without a corkConn
	socketReadBuffer = 512  // corkConn's pooled read buffers
	frameBuffer      = 16   // coder/websocket's read and write buffers over a corkConn
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
	if n := brw.Reader.Buffered(); n > 0 {
		// The peer's first bytes, read by net/http before the hijack
		// (it sends as soon as it has the 101): they are read first.
		b, _ := brw.Reader.Peek(n)
		buf := append(make([]byte, 0, max(n, socketReadBuffer)), b...)
		w.sock.rbuf = &buf
	}
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.sock.raw = raw
		}
	}
	w.sock.br = bufio.NewReaderSize(w.sock, frameBuffer)
	return w.sock, bufio.NewReadWriter(w.sock.br, bufio.NewWriterSize(w.sock, frameBuffer)), nil
}

// unwrap points coder/websocket's read buffer straight at the socket
// after the upgrade: Accept puts an io.MultiReader of the bytes it found
// buffered (none: Hijack moved them to rbuf) and the socket under it,
// which every connection would keep.
func (s *corkConn) unwrap() {
	if s.br != nil && s.br.Buffered() == 0 {
		s.br.Reset(s)
	}
}

// Unwrap lets http.ResponseController reach the echo response.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var _ hub.Waiter = waitingTransport{}
