package notes

import (
	"errors"

	"github.com/cocreate/cocreate/meeting"
)

// The sentinel errors callers branch on (errors.Is), by interface; the
// Pulse's are in pulse.go.
var (
	// ErrClosed is returned by a Store used after Close.
	ErrClosed = errors.New("notes: store closed")

	// Sessions.
	ErrSessionNotFound = errors.New("notes: session not found")
	ErrSessionExists   = errors.New("notes: session already exists")
	ErrBadTransition   = meeting.ErrBadTransition
	// ErrContended: a session record kept changing under UpdateSession
	// for maxCASAttempts reads in a row.
	ErrContended      = errors.New("notes: session record contended; try again")
	ErrInvalidSession = errors.New("notes: invalid session")
	// ErrBadPageToken is returned for a page token List did not produce.
	ErrBadPageToken = errors.New("notes: bad page token")

	// Access.
	ErrSpaceNotFound  = errors.New("notes: space not found")
	ErrNotMember      = errors.New("notes: not a member of the space")
	ErrLastOwner      = errors.New("notes: a space keeps at least one owner")
	ErrInviteNotFound = errors.New("notes: invite not found")
	// ErrInviteSpent: the invite expired or its uses are all taken.
	ErrInviteSpent = errors.New("notes: invite expired or used up")

	// Versions.
	ErrVersionNotFound = errors.New("notes: version not found")
	ErrInvalidVersion  = errors.New("notes: invalid version")

	// SeriesStore.
	ErrSeriesNotFound     = errors.New("notes: series not found")
	ErrOccurrenceNotFound = errors.New("notes: not an occurrence of a series")

	// Index.
	ErrEmptyQuery   = errors.New("notes: the search has no words to look for")
	ErrInvalidEntry = errors.New("notes: invalid search entry")
)
