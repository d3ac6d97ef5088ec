package crdt

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
)

// Undefined is JavaScript's undefined as a value of a shared type or of a
// lib0 Any encoding. Decoded undefined values are Undefined; nil is null.
var Undefined = undefinedValue{}

type undefinedValue struct{}

func (undefinedValue) String() string { return "undefined" }

// BigInt is a JavaScript bigint (lib0 encodes 64 bits of it). It is kept
// apart from int64 because yjs peers distinguish the two.
type BigInt int64

// object is a JavaScript object as lib0 encodes it: keys keep the order a
// JavaScript engine would enumerate them in (integer-like keys first,
// ascending, then the rest in insertion order), so re-encoding a decoded
// value gives the bytes yjs would write.
type object struct {
	keys   []string
	values []any
}

// arrayIndexKey reports whether k is a canonical array index, which
// JavaScript enumerates before all other keys.
func arrayIndexKey(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 32)
	if err != nil || n == math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// set inserts or replaces a key, keeping JavaScript's enumeration order.
func (o *object) set(k string, v any) {
	for i, key := range o.keys {
		if key == k {
			o.values[i] = v
			return
		}
	}
	idx, isIdx := arrayIndexKey(k)
	if !isIdx {
		o.keys = append(o.keys, k)
		o.values = append(o.values, v)
		return
	}
	at := 0
	for at < len(o.keys) {
		j, ok := arrayIndexKey(o.keys[at])
		if !ok || j > idx {
			break
		}
		at++
	}
	o.keys = slices.Insert(o.keys, at, k)
	o.values = slices.Insert(o.values, at, v)
}

// toMap returns the object as a plain Go map (values converted to their
// public form).
func (o *object) toMap() map[string]any {
	m := make(map[string]any, len(o.keys))
	for i, k := range o.keys {
		m[k] = publicValue(o.values[i])
	}
	return m
}

// publicValue converts an internal Any value to what the API hands out:
// objects become map[string]any, arrays []any.
func publicValue(v any) any {
	switch x := v.(type) {
	case *object:
		return x.toMap()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = publicValue(e)
		}
		return out
	default:
		return v
	}
}

// normalizeValue converts a value given through the public API into the
// internal Any form, refusing what lib0 cannot encode.
func normalizeValue(v any, depth int) (any, error) {
	if depth > maxAnyDepth {
		return nil, ErrNestingTooDeep
	}
	switch x := v.(type) {
	case nil, bool, string, float64, int64, BigInt, undefinedValue, []byte:
		return v, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return uint64ToNumber(uint64(x)), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return uint64ToNumber(x), nil
	case float32:
		return float64(x), nil
	case *object:
		o := &object{}
		for i, k := range x.keys {
			nv, err := normalizeValue(x.values[i], depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k, nv)
		}
		return o, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := &object{keys: make([]string, 0, len(keys)), values: make([]any, 0, len(keys))}
		for _, k := range keys {
			nv, err := normalizeValue(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k, nv)
		}
		return o, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			nv, err := normalizeValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = nv
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%w: cannot store a %T", ErrInvalidValue, v)
	}
}

func uint64ToNumber(n uint64) any {
	if n <= math.MaxInt64 {
		return int64(n)
	}
	return float64(n)
}

// writeAny writes v (internal form) in lib0's Any encoding.
func (e *encoder) writeAny(v any) {
	switch x := v.(type) {
	case nil:
		e.writeUint8(126)
	case undefinedValue:
		e.writeUint8(127)
	case bool:
		if x {
			e.writeUint8(120)
		} else {
			e.writeUint8(121)
		}
	case string:
		e.writeUint8(119)
		e.writeVarString(x)
	case int64:
		if x >= -math.MaxInt32 && x <= math.MaxInt32 {
			e.writeUint8(125)
			e.writeVarInt(x)
		} else {
			e.writeNumber(float64(x))
		}
	case float64:
		e.writeNumber(x)
	case BigInt:
		e.writeUint8(122)
		e.writeBigInt64(int64(x))
	case []byte:
		e.writeUint8(116)
		e.writeVarBytes(x)
	case []any:
		e.writeUint8(117)
		e.writeVarUint(uint64(len(x)))
		for _, el := range x {
			e.writeAny(el)
		}
	case *object:
		e.writeUint8(118)
		e.writeVarUint(uint64(len(x.keys)))
		for i, k := range x.keys {
			e.writeVarString(k)
			e.writeAny(x.values[i])
		}
	default:
		// Values are normalised before they are stored; anything else is
		// what lib0 writes for a function or symbol.
		e.writeUint8(127)
	}
}

// writeNumber writes a JavaScript number the way lib0 chooses its width.
func (e *encoder) writeNumber(f float64) {
	if f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
		e.writeUint8(125)
		e.writeVarIntSign(uint64(math.Abs(f)), math.Signbit(f))
		return
	}
	if float64(float32(f)) == f {
		e.writeUint8(124)
		e.writeFloat32(float32(f))
		return
	}
	e.writeUint8(123)
	if math.IsNaN(f) {
		// JavaScript has one NaN; write its bits, whatever Go's NaN is.
		e.buf = append(e.buf, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0)
		return
	}
	e.writeFloat64(f)
}

// readAny reads one lib0 Any value into its internal form.
func (d *decoder) readAny(depth int) (any, error) {
	if depth > maxAnyDepth {
		return nil, d.errAt(ErrNestingTooDeep)
	}
	t, err := d.readUint8()
	if err != nil {
		return nil, err
	}
	switch t {
	case 127:
		return Undefined, nil
	case 126:
		return nil, nil
	case 125:
		n, neg, err := d.readVarIntSign()
		if err != nil {
			return nil, err
		}
		if neg && n == 0 {
			return math.Copysign(0, -1), nil
		}
		if neg {
			return -int64(n), nil
		}
		return int64(n), nil
	case 124:
		f, err := d.readFloat32()
		return float64(f), err
	case 123:
		return d.readFloat64()
	case 122:
		n, err := d.readBigInt64()
		return BigInt(n), err
	case 121:
		return false, nil
	case 120:
		return true, nil
	case 119:
		return d.readVarString()
	case 118:
		n, err := d.readLen(2)
		if err != nil {
			return nil, err
		}
		o := &object{keys: make([]string, 0, n), values: make([]any, 0, n)}
		for i := 0; i < n; i++ {
			k, err := d.readVarString()
			if err != nil {
				return nil, err
			}
			v, err := d.readAny(depth + 1)
			if err != nil {
				return nil, err
			}
			o.set(k, v)
		}
		return o, nil
	case 117:
		n, err := d.readLen(1)
		if err != nil {
			return nil, err
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = d.readAny(depth + 1); err != nil {
				return nil, err
			}
		}
		return arr, nil
	case 116:
		b, err := d.readVarBytes()
		if err != nil {
			return nil, err
		}
		return slices.Clone(b), nil
	default:
		return nil, d.errAt(fmt.Errorf("%w %d", ErrUnknownAnyType, t))
	}
}
