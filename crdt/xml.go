package crdt

import (
	"sort"
	"strconv"
	"strings"
)

// XmlFragment is a shared list of Xml nodes (XmlElement, XmlText), the
// layout ProseMirror/TipTap bindings use for rich-text documents.
type XmlFragment struct{ t *Type }

// XmlElement is an Xml node with a name, attributes and children.
type XmlElement struct{ t *Type }

// XmlText is text inside an Xml tree; it has all the methods of Text.
type XmlText struct{ t *Type }

// XmlHook is a named map in an Xml tree (rarely used).
type XmlHook struct{ t *Type }

// NewXmlFragment returns an XmlFragment that is not part of a document yet.
func NewXmlFragment() *XmlFragment { return &XmlFragment{&Type{kind: kindXmlFragment}} }

// NewXmlElement returns an element called name, not part of a document yet.
func NewXmlElement(name string) *XmlElement {
	return &XmlElement{&Type{kind: kindXmlElement, nodeName: name}}
}

// NewXmlText returns an XmlText that is not part of a document yet.
func NewXmlText() *XmlText { return &XmlText{&Type{kind: kindXmlText}} }

func (x *XmlFragment) base() *Type { return x.t }
func (x *XmlElement) base() *Type  { return x.t }
func (x *XmlText) base() *Type     { return x.t }
func (x *XmlHook) base() *Type     { return x.t }

// XmlNode is an XmlElement or an XmlText.
type XmlNode interface {
	SharedType
	String() string
}

func insertNodes(t *Type, index int, nodes []XmlNode) error {
	vals := make([]any, len(nodes))
	for i, n := range nodes {
		vals[i] = n
	}
	cs, err := contentsFromValues(vals)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return nil
	}
	if t.doc != nil && (index < 0 || index > t.length) {
		return t.listInsert(nil, index, cs)
	}
	var ierr error
	t.transact(func(tx *Transaction) { ierr = t.listInsert(tx, index, cs) })
	return ierr
}

func deleteNodes(t *Type, index, length int) error {
	if t.doc != nil && (index < 0 || length < 0 || index+length > t.length) {
		return t.listDelete(nil, index, length)
	}
	var derr error
	t.transact(func(tx *Transaction) { derr = t.listDelete(tx, index, length) })
	return derr
}

func children(t *Type) []XmlNode {
	var out []XmlNode
	for _, v := range t.listValues() {
		if n, ok := v.(XmlNode); ok {
			out = append(out, n)
		}
	}
	return out
}

// Len returns the number of children.
func (x *XmlFragment) Len() int { return x.t.length }

// Insert inserts nodes at index.
func (x *XmlFragment) Insert(index int, nodes ...XmlNode) error {
	return insertNodes(x.t, index, nodes)
}

// Delete deletes length children from index.
func (x *XmlFragment) Delete(index, length int) error { return deleteNodes(x.t, index, length) }

// Children returns the child nodes.
func (x *XmlFragment) Children() []XmlNode { return children(x.t) }

// String renders the fragment as yjs's toString does.
func (x *XmlFragment) String() string { return xmlString(x.t) }

// ObserveDeep calls fn for changes anywhere in the fragment.
func (x *XmlFragment) ObserveDeep(fn func(e *Event)) func() { return x.t.ObserveDeep(fn) }

// Name returns the element's node name.
func (x *XmlElement) Name() string { return x.t.nodeName }

// ID returns the id of the item that holds the element in its document
// (yjs's _item.id): it never changes while the element exists, however
// its attributes and children change, so it names the element across
// edits. It reports false for an element not in a document yet.
func (x *XmlElement) ID() (ID, bool) {
	if x.t.item == nil {
		return ID{}, false
	}
	return x.t.item.id, true
}

// Len returns the number of children.
func (x *XmlElement) Len() int { return x.t.length }

// Insert inserts nodes at index.
func (x *XmlElement) Insert(index int, nodes ...XmlNode) error { return insertNodes(x.t, index, nodes) }

// Delete deletes length children from index.
func (x *XmlElement) Delete(index, length int) error { return deleteNodes(x.t, index, length) }

// Children returns the child nodes.
func (x *XmlElement) Children() []XmlNode { return children(x.t) }

// SetAttribute sets an attribute (usually a string).
func (x *XmlElement) SetAttribute(key string, value any) error { return x.t.setValue(key, value) }

// RemoveAttribute removes an attribute.
func (x *XmlElement) RemoveAttribute(key string) {
	x.t.transact(func(tx *Transaction) { x.t.mapDelete(tx, key) })
}

// Attribute returns an attribute's value.
func (x *XmlElement) Attribute(key string) (any, bool) { return x.t.mapGet(key) }

