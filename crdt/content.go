package crdt

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Content reference numbers of the v1 update format (the low five bits of
// a struct's info byte).
const (
	refGC      = 0
	refDeleted = 1
	refJSON    = 2
	refBinary  = 3
	refString  = 4
	refEmbed   = 5
	refFormat  = 6
	refType    = 7
	refAny     = 8
	refDoc     = 9
	refSkip    = 10
)

// content is what an Item carries. Lengths and offsets count ids, which
// for strings are UTF-16 code units.
type content interface {
	ref() uint8
	length() int
	countable() bool
	// splice keeps [0, offset) and returns the rest.
	splice(offset int) content
	// mergeWith appends right if both can be one run.
	mergeWith(right content) bool
	write(e *encoder, offset int)
	// values returns the elements as the API hands them out.
	values() []any
	integrate(tx *Transaction, it *Item)
	delete(tx *Transaction)
	gc(s *store)
}

// inert is embedded by contents that need nothing done when their item
// is integrated, deleted or collected.
type inert struct{}

func (inert) integrate(*Transaction, *Item) {}
func (inert) delete(*Transaction)           {}
func (inert) gc(*store)                     {}

// unit is embedded by contents of one element, which never split or
// merge.
type unit struct{}

func (unit) length() int            { return 1 }
func (unit) splice(int) content     { panic("crdt: content of one element cannot be split") }
func (unit) mergeWith(content) bool { return false }

// cut keeps (*s)[:off], capped so that appending to it never writes into
// the rest, and returns the rest.
func cut[T any](s *[]T, off int) []T {
	r := (*s)[off:]
	*s = (*s)[:off:off]
	return r
}

// contentDeleted stands for content that was deleted and collected.
type contentDeleted struct {
	inert
	n int
}

func (c *contentDeleted) ref() uint8      { return refDeleted }
func (c *contentDeleted) length() int     { return c.n }
func (c *contentDeleted) countable() bool { return false }
func (c *contentDeleted) splice(off int) content {
	r := &contentDeleted{n: c.n - off}
	c.n = off
	return r
}
func (c *contentDeleted) mergeWith(r content) bool {
	c.n += r.(*contentDeleted).n
	return true
}
func (c *contentDeleted) write(e *encoder, off int) { e.writeVarUint(uint64(c.n - off)) }
func (c *contentDeleted) values() []any             { return nil }
func (c *contentDeleted) integrate(tx *Transaction, it *Item) {
	tx.deleteSet.add(it.id.Client, it.id.Clock, uint64(c.n))
	it.markDeleted()
}

// contentString holds text. str is UTF-8; n is its length in UTF-16 code
// units. The byte slice may have spare capacity so that typing appends in
// amortised constant time; after a split the left part is capped so it
// never writes into the right part's bytes.
type contentString struct {
	inert
	str []byte
	n   int
}

func newContentString(s string) *contentString {
	return &contentString{str: []byte(s), n: utf16Len(s)}
}

func (c *contentString) ref() uint8      { return refString }
func (c *contentString) length() int     { return c.n }
func (c *contentString) countable() bool { return true }

// byteOffset converts a UTF-16 offset into a byte offset of c.str, and
// reports whether it falls inside a surrogate pair.
func (c *contentString) byteOffset(off int) (int, bool) {
	if len(c.str) == c.n {
		return off, false // ASCII: one byte per unit
	}
	return utf16ToByteOffset(c.str, off)
}

func (c *contentString) splice(off int) content {
	bo, mid := c.byteOffset(off)
	var right *contentString
	if mid {
		// yjs replaces both halves of a split surrogate pair with U+FFFD;
		// bo points at the start of the 4-byte sequence.
		rb := make([]byte, 0, len(c.str)-bo-1)
		rb = utf8.AppendRune(rb, utf8.RuneError)
		rb = append(rb, c.str[bo+4:]...)
		right = &contentString{str: rb, n: c.n - off}
		left := make([]byte, 0, bo+3)
		left = append(left, c.str[:bo]...)
		left = utf8.AppendRune(left, utf8.RuneError)
		c.str = left[:len(left):len(left)]
	} else {
		right = &contentString{str: c.str[bo:], n: c.n - off}
		c.str = c.str[:bo:bo]
	}
	c.n = off
	return right
}

func (c *contentString) mergeWith(r content) bool {
	rs := r.(*contentString)
	c.str = append(c.str, rs.str...)
	c.n += rs.n
	return true
}

func (c *contentString) write(e *encoder, off int) {
	if off == 0 {
		e.writeVarUint(uint64(len(c.str)))
		e.buf = append(e.buf, c.str...)
		return
	}
	bo, mid := c.byteOffset(off)
	if mid {
		// A slice starting inside a pair starts with a lone low surrogate,
		// which TextEncoder writes as U+FFFD.
		rest := c.str[bo+4:]
		e.writeVarUint(uint64(len(rest) + 3))
		e.buf = utf8.AppendRune(e.buf, utf8.RuneError)
		e.buf = append(e.buf, rest...)
		return
	}
	e.writeVarBytes(c.str[bo:])
}

func (c *contentString) values() []any {
	// One element per UTF-16 unit, as yjs's getContent splits the string.
	out := make([]any, 0, c.n)
	for _, r := range string(c.str) {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			out = append(out, string(utf16.Decode([]uint16{uint16(hi)})), string(utf16.Decode([]uint16{uint16(lo)})))
			continue
		}
		out = append(out, string(r))
	}
	return out
}

