package workspace

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// meetings is what the workspace keeps per session beside the
// {session}/meeting document: the ballots (the only copy of an anonymous
// poll's without a BallotKey), and who is connected, for attendance.
// The ballots of a session are touched only inside hub.Registry.Do on
// its meeting document, which the hub serialises; mu guards the maps.
type meetings struct {
	mu       sync.Mutex
	ballots  map[string]map[string]map[string][]int // session → poll → subject → choices
	presence map[string]map[string]*presence        // session → subject
}

func newMeetings() *meetings {
	return &meetings{
		ballots:  map[string]map[string]map[string][]int{},
		presence: map[string]map[string]*presence{},
	}
}

func (ms *meetings) ballotsOf(session string) map[string]map[string][]int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	b := ms.ballots[session]
	if b == nil {
		b = map[string]map[string][]int{}
		ms.ballots[session] = b
	}
	return b
}

// forget drops what is kept for a deleted session.
func (ms *meetings) forget(session string) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	delete(ms.ballots, session)
	delete(ms.presence, session)
}

// serverOrigin marks the server's own transactions on meeting documents.
type serverOrigin struct{}

// openMeeting wraps the session's meeting document. A new document is
// seeded from the session record (title, host, planned agenda) in the
// same call, so it is seeded exactly once, by whichever command or
// connection loads it first.
func (w *Workspace) openMeeting(sess notes.Session, d *crdt.Doc) (*meeting.Meeting, error) {
	fresh := !d.GetMap("session").Has("state")
	m := meeting.New(d, meeting.Options{
		Title:     sess.Title,
		Host:      sess.Host,
		Origin:    serverOrigin{},
		Ballots:   w.meetings.ballotsOf(sess.ID),
		BallotKey: w.cfg.BallotKey,
	})
	if !fresh {
		return m, nil
	}
	host := meeting.Actor{Subject: sess.Host, Name: "host", Role: RoleHost}
	now := w.now()
	for _, a := range sess.Agenda {
		minutes := a.Minutes
		cmd := meeting.Command{Type: "agenda.add", ID: a.ID, Title: a.Title, Minutes: &minutes}
		if _, err := m.Apply(cmd, host, now); err != nil {
			return nil, fmt.Errorf("seed agenda of %s: %w", sess.ID, err)
		}
	}
	return m, nil
}

// applyMeeting runs fn on the session's meeting, one command at a time
// across instances (w.lock): the state the previous command left is
// merged first, and the state after fn is handed on.
func (w *Workspace) applyMeeting(ctx context.Context, sess notes.Session, fn func(*meeting.Meeting) error) error {
	run := func(latest []byte) ([]byte, error) {
		var next []byte
		err := w.hubs.Do(sess.ID+"/meeting", func(d *crdt.Doc) error {
			if latest != nil {
				if err := d.ApplyUpdate(latest, serverOrigin{}); err != nil {
					return fmt.Errorf("meeting state handed over for %s: %w", sess.ID, err)
				}
			}
			m, err := w.openMeeting(sess, d)
			if err != nil {
				return err
			}
			if err := fn(m); err != nil {
				return err
			}
			if w.lock != nil {
				next, err = d.EncodeStateAsUpdate(nil)
			}
			return err
		})
		return next, err
	}
	if w.lock == nil {
		_, err := run(nil)
		return err
	}
	return w.lock.Run(ctx, "meeting:"+sess.ID, run)
}

