package workspace

import (
	"strings"
	"unicode/utf8"

	"github.com/cocreate/cocreate/meeting"
)

// Limits of names and texts people give; the meeting commands check the
// same ones (package meeting), so what the REST API accepts the meeting
// accepts too.
const (
	// MaxNameLen bounds the session and document parts of a document
	// name, and a session id.
	MaxNameLen = 128
	// MaxTitle bounds titles and version names.
	MaxTitle = meeting.MaxTitle
)

// CheckName validates one part of a document name ({session}/{doc}) or
// a session id: 1 to MaxNameLen bytes of UTF-8, no NUL, no slash.
func CheckName(what, s string) error {
	switch {
	case s == "" || len(s) > MaxNameLen:
		return fail(ErrInvalid, "bad_name", "%s must be 1 to %d bytes", what, MaxNameLen)
	case !utf8.ValidString(s):
		return fail(ErrInvalid, "bad_name", "%s must be UTF-8", what)
	case strings.ContainsAny(s, "\x00/"):
		return fail(ErrInvalid, "bad_name", "%s must not contain NUL or /", what)
	}
	return nil
}

// CheckText validates a text field as the meeting does (meeting.CheckText).
func CheckText(field, s string, max int) error {
	if err := meeting.CheckText(field, s, max); err != nil {
		return classify(err)
	}
	return nil
}
