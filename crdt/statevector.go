package crdt

import (
	"fmt"
	"slices"
)

// StateVector maps each client to the next clock expected from it: the
// number of ids of that client a document has integrated.
type StateVector map[uint64]uint64

// Encode writes the state vector in the y-protocols layout (sorted by
// client, highest first, like yjs).
func (sv StateVector) Encode() []byte {
	e := &encoder{buf: make([]byte, 0, 1+len(sv)*8)}
	clients := make([]uint64, 0, len(sv))
	for c := range sv {
		clients = append(clients, c)
	}
	slices.Sort(clients)
	e.writeVarUint(uint64(len(sv)))
	for i := len(clients) - 1; i >= 0; i-- {
		e.writeVarUint(clients[i])
		e.writeVarUint(sv[clients[i]])
	}
	return e.bytes()
}

// DecodeStateVector parses an encoded state vector. An empty input is the
// empty state vector, as in yjs.
func DecodeStateVector(b []byte) (StateVector, error) {
	sv := StateVector{}
	if len(b) == 0 {
		return sv, nil
	}
	d := newDecoder(b)
	n, err := d.readLen(2)
	if err != nil {
		return nil, fmt.Errorf("%w: state vector: %w", ErrInvalidUpdate, err)
	}
	for i := 0; i < n; i++ {
		c, err := d.readVarUint()
		if err != nil {
			return nil, fmt.Errorf("%w: state vector: %w", ErrInvalidUpdate, err)
		}
		clock, err := d.readVarUint()
		if err != nil {
			return nil, fmt.Errorf("%w: state vector: %w", ErrInvalidUpdate, err)
		}
		sv[c] = clock
	}
	return sv, nil
}
