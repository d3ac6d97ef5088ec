package crdt

import "errors"

// Sentinel errors callers branch on. Errors returned by this package wrap
// one of them with the detail of what failed.
var (
	// ErrInvalidUpdate means an encoded update or state vector could not be
	// decoded or is not a valid Yjs v1 update. Nothing was applied.
	ErrInvalidUpdate = errors.New("invalid update")
	// ErrInvalidValue means a value given to a shared type cannot be stored.
	ErrInvalidValue = errors.New("invalid value")
	// ErrIndexOutOfRange means a position or length lies outside a type.
	ErrIndexOutOfRange = errors.New("index out of range")
	// ErrTypeMismatch means a root type was requested with another kind
	// than it already has.
	ErrTypeMismatch = errors.New("type mismatch")
	// ErrIntegrated means a shared type that already belongs to a document
	// was inserted again.
	ErrIntegrated = errors.New("type already integrated")

	// The errors of the lib0 decoder (encoding.go), wrapped with the
	// offset at which decoding failed.
	ErrUnexpectedEOF    = errors.New("unexpected end of data")
	ErrIntegerOverflow  = errors.New("integer out of range")
	ErrUnknownAnyType   = errors.New("unknown lib0 any type")
	ErrNestingTooDeep   = errors.New("nesting too deep")
	errLengthBeyondData = errors.New("length prefix exceeds the remaining data")
)
