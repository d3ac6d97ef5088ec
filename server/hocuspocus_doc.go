package server

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/hocus"
)

// docState is where a document of a /hocuspocus socket stands. The
// socket's reader alone reads and changes it.
type docState int

const (
	docPending docState = iota // seen, waiting for its auth message
	docDenied                  // refused; a new auth message tries again
	docOpen                    // served by the hub
)

// hocusDoc is one document of a /hocuspocus socket, and the hub's
// Transport for it: Read takes what the socket's reader routed to it,
// Write puts the document's address in front and queues the frame on
// the socket's one writer. Closing it closes the document, not the
// socket, except when the hub says the server is going away.
type hocusDoc struct {
	hs      *hocusSocket
	address string
	prefix  []byte // the address as a varString, in front of every frame
	acks    [2][]byte

	state  docState // reader only
	queued [][]byte // y-protocols messages sent before the auth (reader only)

	in           chan []byte
	done         chan struct{} // closed by finish
	doneOnce     sync.Once
	clientClosed atomic.Bool // the provider sent close: no close message back
}

var errDocClosed = errors.New("document closed on this socket")

func newHocusDoc(hs *hocusSocket, address string) *hocusDoc {
	return &hocusDoc{
		hs:      hs,
		address: address,
		prefix:  hocus.AppendAddress(nil, address),
		acks:    [2][]byte{hocus.SyncStatusMessage(address, false), hocus.SyncStatusMessage(address, true)},
		in:      make(chan []byte, hocusDocQueue),
		done:    make(chan struct{}),
	}
}

// finish ends the document's conversation: its hub reader sees the end.
func (d *hocusDoc) finish() { d.doneOnce.Do(func() { close(d.done) }) }

// deliver hands a y-protocols message to the document's hub reader,
// waiting while its queue is full; false once the socket is done (the
// message of a document that has just finished is dropped: true).
func (d *hocusDoc) deliver(ctx context.Context, msg []byte) bool {
	select {
	case d.in <- msg:
		return true
	case <-d.done:
		return true
	case <-d.hs.dead:
		return false
	case <-ctx.Done():
		return false
	}
}

// ack is the document's hub.ConnOptions.OnUpdate: a sync status frame.
func (d *hocusDoc) ack(applied bool) {
	if applied {
		d.hs.push(d.acks[1])
	} else {
		d.hs.push(d.acks[0])
	}
}

// Read returns the next message the provider sent for the document.
func (d *hocusDoc) Read(ctx context.Context) ([]byte, error) {
	// Messages already routed are read before the end is seen.
	select {
	case m := <-d.in:
		return m, nil
	default:
	}
	select {
	case m := <-d.in:
		return m, nil
	case <-d.done:
		return nil, io.EOF
	case <-d.hs.dead:
		return nil, io.EOF
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Write sends one y-protocols message of the hub as a Hocuspocus frame;
// messages Hocuspocus has no place for are dropped.
func (d *hocusDoc) Write(ctx context.Context, msg []byte) error {
	f, ok := hocus.Wrap(d.prefix, msg)
	if !ok {
		return nil
	}
	select {
	case <-d.done:
		return errDocClosed
	default:
	}
	if !d.hs.push(f) {
		return errDocClosed
	}
	return nil
}

// Ping checks the socket: a frame read within the last ping period is
// proof enough, so a socket of many documents is not pinged once per
// document.
func (d *hocusDoc) Ping(ctx context.Context) error {
	if time.Since(time.Unix(0, d.hs.lastRead.Load())) < 20*time.Second {
		return nil
	}
	return d.hs.ws.Ping(ctx)
}

// Close closes the document with a close message carrying reason; when
// the server is going away or the socket is dead (1001) the whole socket
// closes.
func (d *hocusDoc) Close(code hub.StatusCode, reason string) error {
	if code == hub.StatusGoingAway {
		d.finish()
		d.hs.closeSocket(websocket.StatusCode(code), reason)
		return nil
	}
	select {
	case <-d.done:
	default:
		d.finish()
		if !d.clientClosed.Load() {
			if reason == "" {
				reason = "document closed"
			}
			d.hs.push(hocus.CloseMessage(d.address, reason, true))
		}
	}
	return nil
}

// CloseNow ends the document without a close message.
func (d *hocusDoc) CloseNow() error {
	d.finish()
	return nil
}
