package crdt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strconv"
	"testing"
)

// golden.json is written by testdata/gen/golden.mjs with the real lib0
// and yjs; the Go engine must produce the same bytes.
type goldenFile struct {
	Values []struct {
		Writer string          `json:"writer"`
		Value  json.RawMessage `json:"value"`
		Bytes  string          `json:"bytes"`
	} `json:"values"`
	Updates []struct {
		Fixture      string   `json:"fixture"`
		Inputs       []string `json:"inputs"`
		Merged       string   `json:"merged"`
		StateVector  string   `json:"stateVector"`
		Diff         string   `json:"diff"`
		SVFromUpdate string   `json:"svFromUpdate"`
	} `json:"updates"`
}

func loadGolden(t *testing.T) *goldenFile {
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// untag turns golden.mjs's tagged JSON into an internal value.
func untag(t *testing.T, raw json.RawMessage) any {
	var x struct {
		T string          `json:"t"`
		V json.RawMessage `json:"v"`
	}
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	str := func() string {
		var s string
		_ = json.Unmarshal(x.V, &s)
		return s
	}
	switch x.T {
	case "undefined":
		return Undefined
	case "null":
		return nil
	case "bool":
		return string(x.V) == "true"
	case "string":
		return str()
	case "bigint":
		n, _ := strconv.ParseInt(str(), 10, 64)
		return BigInt(n)
	case "number":
		s := str()
		switch s {
		case "NaN":
			return math.NaN()
		case "Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		case "-0":
			return math.Copysign(0, -1)
		}
		f, _ := strconv.ParseFloat(s, 64)
		if f == math.Trunc(f) && math.Abs(f) <= maxSafeInteger {
			return int64(f)
		}
		return f
	case "bytes":
		b, _ := base64.StdEncoding.DecodeString(str())
		return b
	case "array":
		var items []json.RawMessage
		_ = json.Unmarshal(x.V, &items)
		out := []any{}
		for _, it := range items {
			out = append(out, untag(t, it))
		}
		return out
	case "object":
		var pairs [][2]json.RawMessage
		_ = json.Unmarshal(x.V, &pairs)
		o := &object{}
		for _, p := range pairs {
			var k string
			_ = json.Unmarshal(p[0], &k)
			o.set(k, untag(t, p[1]))
		}
		return o
	}
	t.Fatalf("unknown tag %q", x.T)
	return nil
}

// sameValue compares decoded values by what lib0 makes of them: the
// same Any encoding (numbers may come back as int64 or float64).
func sameValue(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ea, eb := &encoder{}, &encoder{}
	ea.writeAny(a)
	eb.writeAny(b)
	return bytes.Equal(ea.bytes(), eb.bytes())
}

func TestLib0Golden(t *testing.T) {
	for i, g := range loadGolden(t).Values {
		want, _ := base64.StdEncoding.DecodeString(g.Bytes)
		v := untag(t, g.Value)
		e := &encoder{}
		d := newDecoder(want)
		var back any
		var err error
		switch g.Writer {
		case "varUint":
			e.writeVarUint(uint64(v.(int64)))
			var n uint64
			n, err = d.readVarUint()
			back = int64(n)
		case "varInt":
			if f, ok := v.(float64); ok { // -0
				e.writeVarIntSign(0, math.Signbit(f))
				var neg bool
				_, neg, err = d.readVarIntSign()
				back = math.Copysign(0, map[bool]float64{true: -1, false: 1}[neg])
			} else {
				e.writeVarInt(v.(int64))
				back, err = d.readVarInt()
			}
		case "varString":
			e.writeVarString(v.(string))
			back, err = d.readVarString()
		case "float32":
			f := toFloat(v)
			e.writeFloat32(float32(f))
			var r float32
			r, err = d.readFloat32()
			back, v = float64(r), float64(float32(f))
		case "float64":
			e.writeFloat64(toFloat(v))
			back, err = d.readFloat64()
			v = toFloat(v)
		case "bigint64":
			e.writeBigInt64(int64(v.(BigInt)))
			var n int64
			n, err = d.readBigInt64()
			back = BigInt(n)
		case "any":
			e.writeAny(v)
			back, err = d.readAny(0)
		default:
			t.Fatalf("unknown writer %q", g.Writer)
		}
		if !bytes.Equal(e.bytes(), want) {
			t.Errorf("%d %s %s: wrote %x, lib0 writes %x", i, g.Writer, g.Value, e.bytes(), want)
		}
		if err != nil || !sameValue(back, v) {
			t.Errorf("%d %s %s: read back %#v (%v)", i, g.Writer, g.Value, back, err)
		}
	}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// TestUpdatesGolden checks MergeUpdates, DiffUpdate and
// EncodeStateVectorFromUpdate byte for byte against yjs.
func TestUpdatesGolden(t *testing.T) {
	g := loadGolden(t)
	if len(g.Updates) == 0 {
		t.Fatal("no update cases in golden.json")
	}
	dec := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for i, c := range g.Updates {
		var in [][]byte
		for _, s := range c.Inputs {
			in = append(in, dec(s))
		}
		merged, err := MergeUpdates(in)
		if err != nil {
			t.Fatalf("case %d (%s): %v", i, c.Fixture, err)
		}
		if !bytes.Equal(merged, dec(c.Merged)) {
			t.Errorf("case %d (%s): MergeUpdates differs from yjs (%d vs %d bytes)", i, c.Fixture, len(merged), len(dec(c.Merged)))
			continue
		}
		diff, err := DiffUpdate(merged, dec(c.StateVector))
		if err != nil || !bytes.Equal(diff, dec(c.Diff)) {
			t.Errorf("case %d (%s): DiffUpdate differs from yjs (%v)", i, c.Fixture, err)
		}
		sv, err := EncodeStateVectorFromUpdate(merged)
		if err != nil || !bytes.Equal(sv, dec(c.SVFromUpdate)) {
			t.Errorf("case %d (%s): EncodeStateVectorFromUpdate differs from yjs (%v)", i, c.Fixture, err)
		}
	}
}

// TestSpecialContentsGolden loads updates with every kind of content yjs
// writes (subdocument, binary, bigint, XmlHook, embeds, deleted nested
// types) and re-encodes them: the bytes must not change.
func TestSpecialContentsGolden(t *testing.T) {
	var g struct {
		Special []struct {
			Name   string `json:"name"`
			Update string `json:"update"`
		} `json:"special"`
	}
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Special) == 0 {
		t.Fatal("no special cases in golden.json")
	}
	for _, c := range g.Special {
		u, _ := base64.StdEncoding.DecodeString(c.Update)
		d := NewDoc(DocOptions{ClientID: 1, DisableGC: c.Name == "no-gc"})
		if err := d.ApplyUpdate(u, nil); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		got, err := d.EncodeStateAsUpdate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, u) {
			t.Errorf("%s: re-encoded %d bytes differ from yjs's %d", c.Name, len(got), len(u))
		}
		if c.Name == "contents" {
			m := d.GetMap("map")
			if sub, _ := m.Get("sub"); sub.(*SubDoc).GUID != "sub-guid-1" {
				t.Errorf("subdoc %#v", sub)
			}
			if big, _ := m.Get("big"); big != BigInt(-6101065172474983726) {
				t.Errorf("bigint %#v", big) // lib0 keeps 64 bits
			}
			if got := d.GetXmlFragment("xml").Children(); len(got) != 1 {
				t.Errorf("xml children %v", got)
			}
		}
	}
}
