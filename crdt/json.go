package crdt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// jsonStringify renders an internal value as JavaScript's JSON.stringify
// would, so JSON-encoded contents (embeds, format attributes) are written
// with the bytes yjs writes.
func jsonStringify(v any) string {
	var b []byte
	b = appendJSON(b, v)
	return string(b)
}

func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil, undefinedValue:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case BigInt:
		// JSON.stringify throws on a bigint; yjs never stores one as JSON.
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return appendJSNumber(b, x)
	case []byte:
		// A Uint8Array stringifies as an object of its indices.
		b = append(b, '{')
		for i, c := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, '"', ':')
			b = strconv.AppendInt(b, int64(c), 10)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case *object:
		b = append(b, '{')
		first := true
		for i, k := range x.keys {
			if _, ok := x.values[i].(undefinedValue); ok {
				continue // JSON.stringify drops undefined members
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x.values[i])
		}
		return append(b, '}')
	default:
		return append(b, "null"...)
	}
}

// appendJSNumber formats f like JavaScript's Number#toString, which is
// what JSON.stringify uses (NaN and infinities become null).
func appendJSNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == 0 {
		return append(b, '0')
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e+07 / e-07; JavaScript writes e+7 / e-7.
		if i := bytes.IndexByte([]byte(s), 'e'); i >= 0 {
			mant, exp := s[:i], s[i+1:]
			sign := exp[0]
			digits := exp[1:]
			for len(digits) > 1 && digits[0] == '0' {
				digits = digits[1:]
			}
			s = mant + "e" + string(sign) + digits
		}
		return append(b, s...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// jsonEscapes is the letter of the short escape of an ASCII character
// (JSON.stringify's), or 0.
var jsonEscapes = [utf8.RuneSelf]byte{'"': '"', '\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't'}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch e := jsonEscapes[c]; {
			case e != 0:
				b = append(b, '\\', e)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b = append(b, s[i:i+size]...)
		i += size
	}
	return append(b, '"')
}

// jsonParse parses JSON text into the internal value form, keeping object
// keys in JavaScript's enumeration order.
func jsonParse(s string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	v, err := parseJSONValue(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: bad JSON: %v", ErrInvalidUpdate, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after JSON value", ErrInvalidUpdate)
	}
	return v, nil
}

func parseJSONValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxAnyDepth {
		return nil, ErrNestingTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := parseJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := parseJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		if n, err := strconv.ParseInt(string(t), 10, 64); err == nil && n >= -maxSafeInteger && n <= maxSafeInteger {
			return n, nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return nil, err
		}
		return f, nil
	default:
		return tok, nil // string, bool, nil
	}
}
