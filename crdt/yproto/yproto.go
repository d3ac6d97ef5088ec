package yproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/cocreate/cocreate/crdt"
)

// ErrMalformed is wrapped by every error Decode and DecodeAwareness return.
var ErrMalformed = errors.New("malformed y-protocols message")

// Type is the outer message type of a y-websocket frame.
type Type uint64

// Message types.
const (
	TypeSync           Type = 0
	TypeAwareness      Type = 1
	TypeAuth           Type = 2
	TypeQueryAwareness Type = 3
	// TypeCommand is cocreate's own message type, not part of
	// y-protocols: a meeting command as JSON (varString) from a client,
	// and the server's JSON answer with the same type. The server sends
	// it only to connections that sent a command first, so stock
	// y-websocket clients never see one.
	TypeCommand Type = 100
	// TypeSaved is cocreate's own message type, not part of y-protocols:
	// the server tells a client that asked for it (hub
	// ConnOptions.SavedAcks) what the store durably holds, as the encoded
	// state vector (varUint8Array) of the document's stored state. A
	// client whose own clock is covered by it knows its edits are saved.
	// Stock y-websocket clients never ask, so never see one.
	TypeSaved Type = 101
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
	case TypeCommand:
		return "command"
	case TypeSaved:
		return "saved"
	}
	return fmt.Sprintf("type(%d)", uint64(t))
}

// SyncType is the sub-type of a sync message.
type SyncType uint64

// Sync message sub-types.
const (
	SyncStep1  SyncType = 0
	SyncStep2  SyncType = 1
	SyncUpdate SyncType = 2
)

func (t SyncType) String() string {
	switch t {
	case SyncStep1:
		return "step1"
	case SyncStep2:
		return "step2"
	case SyncUpdate:
		return "update"
	}
	return fmt.Sprintf("sync(%d)", uint64(t))
}

// AuthPermissionDenied is the only auth sub-type y-protocols defines.
const AuthPermissionDenied = 0

// AwarenessEntry is one client's awareness state. State is the JSON text
// of the state; JSON null means the client is gone.
type AwarenessEntry struct {
	ClientID uint64
	Clock    uint64
	State    json.RawMessage
}

// Removed reports whether the entry announces that its client left.
func (e AwarenessEntry) Removed() bool { return isNull(e.State) }

func isNull(s []byte) bool {
	// JSON.stringify(null) is exactly "null"; tolerate surrounding space.
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return string(s[i:j]) == "null"
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Message is one decoded y-protocols message. Payload and Awareness alias
// the decoded frame.
type Message struct {
	Type Type
	// Sync is the sub-type of a TypeSync message.
	Sync SyncType
	// Payload is the state vector (SyncStep1) or the update (SyncStep2,
	// SyncUpdate), the raw awareness update of a TypeAwareness message,
	// the JSON of a TypeCommand message, or the stored state vector of a
	// TypeSaved message.
	Payload []byte
	// Awareness holds the entries of a TypeAwareness message.
	Awareness []AwarenessEntry
	// Reason is the reason of an auth permission-denied message.
	Reason string
}

type decoder struct {
	buf []byte
	pos int
}

func (d *decoder) fail(what string, err error) error {
	return fmt.Errorf("%w: %s at byte %d: %w", ErrMalformed, what, d.pos, err)
}

var errBeyond = errors.New("length beyond data")

func (d *decoder) varUint(what string) (uint64, error) {
	n, size, err := crdt.ReadVarUint(d.buf[d.pos:])
	d.pos += size
	if err != nil {
		return 0, d.fail(what, err)
	}
	return n, nil
}

func (d *decoder) varBytes(what string) ([]byte, error) {
	n, err := d.varUint(what + " length")
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.buf)-d.pos) {
		return nil, d.fail(what, fmt.Errorf("%w: %d bytes claimed, %d left", errBeyond, n, len(d.buf)-d.pos))
	}
	b := d.buf[d.pos : d.pos+int(n) : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *decoder) end() error {
	if d.pos != len(d.buf) {
		return fmt.Errorf("%w: %d trailing bytes after the message", ErrMalformed, len(d.buf)-d.pos)
	}
	return nil
}