// AttributeID returns the id of the item that holds the attribute's
// latest value (each set makes a new one, so it names the version of
// the value), and whether that value has since been removed (the id of
// a removed value may then change as deleted items merge); ok is false
// for an attribute never set (or set only before the element was in a
// document).
func (x *XmlElement) AttributeID(key string) (id ID, removed, ok bool) {
	it := x.t.mapItems[key]
	if it == nil {
		return ID{}, false, false
	}
	return it.id, it.deleted(), true
}

// Attributes returns all attributes.
func (x *XmlElement) Attributes() map[string]any {
	out := map[string]any{}
	for _, k := range x.t.mapKeys() {
		v, _ := x.t.mapGet(k)
		out[k] = v
	}
	return out
}

// String renders the element as yjs's toString does.
func (x *XmlElement) String() string { return xmlString(x.t) }

// Len returns the length in UTF-16 code units.
func (x *XmlText) Len() int { return x.t.length }

// Insert inserts s at index (see Text.Insert).
func (x *XmlText) Insert(index int, s string, attrs Attributes) error {
	return (&Text{x.t}).Insert(index, s, attrs)
}

// InsertEmbed inserts an embed at index.
func (x *XmlText) InsertEmbed(index int, embed any, attrs Attributes) error {
	return (&Text{x.t}).InsertEmbed(index, embed, attrs)
}

// Delete deletes length units from index.
func (x *XmlText) Delete(index, length int) error { return x.t.textDelete(index, length) }

// Format sets attributes on a range.
func (x *XmlText) Format(index, length int, attrs Attributes) error {
	return x.t.textFormat(index, length, attrs)
}

// ToDelta returns the content as a delta.
func (x *XmlText) ToDelta() []Delta { return x.t.toDelta() }

// Text returns the plain text.
func (x *XmlText) Text() string { return x.t.textString() }

// String renders the text with formatting as yjs's XmlText toString does.
func (x *XmlText) String() string { return xmlString(x.t) }

// Get returns a hook entry.
func (x *XmlHook) Get(key string) (any, bool) { return x.t.mapGet(key) }

// Name returns the hook name.
func (x *XmlHook) Name() string { return x.t.nodeName }

func xmlString(t *Type) string {
	switch t.kind {
	case kindXmlFragment:
		var b strings.Builder
		for _, c := range t.listValues() {
			if st, ok := c.(SharedType); ok {
				b.WriteString(xmlString(st.base()))
			}
		}
		return b.String()
	case kindXmlElement:
		var b strings.Builder
		name := strings.ToLower(t.nodeName)
		b.WriteString("<" + name)
		for _, k := range t.mapKeys() {
			v, _ := t.mapGet(k)
			b.WriteString(" " + k + `="` + jsString(v) + `"`)
		}
		b.WriteString(">")
		for _, c := range t.listValues() {
			if st, ok := c.(SharedType); ok {
				b.WriteString(xmlString(st.base()))
			}
		}
		b.WriteString("</" + name + ">")
		return b.String()
	case kindXmlText:
		var b strings.Builder
		for _, d := range t.toDelta() {
			names := make([]string, 0, len(d.Attributes))
			for k := range d.Attributes {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, n := range names {
				b.WriteString("<" + n)
				for _, kv := range forInPairs(d.Attributes[n]) {
					b.WriteString(" " + kv[0] + `="` + kv[1] + `"`)
				}
				b.WriteString(">")
			}
			b.WriteString(jsString(d.Insert))
			for i := len(names) - 1; i >= 0; i-- {
				b.WriteString("</" + names[i] + ">")
			}
		}
		return b.String()
	case kindText:
		return t.textString()
	}
	return "[object Object]"
}

// forInPairs lists what JavaScript's for-in yields for a value, sorted by
// key, with each value converted by String().
func forInPairs(v any) [][2]string {
	var out [][2]string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out = append(out, [2]string{k, jsString(e)})
		}
	case string:
		i := 0
		for _, r := range x {
			out = append(out, [2]string{strconv.Itoa(i), string(r)})
			i++
		}
	case []any:
		for i, e := range x {
			out = append(out, [2]string{strconv.Itoa(i), jsString(e)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// jsString converts a value like JavaScript's String().
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case undefinedValue:
		return "undefined"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return string(appendJSNumber(nil, x))
	case BigInt:
		return strconv.FormatInt(int64(x), 10)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e != nil {
				parts[i] = jsString(e)
			}
		}
		return strings.Join(parts, ",")
	case SharedType:
		return xmlString(x.base())
	}
	return "[object Object]"
}
