package crdt

// Map is a shared map from string keys to values or nested types. When
// peers set the same key concurrently, all converge on the same winner.
type Map struct{ t *Type }

// NewMap returns a Map that is not part of a document yet.
func NewMap() *Map { return &Map{&Type{kind: kindMap}} }

func (m *Map) base() *Type { return m.t }

// Set sets key to value: nil, bool, numbers, string, []byte, []any,
// map[string]any, or a shared type not yet in a document.
func (m *Map) Set(key string, value any) error { return m.t.setValue(key, value) }

// setValue sets key of a map-like type (a map's entry, an element's
// attribute) to value, in a transaction of its own.
func (t *Type) setValue(key string, value any) error {
	cs, err := contentsFromValues([]any{value})
	if err != nil {
		return err
	}
	t.transact(func(tx *Transaction) { t.mapSet(tx, key, cs[0]) })
	return nil
}

// Get returns the value of key and whether it is set.
func (m *Map) Get(key string) (any, bool) { return m.t.mapGet(key) }

// Delete removes key.
func (m *Map) Delete(key string) {
	m.t.transact(func(tx *Transaction) { m.t.mapDelete(tx, key) })
}

// Has reports whether key is set.
func (m *Map) Has(key string) bool {
	_, ok := m.t.mapGet(key)
	return ok
}

// Keys returns the set keys, sorted.
func (m *Map) Keys() []string { return m.t.mapKeys() }

// Len returns the number of set keys.
func (m *Map) Len() int { return len(m.t.mapKeys()) }

// ToJSON returns the map as plain values; nested types are converted too.
func (m *Map) ToJSON() map[string]any { return mapToJSON(m.t) }

// Observe calls fn after every transaction that changed the map.
func (m *Map) Observe(fn func(e *Event)) func() { return m.t.Observe(fn) }

// ObserveDeep calls fn for changes of the map and everything in it.
func (m *Map) ObserveDeep(fn func(e *Event)) func() { return m.t.ObserveDeep(fn) }

func mapToJSON(t *Type) map[string]any {
	out := map[string]any{}
	for k, it := range t.mapItems {
		if it.deleted() {
			continue
		}
		vs := it.content.values()
		if len(vs) == 0 {
			continue
		}
		out[k] = valueToJSON(vs[len(vs)-1])
	}
	return out
}

// valueToJSON converts nested types to their JSON form, like yjs toJSON.
func valueToJSON(v any) any {
	st, ok := v.(SharedType)
	if !ok {
		return v
	}
	t := st.base()
	switch t.kind {
	case kindMap:
		return mapToJSON(t)
	case kindArray:
		vals := t.listValues()
		out := make([]any, len(vals))
		for i, x := range vals {
			out[i] = valueToJSON(x)
		}
		return out
	case kindText:
		return t.textString()
	case kindXmlElement, kindXmlFragment, kindXmlText, kindXmlHook:
		return xmlString(t)
	}
	return nil
}
