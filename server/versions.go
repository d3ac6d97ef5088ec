package server

import (
	"context"
	"errors"
	"fmt"
)

// errVersionNotFound: no such version of a session's documents.
var errVersionNotFound = errors.New("version not found")

// versionStates returns the notes and meeting documents of a session as
// saved in version n.
func (s *Server) versionStates(ctx context.Context, session string, n int) (notesRaw, meetingRaw []byte, err error) {
	return nil, nil, fmt.Errorf("%w: session %s has no version %d", errVersionNotFound, session, n)
}
