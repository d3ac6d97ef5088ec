package notes

import (
	"context"
	"fmt"

	"github.com/cocreate/cocreate/crdt"
)

// State is what a Store holds for one document: the latest snapshot (nil
// if none) and the updates appended after it, oldest first. Applying the
// snapshot then every update, in any order, rebuilds the document.
type State struct {
	Snapshot []byte
	Updates  [][]byte
}

// Store keeps the update log of documents durably. Implementations are
// safe for concurrent use; a document's log may be appended to by several
// instances at once, since CRDT updates commute.
//
// The design: every applied update is appended (in batches, by the hub's
// persister, off the live path); Load returns the snapshot and the updates
// appended since; Compact folds them into a new snapshot in one
// transaction (merge: applied to a garbage-collecting document and
// re-encoded, so deleted content is dropped), so a crash during compaction loses
// nothing and an update appended concurrently is kept.
type Store interface {
	// Append durably appends updates to doc's log, all or none. When it
	// returns nil the updates survive a crash of the process.
	Append(ctx context.Context, doc string, updates ...[]byte) error
	// Load returns doc's snapshot and later updates; an unknown doc
	// returns the zero State and no error.
	Load(ctx context.Context, doc string) (State, error)
	// Compact merges doc's snapshot and updates into one snapshot and
	// drops the merged updates. It returns how many updates it merged.
	Compact(ctx context.Context, doc string) (int, error)
	// DeletePrefix drops every document whose name starts with prefix
	// (snapshot and updates), e.g. "{session}/" for a deleted session.
	DeletePrefix(ctx context.Context, prefix string) error
	// Close releases the store.
	Close() error
}

// Apply applies the state to d: the snapshot, then the updates in
// order. It stops at the first that fails and says which.
func (st State) Apply(d *crdt.Doc) error {
	if st.Snapshot != nil {
		if err := d.ApplyUpdate(st.Snapshot, nil); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	}
	for i, u := range st.Updates {
		if err := d.ApplyUpdate(u, nil); err != nil {
			return fmt.Errorf("update %d: %w", i, err)
		}
	}
	return nil
}

// LoadDoc returns a new document holding what s stores of doc.
func LoadDoc(ctx context.Context, s Store, doc string) (*crdt.Doc, error) {
	st, err := s.Load(ctx, doc)
	if err != nil {
		return nil, err
	}
	d := crdt.NewDoc(crdt.DocOptions{})
	if err := st.Apply(d); err != nil {
		return nil, fmt.Errorf("load %s: %w", doc, err)
	}
	return d, nil
}

// merge folds a snapshot and updates into one update: the state of a
// document (garbage collection on, as yjs by default) that applied them
// all, so the content of deleted items is forgotten — text typed and
// deleted is not kept in the snapshot row, only the deletion's ids. The
// deleted content a named version still shows lives in that version's
// own snapshot (Versions), not in the log, so compaction never needs to
// keep it. Updates still waiting for what they depend on are kept
// (EncodeStateAsUpdate carries pending structs).
func merge(doc string, snapshot []byte, updates [][]byte) ([]byte, error) {
	d := crdt.NewDoc(crdt.DocOptions{})
	if err := (State{Snapshot: snapshot, Updates: updates}).Apply(d); err != nil {
		return nil, fmt.Errorf("compact %s: %w", doc, err)
	}
	merged, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		return nil, fmt.Errorf("compact %s: %w", doc, err)
	}
	return merged, nil
}
