package crdt

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER. lib0 refuses
// varints beyond it, and so do we: every clock, length and client id on the
// wire must survive a round trip through a JavaScript number.
const maxSafeInteger = 1<<53 - 1

// maxAnyDepth bounds the nesting of arrays and objects in lib0 Any values
// so a hostile update cannot exhaust the stack.
const maxAnyDepth = 256

// encoder writes lib0 binary encodings into a growing buffer.
type encoder struct {
	buf []byte
}

func (e *encoder) bytes() []byte { return e.buf }

func (e *encoder) writeUint8(b uint8) { e.buf = append(e.buf, b) }

func (e *encoder) writeVarUint(n uint64) {
	for n > 0x7f {
		e.buf = append(e.buf, 0x80|byte(n&0x7f))
		n >>= 7
	}
	e.buf = append(e.buf, byte(n))
}

// writeVarInt writes a signed varint in lib0's layout: the first byte holds
// a continuation bit, a sign bit and six value bits. negZero writes -0.
func (e *encoder) writeVarIntSign(n uint64, negative bool) {
	first := byte(n & 0x3f)
	if negative {
		first |= 0x40
	}
	if n > 0x3f {
		first |= 0x80
	}
	e.buf = append(e.buf, first)
	n >>= 6
	for n > 0 {
		b := byte(n & 0x7f)
		if n > 0x7f {
			b |= 0x80
		}
		e.buf = append(e.buf, b)
		n >>= 7
	}
}

func (e *encoder) writeVarInt(n int64) {
	if n < 0 {
		e.writeVarIntSign(uint64(-n), true)
		return
	}
	e.writeVarIntSign(uint64(n), false)
}

func (e *encoder) writeVarString(s string) {
	e.writeVarUint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) writeVarBytes(b []byte) {
	e.writeVarUint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) writeFloat32(f float32) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, math.Float32bits(f))
}

func (e *encoder) writeFloat64(f float64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(f))
}

func (e *encoder) writeBigInt64(n int64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(n))
}

// decoder reads lib0 binary encodings. It never allocates more than the
// remaining input can justify.
type decoder struct {
	buf []byte
	pos int
}

func newDecoder(b []byte) *decoder { return &decoder{buf: b} }

func (d *decoder) remaining() int { return len(d.buf) - d.pos }

func (d *decoder) errAt(err error) error {
	return fmt.Errorf("at byte %d: %w", d.pos, err)
}

func (d *decoder) readUint8() (uint8, error) {
	if d.pos >= len(d.buf) {
		return 0, d.errAt(ErrUnexpectedEOF)
	}
	b := d.buf[d.pos]
	d.pos++
	return b, nil
}

func (d *decoder) readVarUint() (uint64, error) {
	n, size, err := ReadVarUint(d.buf[d.pos:])
	d.pos += size
	if err != nil {
		return 0, d.errAt(err)
	}
	return n, nil
}

// ReadVarUint reads the lib0 varuint at the start of b and returns it
// with the number of bytes read, up to and including a bad one. It fails
// with ErrUnexpectedEOF if b ends inside the number and with
// ErrIntegerOverflow for a value beyond JavaScript's safe integers. It is
// the one varuint reader of the y-protocols and Hocuspocus codecs too.
func ReadVarUint(b []byte) (n uint64, size int, err error) {
	var shift uint
	for size < len(b) {
		c := b[size]
		size++
		if shift >= 56 {
			return 0, size, ErrIntegerOverflow
		}
		n |= uint64(c&0x7f) << shift
		shift += 7
		if c < 0x80 {
			if n > maxSafeInteger {
				return 0, size, ErrIntegerOverflow
			}
			return n, size, nil
		}
	}
	return 0, size, ErrUnexpectedEOF
}

// readVarInt returns the magnitude, its sign and whether the value is -0.
func (d *decoder) readVarIntSign() (uint64, bool, error) {
	if d.pos >= len(d.buf) {
		return 0, false, d.errAt(ErrUnexpectedEOF)
	}
	b := d.buf[d.pos]
	d.pos++
	n := uint64(b & 0x3f)
	neg := b&0x40 != 0
	if b&0x80 == 0 {
		return n, neg, nil
	}
	shift := uint(6)
	for d.pos < len(d.buf) {
		b = d.buf[d.pos]
		d.pos++
		if shift >= 55 {
			return 0, false, d.errAt(ErrIntegerOverflow)
		}
		n |= uint64(b&0x7f) << shift
		shift += 7
		if b < 0x80 {
			if n > maxSafeInteger {
				return 0, false, d.errAt(ErrIntegerOverflow)
			}
			return n, neg, nil
		}
	}
	return 0, false, d.errAt(ErrUnexpectedEOF)
}

func (d *decoder) readVarInt() (int64, error) {
	n, neg, err := d.readVarIntSign()
	if neg {
		return -int64(n), err
	}
	return int64(n), err
}

// readLen reads a varuint that is a count of things still to be read;
// each needs at least min bytes, so a count the input cannot hold fails
// before anything is allocated for it.
func (d *decoder) readLen(min int) (int, error) {
	n, err := d.readVarUint()
	if err != nil {
		return 0, err
	}
	if min > 0 && n > uint64(d.remaining()/min) {
		return 0, d.errAt(errLengthBeyondData)
	}
	return int(n), nil
}

func (d *decoder) readVarBytes() ([]byte, error) {
	n, err := d.readVarUint()
	if err != nil {
		return nil, err
	}
	if n > uint64(d.remaining()) {
		return nil, d.errAt(errLengthBeyondData)
	}
	b := d.buf[d.pos : d.pos+int(n) : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *decoder) readVarString() (string, error) {
	b, err := d.readVarBytes()
	if err != nil {
		return "", err
	}
	return decodeUTF8(b), nil
}

// decodeUTF8 converts wire bytes to a string the way TextDecoder does in
// lib0: invalid sequences become U+FFFD rather than failing.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
			b = b[1:]
			continue
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return string(out)
}

// readFixed returns the next n bytes (a big-endian number).
func (d *decoder) readFixed(n int) ([]byte, error) {
	if d.remaining() < n {
		return nil, d.errAt(ErrUnexpectedEOF)
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) readFloat32() (float32, error) {
	b, err := d.readFixed(4)
	if err != nil {
		return 0, err
	}
	return math.Float32frombits(binary.BigEndian.Uint32(b)), nil
}

func (d *decoder) readFloat64() (float64, error) {
	b, err := d.readFixed(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}

func (d *decoder) readBigInt64() (int64, error) {
	b, err := d.readFixed(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}
