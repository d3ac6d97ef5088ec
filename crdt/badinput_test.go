package crdt

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

// enc builds test input with the lib0 encoder.
func enc(f func(e *encoder)) []byte {
	e := &encoder{}
	f(e)
	return e.bytes()
}

func TestBadUpdates(t *testing.T) {
	// rootItem writes the head of an update holding one item of client
	// at clock, with content ref, whose parent is the root type root.
	rootItem := func(e *encoder, client, clock uint64, ref uint8, root string) {
		e.writeVarUint(1) // one client
		e.writeVarUint(1) // one struct
		e.writeVarUint(client)
		e.writeVarUint(clock)
		e.writeUint8(ref)
		e.writeVarUint(1) // parent is a root name
		e.writeVarString(root)
	}
	textItem := func(e *encoder, client, clock uint64) { rootItem(e, client, clock, refString, "text") }
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"truncated varint", []byte{0x80}},
		{"varint beyond 2^53", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{"client count claiming billions", enc(func(e *encoder) { e.writeVarUint(1 << 40) })},
		{"string length claiming gigabytes", enc(func(e *encoder) {
			textItem(e, 1, 0)
			e.writeVarUint(1 << 33)
			e.buf = append(e.buf, 'x')
		})},
		{"unknown content ref", enc(func(e *encoder) {
			rootItem(e, 1, 0, 17, "text")
			e.writeVarUint(0)
		})},
		{"unknown type ref", enc(func(e *encoder) {
			rootItem(e, 1, 0, refType, "map")
			e.writeVarUint(42)
		})},
		{"unknown any type", enc(func(e *encoder) {
			rootItem(e, 1, 0, refAny, "array")
			e.writeVarUint(1)
			e.writeUint8(3)
		})},
		{"any nested too deep", enc(func(e *encoder) {
			rootItem(e, 1, 0, refAny, "array")
			e.writeVarUint(1)
			for i := 0; i < 100000; i++ {
				e.writeUint8(117)
				e.writeVarUint(1)
			}
			e.writeUint8(126)
		})},
		{"empty string content", enc(func(e *encoder) {
			textItem(e, 1, 0)
			e.writeVarString("")
			e.writeVarUint(0)
		})},
		{"clock overflowing 2^53", enc(func(e *encoder) {
			textItem(e, 1, 1<<53-1)
			e.writeVarString("ab")
			e.writeVarUint(0)
		})},
		{"client id overflowing 2^53", enc(func(e *encoder) {
			e.writeVarUint(1)
			e.writeVarUint(1)
			e.buf = append(e.buf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
		})},
		{"same client twice", enc(func(e *encoder) {
			e.writeVarUint(2)
			for i := 0; i < 2; i++ {
				e.writeVarUint(1)
				e.writeVarUint(7)
				e.writeVarUint(uint64(i))
				e.writeUint8(refString)
				e.writeVarUint(1)
				e.writeVarString("text")
				e.writeVarString("a")
			}
			e.writeVarUint(0)
		})},
		{"origin not before the item", enc(func(e *encoder) {
			e.writeVarUint(1)
			e.writeVarUint(1)
			e.writeVarUint(7)
			e.writeVarUint(3)
			e.writeUint8(refString | 0x80)
			e.writeVarUint(7)
			e.writeVarUint(5)
			e.writeVarString("a")
			e.writeVarUint(0)
		})},
		{"delete range overflowing", enc(func(e *encoder) {
			e.writeVarUint(0)
			e.writeVarUint(1)
			e.writeVarUint(1)
			e.writeVarUint(1)
			e.writeVarUint(1 << 52)
			e.writeVarUint(1 << 52)
		})},
		{"bad JSON in format", enc(func(e *encoder) {
			textItem(e, 1, 0)
			e.buf[len(e.buf)-len("text")-3] = refFormat
			e.writeVarString("bold")
			e.writeVarString("{nope")
			e.writeVarUint(0)
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := baseDoc(t)
			before, _ := d.EncodeStateAsUpdate(nil)
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			err := d.ApplyUpdate(c.in, nil)
			runtime.ReadMemStats(&ms1)
			if !errors.Is(err, ErrInvalidUpdate) {
				t.Fatalf("ApplyUpdate = %v, want ErrInvalidUpdate", err)
			}
			after, _ := d.EncodeStateAsUpdate(nil)
			if !bytes.Equal(before, after) {
				t.Fatal("a refused update changed the document")
			}
			if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > 64<<20 {
				t.Fatalf("refusing %d bytes allocated %d bytes", len(c.in), grew)
			}
			if _, err := MergeUpdates([][]byte{c.in, before}); !errors.Is(err, ErrInvalidUpdate) {
				t.Fatalf("MergeUpdates = %v, want ErrInvalidUpdate", err)
			}
		})
	}
}

func TestBadStateVector(t *testing.T) {
	d := baseDoc(t)
	if _, err := d.EncodeStateAsUpdate([]byte{0x05, 0x01}); !errors.Is(err, ErrInvalidUpdate) {
		t.Fatalf("got %v, want ErrInvalidUpdate", err)
	}
}