// contentList is content of one element per id, kept as a slice that
// splits and merges as one run: lib0 Any values (contentAny) or, from
// old yjs versions, JSON texts (contentJSON). C says how its elements
// are encoded and handed out.
type contentList[T any, C elementCodec[T]] struct {
	inert
	elems []T
}

// elementCodec is the kind of a contentList's elements.
type elementCodec[T any] interface {
	ref() uint8
	write(e *encoder, v T)
	public(v T) any
}

// contentAny holds a run of lib0 Any values (array and map elements).
type contentAny = contentList[any, anyElements]

// contentJSON is the legacy JSON content of old yjs versions: each element
// is kept as the JSON text it arrived as ("undefined" for undefined).
type contentJSON = contentList[string, jsonElements]

type anyElements struct{}

func (anyElements) ref() uint8              { return refAny }
func (anyElements) write(e *encoder, v any) { e.writeAny(v) }
func (anyElements) public(v any) any        { return publicValue(v) }

type jsonElements struct{}

func (jsonElements) ref() uint8                 { return refJSON }
func (jsonElements) write(e *encoder, s string) { e.writeVarString(s) }
func (jsonElements) public(s string) any {
	if s == "undefined" {
		return Undefined
	}
	v, err := jsonParse(s)
	if err != nil {
		return nil
	}
	return publicValue(v)
}

func (c *contentList[T, C]) ref() uint8 {
	var k C
	return k.ref()
}
func (c *contentList[T, C]) length() int     { return len(c.elems) }
func (c *contentList[T, C]) countable() bool { return true }
func (c *contentList[T, C]) splice(off int) content {
	return &contentList[T, C]{elems: cut(&c.elems, off)}
}
func (c *contentList[T, C]) mergeWith(r content) bool {
	c.elems = append(c.elems, r.(*contentList[T, C]).elems...)
	return true
}
func (c *contentList[T, C]) write(e *encoder, off int) {
	var k C
	e.writeVarUint(uint64(len(c.elems) - off))
	for _, v := range c.elems[off:] {
		k.write(e, v)
	}
}
func (c *contentList[T, C]) values() []any {
	var k C
	out := make([]any, len(c.elems))
	for i, v := range c.elems {
		out[i] = k.public(v)
	}
	return out
}

// clone is a copy whose appends never write into c's elements.
func (c *contentList[T, C]) clone() content {
	return &contentList[T, C]{elems: c.elems[:len(c.elems):len(c.elems)]}
}

// contentBinary is one Uint8Array element.
type contentBinary struct {
	inert
	unit
	b []byte
}

func (c *contentBinary) ref() uint8              { return refBinary }
func (c *contentBinary) countable() bool         { return true }
func (c *contentBinary) write(e *encoder, _ int) { e.writeVarBytes(c.b) }
func (c *contentBinary) values() []any           { return []any{c.b} }

// contentEmbed is an embed in text (an image, a mention): a JSON value.
type contentEmbed struct {
	inert
	unit
	raw   string
	value any
}

func (c *contentEmbed) ref() uint8              { return refEmbed }
func (c *contentEmbed) countable() bool         { return true }
func (c *contentEmbed) write(e *encoder, _ int) { e.writeVarString(c.raw) }
func (c *contentEmbed) values() []any           { return []any{publicValue(c.value)} }

// contentFormat is a formatting mark in text: attribute key = value until
// the next mark for the same key (value null ends it).
type contentFormat struct {
	inert
	unit
	key   string
	raw   string
	value any
}

func (c *contentFormat) ref() uint8              { return refFormat }
func (c *contentFormat) countable() bool         { return false }
func (c *contentFormat) write(e *encoder, _ int) { e.writeVarString(c.key); e.writeVarString(c.raw) }
func (c *contentFormat) values() []any           { return nil }
func (c *contentFormat) integrate(tx *Transaction, it *Item) {
	it.parent.hasFormatting = true
	it.parent.cache.valid = false
}

// contentType nests a shared type inside another.
type contentType struct {
	unit
	t *Type
}

func (c *contentType) ref() uint8              { return refType }
func (c *contentType) countable() bool         { return true }
func (c *contentType) write(e *encoder, _ int) { c.t.writeRef(e) }
func (c *contentType) values() []any           { return []any{c.t.api()} }
func (c *contentType) integrate(tx *Transaction, it *Item) {
	c.t.integrate(tx.doc, it)
}

