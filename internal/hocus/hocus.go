package hocus

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// ErrMalformed is wrapped by every error Decode returns.
var ErrMalformed = errors.New("malformed Hocuspocus frame")

// Type is a Hocuspocus message type.
type Type uint64

// Message types.
const (
	TypeSync               Type = 0
	TypeAwareness          Type = 1
	TypeAuth               Type = 2
	TypeQueryAwareness     Type = 3
	TypeSyncReply          Type = 4
	TypeStateless          Type = 5
	TypeBroadcastStateless Type = 6
	TypeClose              Type = 7
	TypeSyncStatus         Type = 8
	TypePing               Type = 9
	TypePong               Type = 10
)

func (t Type) String() string {
	switch t {
	case TypeSync:
		return "sync"
	case TypeAwareness:
		return "awareness"
	case TypeAuth:
		return "auth"
	case TypeQueryAwareness:
		return "query-awareness"
	case TypeSyncReply:
		return "sync-reply"
	case TypeStateless:
		return "stateless"
	case TypeBroadcastStateless:
		return "broadcast-stateless"
	case TypeClose:
		return "close"
	case TypeSyncStatus:
		return "sync-status"
	case TypePing:
		return "ping"
	case TypePong:
		return "pong"
	}
	return fmt.Sprintf("type(%d)", uint64(t))
}

// Auth message sub-types.
const (
	AuthToken            = 0
	AuthPermissionDenied = 1
	AuthAuthenticated    = 2
)

// Scopes of an authenticated message.
const (
	ScopeReadWrite = "read-write"
	ScopeReadOnly  = "readonly"
)

// MaxAddress bounds the address of a frame in bytes: a document name and
// a session id, far more than either needs.
const MaxAddress = 1024

// Frame is one decoded Hocuspocus frame. Body aliases the decoded bytes.
type Frame struct {
	// Address is the address as sent; Name is the document name (the
	// address up to a NUL). Both are empty for ping and pong.
	Address, Name string
	Type          Type
	// Body is what follows the type: the y-protocols payload of sync,
	// sync-reply, awareness and query-awareness frames.
	Body []byte
	// Auth is the sub-type of an auth frame; Text is its token, reason or
	// scope, the payload of a stateless frame, or a server's close
	// reason; Version is the provider version a 4.x token message adds.
	Auth    uint64
	Text    string
	Version string
	// Applied is the value of a sync-status frame.
	Applied bool
	// typeAt is the offset of the type byte (Unwrap rewrites it).
	typeAt int
}

type decoder struct {
	buf []byte
	pos int
}

func (d *decoder) fail(what string, format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d: %s", ErrMalformed, what, d.pos, fmt.Sprintf(format, args...))
}

func (d *decoder) varUint(what string) (uint64, error) {
	n, size, err := crdt.ReadVarUint(d.buf[d.pos:])
	d.pos += size
	if err != nil {
		return 0, d.fail(what, "%v", err)
	}
	return n, nil
}

func (d *decoder) varString(what string, max int) (string, error) {
	n, err := d.varUint(what)
	if err != nil {
		return "", err
	}
	left := len(d.buf) - d.pos
	if n > uint64(left) {
		return "", d.fail(what, "length %d beyond the frame (%d bytes left)", n, left)
	}
	if max > 0 && n > uint64(max) {
		return "", d.fail(what, "%d bytes, over the limit of %d", n, max)
	}
	s := d.buf[d.pos : d.pos+int(n)]
	if !utf8.Valid(s) {
		return "", d.fail(what, "not UTF-8")
	}
	d.pos += int(n)
	return string(s), nil
}

// Decode reads one frame. It checks the envelope (address, type, and the
// fields of auth, stateless, close and sync-status frames); the
// y-protocols payload of sync and awareness frames is left to
// yproto.Decode (see Unwrap).
func Decode(frame []byte) (Frame, error) {
	if len(frame) == 1 && (Type(frame[0]) == TypePing || Type(frame[0]) == TypePong) {
		return Frame{Type: Type(frame[0])}, nil
	}
	d := &decoder{buf: frame}
	addr, err := d.varString("document name", MaxAddress)
	if err != nil {
		return Frame{}, err
	}
	f := Frame{Address: addr, Name: addr, typeAt: d.pos}
	if i := strings.IndexByte(addr, 0); i >= 0 {
		f.Name = addr[:i]
	}
	t, err := d.varUint("message type")
	if err != nil {
		return Frame{}, err
	}
	f.Type = Type(t)
	switch f.Type {
	case TypeSync, TypeSyncReply, TypeAwareness, TypeQueryAwareness:
		f.Body = frame[d.pos:]
		return f, nil
	case TypeAuth:
		if f.Auth, err = d.varUint("auth type"); err != nil {
			return Frame{}, err
		}
		switch f.Auth {
		case AuthToken:
			if d.pos == len(frame) {
				return f, nil // the server's request for a token
			}
			if f.Text, err = d.varString("token", 0); err != nil {
				return Frame{}, err
			}
			if d.pos < len(frame) {
				if f.Version, err = d.varString("provider version", 0); err != nil {
					return Frame{}, err
				}
			}
		case AuthPermissionDenied, AuthAuthenticated:
			if f.Text, err = d.varString("auth reason or scope", 0); err != nil {
				return Frame{}, err
			}
		default:
			return Frame{}, d.fail("auth type", "unknown auth type %d", f.Auth)
		}
	case TypeStateless, TypeBroadcastStateless:
		if f.Text, err = d.varString("stateless payload", 0); err != nil {
			return Frame{}, err
		}
	case TypeClose:
		if d.pos < len(frame) {
			if f.Text, err = d.varString("close reason", 0); err != nil {
				return Frame{}, err
			}
		}
	case TypeSyncStatus:
		v, err := d.varUint("sync status")
		if err != nil {
			return Frame{}, err
		}
		f.Applied = v == 1
	default:
		return Frame{}, d.fail("message type", "unknown message type %d", t)
	}
	if d.pos != len(frame) {
		return Frame{}, d.fail(f.Type.String(), "%d bytes after the message", len(frame)-d.pos)
	}
	return f, nil
}

