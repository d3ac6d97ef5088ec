package crdt

// Event describes the changes of one shared type in one transaction. It
// is only valid during the observer call that receives it.
type Event struct {
	// Target is the type that changed; CurrentTarget the type whose deep
	// observer is being called.
	Target        SharedType
	CurrentTarget SharedType
	Transaction   *Transaction

	target *Type
	subs   *changeSet
	delta  []Delta
}

// Delta is one operation of a change description: insert values or text,
// retain or delete a count of elements. For text, Insert is a string or
// an embed and Attributes the formatting.
type Delta struct {
	Insert     any            `json:"insert,omitempty"`
	Retain     int            `json:"retain,omitempty"`
	Delete     int            `json:"delete,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// KeysChanged returns the map keys (and attribute names) that changed.
func (e *Event) KeysChanged() []string {
	var ks []string
	for k := range e.subs.keys {
		ks = append(ks, k)
	}
	return ks
}

// ListChanged reports whether the list part (children, text) changed.
func (e *Event) ListChanged() bool {
	return e.subs.list
}

// Path returns the keys and indices from CurrentTarget down to Target.
func (e *Event) Path() []any {
	var path []any
	child := e.target
	stop := e.CurrentTarget.base()
	for child != stop && child.item != nil {
		it := child.item
		parent := it.parent
		if it.hasParentSub() {
			path = append([]any{it.parentSub}, path...)
		} else {
			i := 0
			for n := parent.start; n != nil && n != it; n = n.right {
				if !n.deleted() && n.countable() {
					i += n.length
				}
			}
			path = append([]any{i}, path...)
		}
		child = parent
	}
	return path
}

// Changes returns the list changes as a delta: retains over unchanged
// elements, inserts of added elements (values), deletes of removed ones.
func (e *Event) Changes() []Delta {
	if e.delta != nil {
		return e.delta
	}
	tx := e.Transaction
	var out []Delta
	var last *Delta
	push := func(d Delta) {
		out = append(out, d)
		last = &out[len(out)-1]
	}
	for n := e.target.start; n != nil; n = n.right {
		added := tx.isNew(n)
		deleted := tx.deletes(n)
		if !n.countable() {
			continue
		}
		switch {
		case deleted && !added:
			if last != nil && last.Delete > 0 {
				last.Delete += n.length
			} else {
				push(Delta{Delete: n.length})
			}
		case added && !deleted:
			vals := n.content.values()
			if last != nil && last.Insert != nil {
				if s, ok := last.Insert.([]any); ok {
					last.Insert = append(s, vals...)
					continue
				}
			}
			push(Delta{Insert: vals})
		case !added && !deleted:
			if last != nil && last.Retain > 0 {
				last.Retain += n.length
			} else {
				push(Delta{Retain: n.length})
			}
		}
	}
	if len(out) > 0 && out[len(out)-1].Retain > 0 {
		out = out[:len(out)-1]
	}
	if out == nil {
		out = []Delta{}
	}
	e.delta = out
	return out
}

// Observe calls fn after every transaction that changed t itself.
// It returns a function that unregisters fn.
func (t *Type) Observe(fn func(e *Event)) func() {
	o := &observer{fn}
	t.observers = append(t.observers, o)
	return func() { t.observers = removeObserver(t.observers, o) }
}

// ObserveDeep calls fn with the events of t and every type nested in it.
func (t *Type) ObserveDeep(fn func(e *Event)) func() {
	o := &observer{fn}
	t.deepObservers = append(t.deepObservers, o)
	return func() { t.deepObservers = removeObserver(t.deepObservers, o) }
}

func removeObserver(os []*observer, o *observer) []*observer {
	for i, x := range os {
		if x == o {
			return append(os[:i:i], os[i+1:]...)
		}
	}
	return os
}

// callObservers calls type and deep observers for tx, like yjs: types in
// the order they changed, then deep observers with events sorted by depth.
func (d *Doc) callObservers(tx *Transaction) {
	deep := map[*Type][]*Event{}
	var deepOrder []*Type
	for _, t := range tx.changedOrder {
		subs, ok := tx.changedSet(t)
		if !ok {
			continue
		}
		if t.item != nil && t.item.deleted() {
			continue
		}
		if !tx.Local && t.hasFormatting && (t.kind == kindText || t.kind == kindXmlText) {
			tx.needFormatCleanup = true
		}
		if len(t.observers) == 0 && !hasDeepObserver(t) {
			continue
		}
		ev := &Event{Target: t.api().(SharedType), CurrentTarget: t.api().(SharedType), Transaction: tx, target: t, subs: subs}
		for _, o := range t.observers {
			o.fn(ev)
		}
		// Bubble to every ancestor for deep observers.
		for p := t; ; {
			if _, ok := deep[p]; !ok {
				deepOrder = append(deepOrder, p)
			}
			deep[p] = append(deep[p], ev)
			if p.item == nil || p.item.parent == nil {
				break
			}
			p = p.item.parent
		}
	}
	for _, p := range deepOrder {
		if len(p.deepObservers) == 0 || (p.item != nil && p.item.deleted()) {
			continue
		}
		evs := deep[p]
		for _, o := range p.deepObservers {
			for _, ev := range evs {
				if ev.target.item != nil && ev.target.item.deleted() {
					continue
				}
				ev.CurrentTarget = p.api().(SharedType)
				o.fn(ev)
			}
		}
	}
}

func hasDeepObserver(t *Type) bool {
	for p := t; p != nil; {
		if len(p.deepObservers) > 0 {
			return true
		}
		if p.item == nil {
			return false
		}
		p = p.item.parent
	}
	return false
}