// Decode decodes one y-websocket frame. The whole frame must be one
// message: trailing bytes are an error, as is an unknown type or
// sub-type.
func Decode(frame []byte) (Message, error) {
	d := &decoder{buf: frame}
	t, err := d.varUint("message type")
	if err != nil {
		return Message{}, err
	}
	m := Message{Type: Type(t)}
	switch m.Type {
	case TypeSync:
		st, err := d.varUint("sync type")
		if err != nil {
			return Message{}, err
		}
		m.Sync = SyncType(st)
		switch m.Sync {
		case SyncStep1:
			m.Payload, err = d.varBytes("state vector")
		case SyncStep2, SyncUpdate:
			m.Payload, err = d.varBytes("update")
		default:
			return Message{}, fmt.Errorf("%w: unknown sync message type %d", ErrMalformed, st)
		}
		if err != nil {
			return Message{}, err
		}
	case TypeAwareness:
		m.Payload, err = d.varBytes("awareness update")
		if err != nil {
			return Message{}, err
		}
		m.Awareness, err = DecodeAwareness(m.Payload)
		if err != nil {
			return Message{}, err
		}
	case TypeAuth:
		at, err := d.varUint("auth type")
		if err != nil {
			return Message{}, err
		}
		if at != AuthPermissionDenied {
			return Message{}, fmt.Errorf("%w: unknown auth message type %d", ErrMalformed, at)
		}
		r, err := d.varBytes("reason")
		if err != nil {
			return Message{}, err
		}
		m.Reason = string(r)
	case TypeQueryAwareness:
	case TypeCommand:
		m.Payload, err = d.varBytes("command")
		if err != nil {
			return Message{}, err
		}
	case TypeSaved:
		m.Payload, err = d.varBytes("stored state vector")
		if err != nil {
			return Message{}, err
		}
	default:
		return Message{}, fmt.Errorf("%w: unknown message type %d", ErrMalformed, t)
	}
	if err := d.end(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// DecodeAwareness decodes an awareness update (the payload of a
// TypeAwareness message). Each state must be valid UTF-8 JSON.
func DecodeAwareness(b []byte) ([]AwarenessEntry, error) {
	d := &decoder{buf: b}
	n, err := d.varUint("awareness count")
	if err != nil {
		return nil, err
	}
	// Each entry takes at least 3 bytes (clientID, clock, empty string).
	if n > uint64(len(d.buf)-d.pos)/3 {
		return nil, d.fail("awareness count", fmt.Errorf("%w: %d entries claimed", errBeyond, n))
	}
	entries := make([]AwarenessEntry, 0, n)
	for range n {
		var e AwarenessEntry
		if e.ClientID, err = d.varUint("awareness client id"); err != nil {
			return nil, err
		}
		if e.Clock, err = d.varUint("awareness clock"); err != nil {
			return nil, err
		}
		s, err := d.varBytes("awareness state")
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(s) || !json.Valid(s) {
			return nil, fmt.Errorf("%w: awareness state of client %d is not valid JSON", ErrMalformed, e.ClientID)
		}
		e.State = s
		entries = append(entries, e)
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return entries, nil
}

func appendVarUint(dst []byte, n uint64) []byte {
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	return append(dst, byte(n))
}

func appendVarBytes(dst, b []byte) []byte {
	return append(appendVarUint(dst, uint64(len(b))), b...)
}

// AppendSync appends a sync message of sub-type t carrying payload (a
// state vector for SyncStep1, an update otherwise).
func AppendSync(dst []byte, t SyncType, payload []byte) []byte {
	dst = appendVarUint(dst, uint64(TypeSync))
	dst = appendVarUint(dst, uint64(t))
	return appendVarBytes(dst, payload)
}

// SyncStep1Message returns a sync step 1 message for state vector sv.
func SyncStep1Message(sv []byte) []byte { return AppendSync(nil, SyncStep1, sv) }

// SyncStep2Message returns a sync step 2 message carrying update.
func SyncStep2Message(update []byte) []byte { return AppendSync(nil, SyncStep2, update) }

// UpdateMessage returns a sync update message carrying update.
func UpdateMessage(update []byte) []byte { return AppendSync(nil, SyncUpdate, update) }

// AppendAwarenessUpdate appends the encoded awareness update for entries
// (without the message type); a nil State is written as null.
func AppendAwarenessUpdate(dst []byte, entries []AwarenessEntry) []byte {
	dst = appendVarUint(dst, uint64(len(entries)))
	for _, e := range entries {
		dst = appendVarUint(dst, e.ClientID)
		dst = appendVarUint(dst, e.Clock)
		s := []byte(e.State)
		if len(s) == 0 {
			s = []byte("null")
		}
		dst = appendVarBytes(dst, s)
	}
	return dst
}

// AwarenessMessage returns an awareness message for entries.
func AwarenessMessage(entries []AwarenessEntry) []byte {
	u := AppendAwarenessUpdate(nil, entries)
	dst := appendVarUint(make([]byte, 0, len(u)+6), uint64(TypeAwareness))
	return appendVarBytes(dst, u)
}

// PermissionDeniedMessage returns an auth message refusing permission
// with reason.
func PermissionDeniedMessage(reason string) []byte {
	dst := appendVarUint(nil, uint64(TypeAuth))
	dst = appendVarUint(dst, AuthPermissionDenied)
	return appendVarBytes(dst, []byte(reason))
}

// QueryAwarenessMessage returns a query-awareness message.
func QueryAwarenessMessage() []byte { return appendVarUint(nil, uint64(TypeQueryAwareness)) }

// CommandMessage encodes a cocreate command message (TypeCommand) whose
// payload is one JSON value: a command from a client, or the server's
// answer to one.
func CommandMessage(json []byte) []byte {
	return appendVarBytes(appendVarUint(nil, uint64(TypeCommand)), json)
}

// SavedMessage encodes a cocreate saved message (TypeSaved) carrying the
// encoded state vector of what the store holds of the document.
func SavedMessage(storedSV []byte) []byte {
	return appendVarBytes(appendVarUint(nil, uint64(TypeSaved)), storedSV)
}