// delete deletes everything inside the type. It walks nested types with an
// explicit stack, so deleting a deeply nested structure cannot overflow.
func (c *contentType) delete(tx *Transaction) {
	stack := []*Type{c.t}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visit := func(it *Item) {
			if !it.deleted() {
				if nested := it.deleteShallow(tx); nested != nil {
					stack = append(stack, nested)
				}
			} else if it.id.Clock < tx.beforeOf(it.id.Client) {
				tx.mergeStructs = append(tx.mergeStructs, it)
			}
		}
		for it := t.start; it != nil; it = it.right {
			visit(it)
		}
		for _, it := range t.sortedMapItems() {
			visit(it)
		}
		tx.forgetChanged(t)
	}
}

// gc replaces everything inside the (deleted) type by GC structs.
func (c *contentType) gc(s *store) {
	stack := []*Type{c.t}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		collect := func(it *Item) {
			if ct, ok := it.content.(*contentType); ok {
				stack = append(stack, ct.t)
			}
			s.replaceWithGC(it)
		}
		for it := t.start; it != nil; {
			next := it.right
			collect(it)
			it = next
		}
		t.start = nil
		for _, it := range t.mapItems {
			for it != nil {
				prev := it.left
				collect(it)
				it = prev
			}
		}
		t.mapItems = nil
	}
}

// contentDoc carries a subdocument reference (guid and options). cocreate
// keeps and forwards it but does not load subdocuments.
type contentDoc struct {
	inert
	unit
	guid string
	opts any
}

func (c *contentDoc) ref() uint8              { return refDoc }
func (c *contentDoc) countable() bool         { return true }
func (c *contentDoc) write(e *encoder, _ int) { e.writeVarString(c.guid); e.writeAny(c.opts) }
func (c *contentDoc) values() []any {
	return []any{&SubDoc{GUID: c.guid, Options: publicValue(c.opts)}}
}

// SubDoc is a reference to a subdocument as stored in a parent document.
// cocreate carries subdocuments but does not load them.
type SubDoc struct {
	GUID    string
	Options any
}

// readContent decodes the content of an item with the given ref.
func readContent(d *decoder, ref uint8) (content, error) {
	switch ref {
	case refDeleted:
		n, err := d.readVarUint()
		if err != nil {
			return nil, err
		}
		return &contentDeleted{n: int(n)}, nil
	case refJSON:
		n, err := d.readLen(1)
		if err != nil {
			return nil, err
		}
		raw := make([]string, n)
		for i := range raw {
			if raw[i], err = d.readVarString(); err != nil {
				return nil, err
			}
			if raw[i] != "undefined" {
				if _, err := jsonParse(raw[i]); err != nil {
					return nil, d.errAt(err)
				}
			}
		}
		return &contentJSON{elems: raw}, nil
	case refBinary:
		b, err := d.readVarBytes()
		if err != nil {
			return nil, err
		}
		return &contentBinary{b: append([]byte(nil), b...)}, nil
	case refString:
		c := &contentString{}
		if err := readStringContent(d, c); err != nil {
			return nil, err
		}
		return c, nil
	case refEmbed:
		raw, err := d.readVarString()
		if err != nil {
			return nil, err
		}
		v, err := jsonParse(raw)
		if err != nil {
			return nil, d.errAt(err)
		}
		return &contentEmbed{raw: raw, value: v}, nil
	case refFormat:
		key, err := d.readVarString()
		if err != nil {
			return nil, err
		}
		raw, err := d.readVarString()
		if err != nil {
			return nil, err
		}
		v, err := jsonParse(raw)
		if err != nil {
			return nil, d.errAt(err)
		}
		return &contentFormat{key: key, raw: raw, value: v}, nil
	case refType:
		t, err := readTypeRef(d)
		if err != nil {
			return nil, err
		}
		return &contentType{t: t}, nil
	case refAny:
		n, err := d.readLen(1)
		if err != nil {
			return nil, err
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = d.readAny(0); err != nil {
				return nil, err
			}
		}
		return &contentAny{elems: arr}, nil
	case refDoc:
		guid, err := d.readVarString()
		if err != nil {
			return nil, err
		}
		opts, err := d.readAny(0)
		if err != nil {
			return nil, err
		}
		return &contentDoc{guid: guid, opts: opts}, nil
	default:
		return nil, d.errAt(fmt.Errorf("unknown content ref %d", ref))
	}
}

// readStringContent reads string content into c.
func readStringContent(d *decoder, c *contentString) error {
	b, err := d.readVarBytes()
	if err != nil {
		return err
	}
	if utf8.Valid(b) {
		// One copy, with no intermediate string.
		c.str = append(make([]byte, 0, len(b)), b...)
		c.n = utf16LenBytes(c.str)
		return nil
	}
	s := decodeUTF8(b)
	c.str, c.n = []byte(s), utf16Len(s)
	return nil
}

// copyContent returns an independent copy (used when updates are merged
// without a document).
func copyContent(c content) content {
	switch x := c.(type) {
	case *contentDeleted:
		return &contentDeleted{n: x.n}
	case *contentString:
		return &contentString{str: x.str[:len(x.str):len(x.str)], n: x.n}
	case *contentAny:
		return x.clone()
	case *contentJSON:
		return x.clone()
	case *contentType:
		return &contentType{t: x.t.cloneEmpty()}
	default:
		return c
	}
}
