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
	ErrNotFound    = errors.New("not found")
	ErrForbidden   = errors.New("forbidden")
	ErrConflict    = errors.New("conflict")
	ErrQuota       = errors.New("quota exceeded")
	ErrInvalid     = errors.New("invalid input")
	ErrGone        = errors.New("gone")
	ErrUnavailable = errors.New("unavailable")
)

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
	case errors.Is(err, notes.ErrSessionNotFound):
		return fail(ErrNotFound, "not_found", "%v", err)
	case errors.Is(err, notes.ErrBadTransition):
		return fail(ErrConflict, "invalid_transition", "%v", err)
	case errors.Is(err, notes.ErrInvalidSession):
		return fail(ErrInvalid, "invalid_session", "%v", err)
	case errors.Is(err, notes.ErrBadPageToken):
		return fail(ErrInvalid, "bad_page_token", "%v", err)
	case errors.Is(err, notes.ErrVersionNotFound):
		return fail(ErrNotFound, "version_not_found", "%v", err)
	case errors.Is(err, notes.ErrInvalidVersion):
		return fail(ErrInvalid, "invalid_version", "%v", err)
	case errors.Is(err, notes.ErrEmptyQuery):
		return fail(ErrInvalid, "empty_query", "q has no words to search for")
	case errors.Is(err, notes.ErrContended):
		return fail(ErrUnavailable, "busy", "the session is being changed by many at once; try again")
	case errors.Is(err, hub.ErrGone):
		return fail(ErrNotFound, "not_found", "the session was deleted")
	case errors.Is(err, hub.ErrClosed):
		return fail(ErrUnavailable, "shutting_down", "the server is shutting down")
	case errors.Is(err, hub.ErrLockBusy), errors.Is(err, hub.ErrLockLost):
		return fail(ErrUnavailable, "busy", "the meeting is busy; try again")
	}
	return err
}
