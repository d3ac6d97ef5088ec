package crdt

// Array is a shared list of values and nested types.
type Array struct{ t *Type }

// NewArray returns an Array that is not part of a document yet.
func NewArray() *Array { return &Array{&Type{kind: kindArray}} }

func (a *Array) base() *Type { return a.t }

// Len returns the number of elements.
func (a *Array) Len() int { return a.t.length }

// Insert inserts values at index.
func (a *Array) Insert(index int, values ...any) error {
	cs, err := contentsFromValues(values)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return nil
	}
	var ierr error
	if a.t.doc == nil {
		a.t.transact(func(tx *Transaction) { _ = a.t.listInsert(tx, index, cs) })
		return nil
	}
	if index < 0 || index > a.t.length {
		return a.t.listInsert(nil, index, cs)
	}
	a.t.transact(func(tx *Transaction) { ierr = a.t.listInsert(tx, index, cs) })
	return ierr
}

// Push appends values.
func (a *Array) Push(values ...any) error { return a.Insert(a.t.length, values...) }

// Delete deletes length elements from index.
func (a *Array) Delete(index, length int) error {
	if a.t.doc != nil && (index < 0 || length < 0 || index+length > a.t.length) {
		return a.t.listDelete(nil, index, length)
	}
	var derr error
	a.t.transact(func(tx *Transaction) { derr = a.t.listDelete(tx, index, length) })
	return derr
}

// Get returns the element at index.
func (a *Array) Get(index int) (any, bool) { return a.t.listGet(index) }

// Values returns all elements; nested types are returned as types.
func (a *Array) Values() []any { return a.t.listValues() }

// ToJSON returns the elements as plain values.
func (a *Array) ToJSON() []any { return valueToJSON(a).([]any) }

// Observe calls fn after every transaction that changed the array.
func (a *Array) Observe(fn func(e *Event)) func() { return a.t.Observe(fn) }

// ObserveDeep calls fn for changes of the array and everything in it.
func (a *Array) ObserveDeep(fn func(e *Event)) func() { return a.t.ObserveDeep(fn) }
