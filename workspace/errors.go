package workspace

import (
	"errors"
	"fmt"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// The kinds of error a use case returns. The edge maps each to one
// status (server/errors.go); every error of this package wraps one of
// them, as an *Error with a code and a message a person can act on.
var (
	ErrNotFound, ErrForbidden, ErrConflict, ErrQuota error = Kind("not found"), Kind("forbidden"), Kind("conflict"), Kind("quota exceeded")
	ErrInvalid, ErrGone, ErrUnavailable              error = Kind("invalid input"), Kind("gone"), Kind("unavailable")
)

// Kind is the type of the sentinels: what sort of failure it is.
type Kind string

func (k Kind) Error() string { return string(k) }

// Error is a refused or failed use case: Kind is one of the sentinels
// above, Code a stable snake_case word for clients, Message the
// explanation.
type Error struct {
	Kind    error
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap lets errors.Is find the Kind.
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, code, format string, a ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, a...)}
}

// classify turns the errors of the layers below (meeting, hub, notes)
// into an *Error; errors it does not know are returned as they are
// (internal failures).
func classify(err error) error {
	var we *Error
	var me *meeting.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &we):
		return we
	case errors.As(err, &me):
		kind := map[int]error{400: ErrInvalid, 403: ErrForbidden, 404: ErrNotFound, 409: ErrConflict}[me.Status]
		if kind == nil {
			kind = ErrInvalid
		}
		return &Error{Kind: kind, Code: me.Code, Message: me.Message}
	}
	for _, b := range below {
		if errors.Is(err, b.err) {
			msg := b.message
			if msg == "" {
				msg = err.Error()
			}
			return &Error{Kind: b.kind, Code: b.code, Message: msg}
		}
	}
	return err
}

// below maps the sentinel errors of the packages below to an Error (an
// empty message keeps the error's own).
var below = []struct {
	err           error
	kind          error
	code, message string
}{
	{notes.ErrSessionNotFound, ErrNotFound, "not_found", ""},
	{notes.ErrBadTransition, ErrConflict, "invalid_transition", ""},
	{notes.ErrInvalidSession, ErrInvalid, "invalid_session", ""},
	{notes.ErrBadPageToken, ErrInvalid, "bad_page_token", ""},
	{notes.ErrVersionNotFound, ErrNotFound, "version_not_found", ""},
	{notes.ErrInvalidVersion, ErrInvalid, "invalid_version", ""},
	{notes.ErrEmptyQuery, ErrInvalid, "empty_query", "q has no words to search for"},
	{notes.ErrLastOwner, ErrConflict, "last_owner", "a space keeps at least one owner: make someone else owner first"},
	{notes.ErrSpaceNotFound, ErrNotFound, "not_found", "no such space"},
	{notes.ErrNotMember, ErrNotFound, "not_member", "not a member of this space"},
	{notes.ErrInviteNotFound, ErrNotFound, "not_found", "no such invite (it may have been revoked): ask for a new link"},
	{notes.ErrInviteSpent, ErrGone, "invite_spent", "this invite has expired or been used up: ask for a new link"},
	{notes.ErrContended, ErrUnavailable, "busy", "the session is being changed by many at once; try again"},
	{hub.ErrGone, ErrNotFound, "not_found", "the session was deleted"},
	{hub.ErrClosed, ErrUnavailable, "shutting_down", "the server is shutting down"},
	{hub.ErrLockBusy, ErrUnavailable, "busy", "the meeting is busy; try again"},
	{hub.ErrLockLost, ErrUnavailable, "busy", "the meeting is busy; try again"},
}
