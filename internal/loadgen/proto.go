package loadgen

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/hocus"
)

// Protocol selects the framing clients speak.
type Protocol int

const (
	// ProtocolYWebsocket is the y-websocket framing: one y-protocols
	// message per frame, the document named by the URL path.
	ProtocolYWebsocket Protocol = iota
	// ProtocolHocuspocus is Hocuspocus's framing: every message starts
	// with the document name (varString); the client sends an auth
	// message (token) and waits for "authenticated" before syncing.
	ProtocolHocuspocus
)

// ParseProtocol maps a flag value ("y-websocket", "hocuspocus") to a Protocol.
func ParseProtocol(s string) (Protocol, error) {
	switch strings.ToLower(s) {
	case "y-websocket", "ywebsocket", "yjs", "":
		return ProtocolYWebsocket, nil
	case "hocuspocus":
		return ProtocolHocuspocus, nil
	}
	return 0, fmt.Errorf("unknown protocol %q (want y-websocket or hocuspocus)", s)
}

func (p Protocol) String() string {
	if p == ProtocolHocuspocus {
		return "hocuspocus"
	}
	return "y-websocket"
}

// Message types on the wire. 0-3 are y-protocols; 4 and 8 are
// Hocuspocus additions (its server answers a client's step 1 with its own
// step 1 as SyncReply, and acknowledges each update with SyncStatus).
const (
	msgSync       = 0
	msgAwareness  = 1
	msgAuth       = 2
	msgSyncReply  = 4
	msgSyncStatus = 8

	syncStep1  = 0
	syncStep2  = 1
	syncUpdate = 2

	// Hocuspocus auth sub-types.
	hpAuthDenied        = hocus.AuthPermissionDenied
	hpAuthAuthenticated = hocus.AuthAuthenticated
	// y-protocols auth sub-type.
	yAuthDenied = 0
)

// emptyUpdate is the v1 update of an empty document: no structs, no
// deletions. Receivers hold no document, so it is their step 2.
var emptyUpdate = []byte{0, 0}

var errMalformed = errors.New("malformed message")

// framer writes and reads messages for one room in one protocol.
type framer struct {
	proto  Protocol
	room   string
	prefix []byte // Hocuspocus: varString(room); y-websocket: empty
}

func newFramer(p Protocol, room string) framer {
	f := framer{proto: p, room: room}
	if p == ProtocolHocuspocus {
		f.prefix = hocus.AppendAddress(nil, room)
	}
	return f
}

func (f framer) sync(sub uint64, payload []byte) []byte {
	dst := make([]byte, 0, len(f.prefix)+len(payload)+12)
	dst = append(dst, f.prefix...)
	return yproto.AppendSync(dst, yproto.SyncType(sub), payload)
}

// auth is Hocuspocus's first client message: auth, token sub-type, token.
func (f framer) auth(token string) []byte { return hocus.TokenMessage(f.room, token, "") }

// message is a decoded frame. Payload aliases the frame.
type message struct {
	typ     uint64
	sub     uint64  // sync and auth sub-type
	payload []byte  // sync payload, or auth reason
	f       *framer // the document's framer (set by client.read)
}

func (f framer) decode(b []byte) (message, error) {
	var m message
	if f.proto == ProtocolHocuspocus {
		name, rest, err := readVarBytes(b)
		if err != nil {
			return m, fmt.Errorf("document name: %w", err)
		}
		if string(name) != f.room {
			return m, fmt.Errorf("message for document %q", name)
		}
		b = rest
	}
	typ, b, err := readVarUint(b)
	if err != nil {
		return m, fmt.Errorf("message type: %w", err)
	}
	m.typ = typ
	switch typ {
	case msgSync, msgSyncReply:
		if m.sub, b, err = readVarUint(b); err != nil {
			return m, fmt.Errorf("sync sub-type: %w", err)
		}
		if m.payload, _, err = readVarBytes(b); err != nil {
			return m, fmt.Errorf("sync payload: %w", err)
		}
	case msgAuth:
		if m.sub, b, err = readVarUint(b); err != nil {
			return m, fmt.Errorf("auth sub-type: %w", err)
		}
		m.payload, _, _ = readVarBytes(b) // the reason or scope; optional
	}
	return m, nil
}

// authDenied reports whether an auth message refuses the client.
func (f framer) authDenied(m message) bool {
	if f.proto == ProtocolHocuspocus {
		return m.sub == hpAuthDenied
	}
	return m.sub == yAuthDenied
}

func readVarUint(b []byte) (uint64, []byte, error) {
	var n uint64
	for i := 0; i < len(b) && i < 10; i++ {
		n |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return n, b[i+1:], nil
		}
	}
	return 0, nil, errMalformed
}

func readVarBytes(b []byte) ([]byte, []byte, error) {
	n, rest, err := readVarUint(b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(rest)) {
		return nil, nil, errMalformed
	}
	return rest[:n], rest[n:], nil
}