// Command checks and applies one meeting command (JSON, strictly
// decoded) of caller in session, and carries out what it implies
// outside the document: the session's state in the store (and its
// post-meeting version), a changed role on the person's live
// connections on every instance.
func (w *Workspace) Command(ctx context.Context, c Caller, session string, body []byte) (meeting.Result, error) {
	sess, role, err := w.session(ctx, c, Read, session)
	if err != nil {
		return meeting.Result{}, err
	}
	if !w.limits.allowCommand(c.Subject) {
		return meeting.Result{}, fail(ErrQuota, "rate_limited", "too many commands: at most %v per second per person", w.cfg.RateCommands)
	}
	cmd, err := meeting.DecodeCommand(body)
	if err != nil {
		return meeting.Result{}, classify(err)
	}
	if cmd.Type == "participant.join" || cmd.Type == "participant.leave" {
		return meeting.Result{}, fail(ErrInvalid, "server_only",
			"attendance is recorded by the server from your connections; %s cannot be sent", cmd.Type)
	}
	return w.command(ctx, c, sess, role, cmd)
}

// command applies an authorized, decoded command.
func (w *Workspace) command(ctx context.Context, c Caller, sess notes.Session, role Role, cmd meeting.Command) (meeting.Result, error) {
	actor := meeting.Actor{Subject: c.Subject, Name: c.Name, Role: role}
	// One instant for the meeting document (milliseconds) and the session
	// record, so started_at and ended_at say the same moment in both.
	now := w.now().Truncate(time.Millisecond)
	var res meeting.Result
	err := w.applyMeeting(ctx, sess, func(m *meeting.Meeting) error {
		var err error
		res, err = m.Apply(cmd, actor, now)
		return err
	})
	if err != nil {
		return res, classify(err)
	}
	switch cmd.Type {
	case "session.start", "session.end":
		state := notes.StateLive
		if cmd.Type == "session.end" {
			state = notes.StateEnded
		}
		stored, err := w.store.UpdateSession(ctx, sess.ID, notes.SetState(state, now))
		if err != nil && !errors.Is(err, notes.ErrBadTransition) {
			w.log.Error("session state not stored", "session", sess.ID, "state", state, "err", err)
			return res, fail(ErrUnavailable, "store_failed", "the meeting changed but the session record was not updated: %v", err)
		}
		if err == nil {
			w.emit(ctx, map[string]string{notes.StateLive: evSessionStarted, notes.StateEnded: evSessionEnded}[state], stored, 0)
		}
		w.log.Info("session state", "session", sess.ID, "state", state, "by", c.Subject)
		if cmd.Type == "session.end" {
			// The post-meeting notes: every document of the session as
			// it stands at the end, kept as a version and indexed.
			if _, err := w.saveVersions(ctx, sess, notes.KindPostMeeting, "post-meeting"); err != nil {
				w.log.Error("post-meeting version not saved", "session", sess.ID, "err", err)
				return res, fail(ErrUnavailable, "store_failed", "the session ended but its post-meeting version was not saved: %v", err)
			}
		}
	case "role.set":
		if _, err := w.store.UpdateSession(ctx, sess.ID, notes.SetRole(cmd.Subject, cmd.Role)); err != nil {
			w.log.Error("role not stored", "session", sess.ID, "subject", cmd.Subject, "err", err)
			return res, fail(ErrUnavailable, "store_failed", "the role changed in the meeting but was not stored: %v", err)
		}
		// Every instance, this one included, applies it to the person's
		// live connections.
		n := w.hubs.SetReadOnly(sess.ID, cmd.Subject, cmd.Role == RoleViewer)
		w.log.Info("role changed", "session", sess.ID, "subject", cmd.Subject, "role", cmd.Role, "live_connections_here", n)
	}
	return res, nil
}

// MeetingState is the whole live meeting state as JSON values, for
// clients that do not run Yjs.
func (w *Workspace) MeetingState(ctx context.Context, c Caller, session string) (map[string]any, error) {
	sess, _, err := w.session(ctx, c, Read, session)
	if err != nil {
		return nil, err
	}
	var state map[string]any
	err = w.hubs.Do(sess.ID+"/meeting", func(d *crdt.Doc) error {
		m, err := w.openMeeting(sess, d)
		if err != nil {
			return err
		}
		state = m.State()
		return nil
	})
	return state, classify(err)
}
