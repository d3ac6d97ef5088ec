package notes

import (
	"context"
	"errors"
	"fmt"

	"github.com/cocreate/cocreate/crdt"
)

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("notes: store closed")

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
// transaction with crdt.MergeUpdates, so a crash during compaction loses
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

// merge folds a snapshot and updates into one update.
func merge(doc string, snapshot []byte, updates [][]byte) ([]byte, error) {
	parts := make([][]byte, 0, len(updates)+1)
	if snapshot != nil {
		parts = append(parts, snapshot)
	}
	parts = append(parts, updates...)
	merged, err := crdt.MergeUpdates(parts)
	if err != nil {
		return nil, fmt.Errorf("compact %s: %w", doc, err)
	}
	return merged, nil
}