// Unwrap returns the y-protocols message a sync, sync-reply, awareness,
// query-awareness or stateless frame carries (stateless as a
// yproto.TypeCommand message), in place: it rewrites the type byte of
// frame, which f was decoded from, and returns a slice of it. ok is false
// for the other types.
func Unwrap(frame []byte, f Frame) (msg []byte, ok bool) {
	switch f.Type {
	case TypeSync, TypeAwareness, TypeQueryAwareness:
		// Same type number and same bytes after it.
	case TypeSyncReply:
		frame[f.typeAt] = byte(yproto.TypeSync)
	case TypeStateless:
		frame[f.typeAt] = byte(yproto.TypeCommand)
	default:
		return nil, false
	}
	return frame[f.typeAt:], true
}

// AppendAddress appends an address (a varString).
func AppendAddress(dst []byte, address string) []byte {
	return append(appendVarUint(dst, uint64(len(address))), address...)
}

// Wrap returns the Hocuspocus frame for the y-protocols message msg to
// the document at prefix (AppendAddress's output): sync, awareness and
// query-awareness as they are, a command message as stateless. ok is false
// for messages Hocuspocus has no place for (y-protocols auth).
func Wrap(prefix, msg []byte) (frame []byte, ok bool) {
	if len(msg) == 0 {
		return nil, false
	}
	switch yproto.Type(msg[0]) {
	case yproto.TypeSync, yproto.TypeAwareness, yproto.TypeQueryAwareness:
		out := make([]byte, 0, len(prefix)+len(msg))
		return append(append(out, prefix...), msg...), true
	case yproto.TypeCommand:
		out := make([]byte, 0, len(prefix)+len(msg))
		out = append(append(out, prefix...), byte(TypeStateless))
		return append(out, msg[1:]...), true
	}
	return nil, false
}

func appendVarUint(dst []byte, n uint64) []byte {
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	return append(dst, byte(n))
}

func appendString(dst []byte, s string) []byte {
	return append(appendVarUint(dst, uint64(len(s))), s...)
}

func header(address string, t Type) []byte {
	return appendVarUint(AppendAddress(nil, address), uint64(t))
}

// TokenMessage is a provider's auth message carrying token (and, as 4.x
// providers add, version when it is not empty).
func TokenMessage(address, token, version string) []byte {
	b := appendString(appendVarUint(header(address, TypeAuth), AuthToken), token)
	if version != "" {
		b = appendString(b, version)
	}
	return b
}

// AuthenticatedMessage tells the provider it may open the document,
// read-only or not.
func AuthenticatedMessage(address string, readOnly bool) []byte {
	scope := ScopeReadWrite
	if readOnly {
		scope = ScopeReadOnly
	}
	return appendString(appendVarUint(header(address, TypeAuth), AuthAuthenticated), scope)
}

// PermissionDeniedMessage refuses the document, with a reason for a person.
func PermissionDeniedMessage(address, reason string) []byte {
	return appendString(appendVarUint(header(address, TypeAuth), AuthPermissionDenied), reason)
}

// SyncStatusMessage acknowledges an update: applied, or refused.
func SyncStatusMessage(address string, applied bool) []byte {
	v := uint64(0)
	if applied {
		v = 1
	}
	return appendVarUint(header(address, TypeSyncStatus), v)
}

// CloseMessage closes one document of the socket: with a reason from the
// server, none from a provider (reason "").
func CloseMessage(address, reason string, fromServer bool) []byte {
	if !fromServer {
		return header(address, TypeClose)
	}
	return appendString(header(address, TypeClose), reason)
}

// StatelessMessage carries payload to the document's other side.
func StatelessMessage(address, payload string) []byte {
	return appendString(header(address, TypeStateless), payload)
}

// Message returns the frame of a y-protocols message to address (see
// Wrap); nil for one Hocuspocus has no place for.
func Message(address string, msg []byte) []byte {
	f, _ := Wrap(AppendAddress(nil, address), msg)
	return f
}

// PingMessage and PongMessage are the 4.x keepalive frames.
func PingMessage() []byte { return []byte{byte(TypePing)} }

// PongMessage answers a PingMessage.
func PongMessage() []byte { return []byte{byte(TypePong)} }
