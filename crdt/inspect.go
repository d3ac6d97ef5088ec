package crdt

import (
	"errors"
	"fmt"
	"sort"
)

// ErrUnresolved is returned by Inspect for an update holding structs
// whose position depends on structs neither the document nor the update
// has: where they would land cannot be known before they arrive.
var ErrUnresolved = errors.New("crdt: update depends on structs not yet known")

// TypeInfo describes a shared type as Inspect sees it.
type TypeInfo struct {
	// Root is the name of the root type this type is in (its own name
	// when IsRoot); "" for an orphan.
	Root string
	// IsRoot reports whether the type is the root itself.
	IsRoot bool
	// Kind is the type's kind: "Array", "Map", "Text", "XmlElement",
	// "XmlFragment", "XmlHook", "XmlText", or "unknown type" (a root not
	// yet used as any kind).
	Kind string
	// NodeName is an XmlElement's tag or an XmlHook's name.
	NodeName string
	// Orphan reports that the parent was garbage-collected: the struct
	// will never be visible.
	Orphan bool
}

// ContentInfo describes the content of one struct.
type ContentInfo struct {
	// Kind is "string", "any", "json", "binary", "embed", "format",
	// "type", "doc" or "deleted".
	Kind string
	// Key is a format's attribute name (Kind "format").
	Key string
	// Type describes a nested type (Kind "type"): its Kind and NodeName.
	Type TypeInfo
}

// Insertion is one struct an update would add to a document.
type Insertion struct {
	// Parent is the type the struct goes into.
	Parent TypeInfo
	// Key is the map key (a map entry or an XML attribute) when InMap;
	// list content otherwise.
	Key   string
	InMap bool
	// Content is what the struct holds.
	Content ContentInfo
}

// Inspect calls fn for every struct update would add to d (those d does
// not hold yet), with where it would go and what it holds, without
// changing d: a schema can refuse an update before it is applied. The
// first error fn returns is returned. An update with structs placed
// relative to structs neither d nor the update holds returns
// ErrUnresolved (a caller that must know refuses it); a malformed update
// returns an error wrapping ErrInvalidUpdate.
func (d *Doc) Inspect(update []byte, fn func(Insertion) error) error {
	u, err := decodeUpdate(update)
	if err != nil {
		return err
	}
	in := inspector{d: d, u: u, parents: map[*Item]TypeInfo{}, byClient: map[uint64][]*Item{}}
	for _, c := range u.clients {
		in.byClient[c.client] = c.refs
	}
	s := d.store
	for _, c := range u.clients {
		state := s.state(c.client)
		for _, it := range c.refs {
			if it.isGC() || it.isSkip() || it.id.Clock+uint64(it.length) <= state {
				continue
			}
			parent, err := in.parentOf(it)
			if err != nil {
				return err
			}
			key, inMap := in.subOf(it)
			ins := Insertion{Parent: parent, Key: key, InMap: inMap, Content: contentInfo(it.content)}
			if err := fn(ins); err != nil {
				return err
			}
		}
	}
	return nil
}

type inspector struct {
	d        *Doc
	u        *decodedUpdate
	byClient map[uint64][]*Item
	parents  map[*Item]TypeInfo // resolved parents of the update's items
	// parentOf's walk, reused from item to item.
	stack   []*Item
	onStack map[*Item]bool
}

// lookup finds the struct holding id: in the document if it has it, else
// in the update (nil, nil: in neither).
func (in *inspector) lookup(id ID) (stored, fromUpdate *Item) {
	if id.Clock < in.d.store.state(id.Client) {
		return in.d.store.find(id), nil
	}
	refs := in.byClient[id.Client]
	i := sort.Search(len(refs), func(i int) bool { return refs[i].id.Clock+uint64(refs[i].length) > id.Clock })
	if i < len(refs) && refs[i].id.Clock <= id.Clock {
		return nil, refs[i]
	}
	return nil, nil
}

// subOf is the map key an item goes under, if it is a map entry (an
// attribute): its own, or, for an item encoded without one because it
// follows an origin (a key set again: the new value's origin is the
// old), its origin's, as integration takes it.
func (in *inspector) subOf(it *Item) (string, bool) {
	for range len(in.u.clients) + 1<<16 { // a chain of origins in the update ends long before
		switch {
		case it.hasParentSub():
			return it.parentSub, true
		case it.pend != nil || !it.hasOrigin():
			return "", false
		}
		stored, fromUpdate := in.lookup(it.origin)
		switch {
		case stored != nil:
			return stored.parentSub, !stored.isGC() && stored.hasParentSub()
		case fromUpdate == nil || fromUpdate == it:
			return "", false
		}
		it = fromUpdate
	}
	return "", false
}

