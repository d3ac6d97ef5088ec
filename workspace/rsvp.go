package workspace

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/notes/render"
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
// for its hosts and cohosts — once the meeting has started, beside who
// actually came (the meeting's attendance).
type RSVPSummary struct {
	Going    int          `json:"going"`
	Maybe    int          `json:"maybe"`
	NotGoing int          `json:"not_going"`
	Mine     string       `json:"mine,omitempty"`
	People   []RSVPPerson `json:"people,omitempty"`
	// Unannounced are those who came without answering (hosts only).
	Unannounced []string `json:"attended_without_answer,omitempty"`
}

// RSVPPerson is one answer, and whether that person came (set once
// the meeting has started): was in the room while the meeting ran
// (render.MeetingRecord.Came), not merely before it started.
type RSVPPerson struct {
	notes.RSVP
	Attended *bool `json:"attended,omitempty"`
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
	return w.rsvpSummary(ctx, c, sess, r)
}

// RSVPs returns a session's answers as c may see them.
func (w *Workspace) RSVPs(ctx context.Context, c Caller, id string) (RSVPSummary, error) {
	sess, r, err := w.session(ctx, c, Read, id)
	if err != nil {
		return RSVPSummary{}, err
	}
	return w.rsvpSummary(ctx, c, sess, r)
}

func (w *Workspace) rsvpSummary(ctx context.Context, c Caller, sess notes.Session, r Role) (RSVPSummary, error) {
	all, err := w.store.RSVPs(ctx, sess.ID)
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
	if !slices.Contains(allows[Run], r) {
		return s, nil
	}
	var came map[string]bool
	if sess.State != notes.StateScheduled {
		raw, err := w.currentState(sess.ID + "/meeting")
		if err != nil {
			return RSVPSummary{}, err
		}
		rec, err := render.RecordUpdate(raw)
		if err != nil {
			return RSVPSummary{}, fmt.Errorf("meeting record of %s: %w", sess.ID, err)
		}
		came = rec.Came()
	}
	answered := map[string]bool{}
	s.People = make([]RSVPPerson, len(all))
	for i, v := range all {
		s.People[i].RSVP = v
		answered[v.Subject] = true
		if came != nil {
			attended := came[v.Subject]
			s.People[i].Attended = &attended
		}
	}
	for sub := range came {
		if !answered[sub] {
			s.Unannounced = append(s.Unannounced, sub)
		}
	}
	slices.Sort(s.Unannounced)
	return s, nil
}

// recordAnswers is rsvpSummary as the record writes it (c runs the
// meeting): who said going and came, said going and did not come, came
// without answering, by the name the record has for them, else their
// profile's, else (not "Someone") their subject.
func (w *Workspace) recordAnswers(ctx context.Context, c Caller, sess notes.Session, r Role, rec *render.MeetingRecord) (*render.Answers, error) {
	s, err := w.rsvpSummary(ctx, c, sess, r)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, a := range rec.Attendees {
		names[a.Subject] = a.Name
	}
	name := func(sub string) (string, error) {
		if n := names[sub]; n != "" {
			return n, nil
		}
		p, err := w.store.GetProfile(ctx, sub)
		switch {
		case err != nil:
			return "", err
		case p.Name != "":
			return p.Name, nil
		case strings.HasPrefix(sub, "guest:"):
			return DefaultName(sub), nil
		}
		return sub, nil
	}
	a := &render.Answers{Going: s.Going, Maybe: s.Maybe, NotGoing: s.NotGoing}
	add := func(to *[]string, sub string) error {
		n, err := name(sub)
		*to = append(*to, n)
		return err
	}
	for _, p := range s.People {
		if p.Answer != notes.RSVPGoing {
			continue
		}
		to := &a.GoingMissed
		if p.Attended != nil && *p.Attended {
			to = &a.GoingCame
		}
		if err := add(to, p.Subject); err != nil {
			return nil, err
		}
	}
	for _, sub := range s.Unannounced {
		if err := add(&a.Unannounced, sub); err != nil {
			return nil, err
		}
	}
	for _, l := range [][]string{a.GoingCame, a.GoingMissed, a.Unannounced} {
		slices.Sort(l)
	}
	return a, nil
}
