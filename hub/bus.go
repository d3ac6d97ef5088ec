package hub

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Bus carries messages between the instances that have a document
// loaded: one channel per document, plus one check channel per instance.
// Two implementations sit beside it: MemoryBus (in-process, the default)
// and RedisBus (Redis pub/sub, for several instances).
//
// No method waits for the network: a Registry calls Subscribe,
// Unsubscribe and Publish from a room's run loop and under its own
// mutex. A message that cannot be sent is dropped; the rooms' periodic
// state-vector exchange repairs whatever was lost.
type Bus interface {
	// Start begins delivering to h. A Registry calls it once, before any
	// other method.
	Start(h BusHandler) error
	// Subscribe asks for the messages of channel. h.Subscribed(channel)
	// is called once the subscription is active, and again each time it
	// is re-established after a lost connection (messages published in
	// between are lost).
	Subscribe(channel string)
	// Unsubscribe stops the messages of channel. Calls for one channel
	// take effect in the order they are made.
	Unsubscribe(channel string)
	// Publish sends data to every subscriber of channel, this instance's
	// own subscription included, in the order of the calls. data must not
	// be changed afterwards.
	Publish(channel string, data []byte)
	// Err reports the bus's current connection problem, nil while it
	// works.
	Err() error
	// Close stops delivery and releases the bus; it waits for every
	// goroutine the bus started.
	Close() error
}

// BusHandler receives what a Bus delivers. Its methods are called from
// the bus's goroutines, one at a time, and must not block.
type BusHandler interface {
	// Message delivers one message published on channel.
	Message(channel string, data []byte)
	// Subscribed reports that channel's subscription is (again) active.
	Subscribed(channel string)
}

// Channel names. A document's channel is its name behind a prefix, so a
// document can never collide with a check channel.
const (
	docChannelPrefix   = "doc:"
	checkChannelPrefix = "check:"
)

func docChannel(doc string) string { return docChannelPrefix + doc }

// Kinds of bus messages.
const (
	// busFrame carries one y-protocols message, an update or an
	// awareness update, as a room applied it.
	busFrame byte = 1
	// busState is a sync-step-1: the sender's state vector and the digest
	// of its delete set. Peers answer with busDiff when they have
	// something the sender lacks. With flagHello they also send the
	// awareness of their own clients.
	busState byte = 2
	// busDiff answers busState: the update the addressee lacks.
	busDiff byte = 3
	// busProbe is an instance's check message to itself.
	busProbe byte = 4
	// busGone says a session was deleted (body: its name), on the
	// control channel every instance subscribes to.
	busGone byte = 5
	// busAccess says a person's access to a session changed (body:
	// accessChange), on the control channel: every instance applies it
	// to that person's live connections.
	busAccess byte = 6
)

// controlChannel carries messages for every instance (busGone,
// busAccess). Document
// channels have their prefix, so no document can collide with it.
const controlChannel = "control:sessions"

func encodeGone(sender uuid.UUID, session string) []byte {
	return append(appendHeader(nil, busGone, sender), session...)
}

// accessChange is the body of a busAccess message: subject's
// connections to the documents of session become read-only or
// writable, or are closed (revoke).
type accessChange struct {
	session, subject string
	readOnly, revoke bool
}

func encodeAccess(sender uuid.UUID, a accessChange) []byte {
	b := appendHeader(nil, busAccess, sender)
	ro := byte(0)
	switch {
	case a.revoke:
		ro = 2
	case a.readOnly:
		ro = 1
	}
	b = append(b, ro)
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.session)))
	b = append(b, a.session...)
	return append(b, a.subject...)
}

func decodeAccess(body []byte) (accessChange, error) {
	if len(body) < 3 {
		return accessChange{}, fmt.Errorf("%w: access message of %d bytes", errBusMessage, len(body))
	}
	n := int(binary.BigEndian.Uint16(body[1:3]))
	if len(body) < 3+n {
		return accessChange{}, fmt.Errorf("%w: access message shorter than its session", errBusMessage)
	}
	return accessChange{readOnly: body[0] == 1, revoke: body[0] == 2, session: string(body[3 : 3+n]), subject: string(body[3+n:])}, nil
}

const (
	busVersion = 1
	flagHello  = 1
	// headerLen is version, kind and sender.
	headerLen = 2 + 16
)

// busMsg is one decoded bus message.
type busMsg struct {
	kind   byte
	sender uuid.UUID
	// busState
	flags  byte
	digest uint64
	// busDiff: the addressee
	to uuid.UUID
	// busFrame: the y-protocols message; busState: the state vector;
	// busDiff: the update; busProbe: the probe's sequence number
	body []byte
}

var errBusMessage = errors.New("malformed bus message")

func appendHeader(dst []byte, kind byte, sender uuid.UUID) []byte {
	dst = append(dst, busVersion, kind)
	return append(dst, sender[:]...)
}

func encodeFrame(sender uuid.UUID, frame []byte) []byte {
	return append(appendHeader(make([]byte, 0, headerLen+len(frame)), busFrame, sender), frame...)
}

func encodeState(sender uuid.UUID, flags byte, digest uint64, sv []byte) []byte {
	b := appendHeader(make([]byte, 0, headerLen+9+len(sv)), busState, sender)
	b = append(b, flags)
	b = binary.BigEndian.AppendUint64(b, digest)
	return append(b, sv...)
}

func encodeDiff(sender, to uuid.UUID, update []byte) []byte {
	b := appendHeader(make([]byte, 0, headerLen+16+len(update)), busDiff, sender)
	b = append(b, to[:]...)
	return append(b, update...)
}

func encodeProbe(sender uuid.UUID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(appendHeader(nil, busProbe, sender), seq)
}

func decodeBusMsg(b []byte) (busMsg, error) {
	var m busMsg
	if len(b) < headerLen {
		return m, fmt.Errorf("%w: %d bytes is shorter than its header", errBusMessage, len(b))
	}
	if b[0] != busVersion {
		return m, fmt.Errorf("%w: version %d, want %d", errBusMessage, b[0], busVersion)
	}
	m.kind = b[1]
	copy(m.sender[:], b[2:headerLen])
	rest := b[headerLen:]
	switch m.kind {
	case busFrame:
		m.body = rest
	case busState:
		if len(rest) < 9 {
			return m, fmt.Errorf("%w: state message of %d bytes", errBusMessage, len(b))
		}
		m.flags = rest[0]
		m.digest = binary.BigEndian.Uint64(rest[1:9])
		m.body = rest[9:]
	case busDiff:
		if len(rest) < 16 {
			return m, fmt.Errorf("%w: diff message of %d bytes", errBusMessage, len(b))
		}
		copy(m.to[:], rest[:16])
		m.body = rest[16:]
	case busAccess:
		m.body = rest
	case busGone:
		if len(rest) == 0 {
			return m, fmt.Errorf("%w: gone message without a session", errBusMessage)
		}
		m.body = rest
	case busProbe:
		if len(rest) != 8 {
			return m, fmt.Errorf("%w: probe of %d bytes", errBusMessage, len(b))
		}
		m.body = rest
	default:
		return m, fmt.Errorf("%w: unknown kind %d", errBusMessage, m.kind)
	}
	return m, nil
}