// dependency is the struct whose placement decides it's parent: the
// holder of its parent type, its origin or its right origin.
func dependency(it *Item) (ID, bool) {
	switch {
	case it.pend != nil && it.pend.hasID:
		return it.pend.id, true
	case it.pend != nil:
		return ID{}, false // a root, by name
	case it.hasOrigin():
		return it.origin, true
	case it.hasRightOrigin():
		return it.rightOrigin, true
	}
	return ID{}, false
}

// parentOf resolves where an update's item goes. Items of the update may
// depend on each other in any order and in long chains (typing), so it
// walks them with an explicit stack rather than recursion.
func (in *inspector) parentOf(it *Item) (TypeInfo, error) {
	if p, ok := in.parents[it]; ok {
		return p, nil
	}
	stack := append(in.stack[:0], it)
	onStack := in.onStack
	if onStack == nil {
		onStack = map[*Item]bool{}
		in.onStack = onStack
	}
	clear(onStack)
	onStack[it] = true
	defer func() { in.stack = stack[:0] }()
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		info, dep, err := in.resolveOne(top)
		if err != nil {
			return TypeInfo{}, err
		}
		if dep != nil {
			if onStack[dep] {
				return TypeInfo{}, fmt.Errorf("%w: struct %v is placed relative to itself", ErrInvalidUpdate, top.id)
			}
			stack = append(stack, dep)
			onStack[dep] = true
			continue
		}
		in.parents[top] = info
		delete(onStack, top)
		stack = stack[:len(stack)-1]
	}
	return in.parents[it], nil
}

// resolveOne resolves it's parent if what it depends on is known, or
// returns the update's item it waits for.
func (in *inspector) resolveOne(it *Item) (TypeInfo, *Item, error) {
	if it.pend != nil && !it.pend.hasID {
		return rootInfo(in.d, it.pend.key), nil, nil
	}
	id, ok := dependency(it)
	if !ok {
		return TypeInfo{}, nil, fmt.Errorf("%w: struct %v has neither parent nor origin", ErrInvalidUpdate, it.id)
	}
	stored, fromUpdate := in.lookup(id)
	holder := it.pend != nil // the dependency holds the parent type
	switch {
	case stored != nil:
		if holder {
			c, ok := stored.content.(*contentType)
			if !ok || stored.isGC() {
				return TypeInfo{Orphan: true}, nil, nil
			}
			return typeInfo(c.t), nil, nil
		}
		if stored.isGC() || stored.parent == nil {
			return TypeInfo{Orphan: true}, nil, nil
		}
		return typeInfo(stored.parent), nil, nil
	case fromUpdate != nil:
		p, done := in.parents[fromUpdate]
		if !done {
			return TypeInfo{}, fromUpdate, nil
		}
		if !holder {
			return p, nil, nil
		}
		c, ok := fromUpdate.content.(*contentType)
		if !ok || fromUpdate.isGC() || p.Orphan {
			return TypeInfo{Orphan: true}, nil, nil
		}
		return TypeInfo{Root: p.Root, Kind: c.t.kind.String(), NodeName: c.t.nodeName}, nil, nil
	}
	return TypeInfo{}, nil, fmt.Errorf("%w: struct %v follows %v", ErrUnresolved, it.id, id)
}

// rootInfo describes the root named name, whether or not d has used it.
func rootInfo(d *Doc, name string) TypeInfo {
	kind := kindUnknown
	if t, ok := d.share[name]; ok {
		kind = t.kind
	}
	return TypeInfo{Root: name, IsRoot: true, Kind: kind.String()}
}

// typeInfo describes an integrated type.
func typeInfo(t *Type) TypeInfo {
	info := TypeInfo{Kind: t.kind.String(), NodeName: t.nodeName, IsRoot: t.item == nil}
	for t.item != nil {
		if t.item.isGC() || t.item.parent == nil {
			return TypeInfo{Orphan: true}
		}
		t = t.item.parent
	}
	info.Root = t.name
	return info
}

func contentInfo(c content) ContentInfo {
	switch c := c.(type) {
	case *contentString:
		return ContentInfo{Kind: "string"}
	case *contentAny:
		return ContentInfo{Kind: "any"}
	case *contentJSON:
		return ContentInfo{Kind: "json"}
	case *contentBinary:
		return ContentInfo{Kind: "binary"}
	case *contentEmbed:
		return ContentInfo{Kind: "embed"}
	case *contentFormat:
		return ContentInfo{Kind: "format", Key: c.key}
	case *contentType:
		return ContentInfo{Kind: "type", Type: TypeInfo{Kind: c.t.kind.String(), NodeName: c.t.nodeName}}
	case *contentDoc:
		return ContentInfo{Kind: "doc"}
	}
	return ContentInfo{Kind: "deleted"}
}
