package meeting

import (
	"errors"
	"fmt"
)

// Session states, in lifecycle order. The meeting document's
// session.state and the stored session record (package notes) move
// through the same states by the same rule, Transition.
const (
	StateScheduled = "scheduled"
	StateLive      = "live"
	StateEnded     = "ended"
)

// ErrBadTransition is a state change the lifecycle does not allow.
var ErrBadTransition = errors.New("invalid session state transition")

// Transition checks a session state change: scheduled → live → ended,
// nothing else (no restart, no skipping).
func Transition(from, to string) error {
	if (from == StateScheduled && to == StateLive) || (from == StateLive && to == StateEnded) {
		return nil
	}
	if from == "" {
		from = "unset"
	}
	return fmt.Errorf("%w: %s → %s", ErrBadTransition, from, to)
}

// ValidRole reports whether r is one of the four roles.
func ValidRole(r Role) bool { return r.valid() }
