package workspace

import (
	"context"
	"slices"

	"github.com/cocreate/cocreate/notes"
)

// maxRSVPs bounds the answers one session keeps (a public session can
// be answered by anyone with the link).
const maxRSVPs = 10000

// RSVPInput is a person's answer to a session.
type RSVPInput struct {
	Answer string `json:"answer"`
}

// RSVPSummary is a session's answers as one caller sees them: the
// counts and their own answer for every reader, and who answered what
// for its hosts and cohosts.
type RSVPSummary struct {
	Going    int          `json:"going"`
	Maybe    int          `json:"maybe"`
	NotGoing int          `json:"not_going"`
	Mine     string       `json:"mine,omitempty"`
	People   []notes.RSVP `json:"people,omitempty"`
}

// SetRSVP records c's answer (going, maybe, not_going) to a session
// they may read that has not ended.
func (w *Workspace) SetRSVP(ctx context.Context, c Caller, id string, in RSVPInput) (RSVPSummary, error) {
	sess, r, err := w.session(ctx, c, Read, id)
	if err != nil {
		return RSVPSummary{}, err
	}
	switch in.Answer {
	case notes.RSVPGoing, notes.RSVPMaybe, notes.RSVPNotGoing:
	default:
		return RSVPSummary{}, fail(ErrInvalid, "bad_answer", "answer must be going, maybe or not_going, not %q", in.Answer)
	}
	if sess.State == notes.StateEnded {
		return RSVPSummary{}, fail(ErrConflict, "session_ended", "the session has ended; answers are closed")
	}
	have, err := w.store.RSVPs(ctx, sess.ID)
	if err != nil {
		return RSVPSummary{}, err
	}
	if len(have) >= maxRSVPs && !slices.ContainsFunc(have, func(v notes.RSVP) bool { return v.Subject == c.Subject }) {
		return RSVPSummary{}, fail(ErrQuota, "too_many_rsvps", "the session has %d answers, the most it keeps", len(have))
	}
	if err := w.store.SetRSVP(ctx, sess.ID, notes.RSVP{Subject: c.Subject, Answer: in.Answer, UpdatedAt: w.now()}); err != nil {
		return RSVPSummary{}, err
	}
	return w.rsvpSummary(ctx, c, sess.ID, r)
}

// RSVPs returns a session's answers as c may see them.
func (w *Workspace) RSVPs(ctx context.Context, c Caller, id string) (RSVPSummary, error) {
	sess, r, err := w.session(ctx, c, Read, id)
	if err != nil {
		return RSVPSummary{}, err
	}
	return w.rsvpSummary(ctx, c, sess.ID, r)
}

func (w *Workspace) rsvpSummary(ctx context.Context, c Caller, id string, r Role) (RSVPSummary, error) {
	all, err := w.store.RSVPs(ctx, id)
	if err != nil {
		return RSVPSummary{}, err
	}
	var s RSVPSummary
	for _, v := range all {
		switch v.Answer {
		case notes.RSVPGoing:
			s.Going++
		case notes.RSVPMaybe:
			s.Maybe++
		case notes.RSVPNotGoing:
			s.NotGoing++
		}
		if v.Subject == c.Subject {
			s.Mine = v.Answer
		}
	}
	if slices.Contains(allows[Run], r) {
		s.People = all
	}
	return s, nil
}
