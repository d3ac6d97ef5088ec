package workspace

import (
	"context"
	"errors"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
)

// presence is one person's connections to one session: how many are
// open, and the attendance command last started for them (done when it
// has run), so their joins and leaves are recorded in order.
type presence struct {
	conns int
	last  chan struct{}
}

// attend counts a connection of c to sess opening (enter) or closing,
// and when it is the first or the last, records participant.join or
// participant.leave in the background, after the person's previous
// attendance command: the socket is served at once, never held up by
// the meeting lock or a meeting document that is loading.
func (w *Workspace) attend(sess notes.Session, c Caller, role Role, enter bool) {
	ms := w.meetings
	ms.mu.Lock()
	if !enter && ms.presence[sess.ID][c.Subject] == nil {
		// Forgotten meanwhile (the session was deleted): nothing to record.
		ms.mu.Unlock()
		return
	}
	p := ms.presence[sess.ID]
	if p == nil {
		p = map[string]*presence{}
		ms.presence[sess.ID] = p
	}
	me := p[c.Subject]
	if me == nil {
		me = &presence{}
		p[c.Subject] = me
	}
	if enter {
		me.conns++
	} else {
		me.conns--
	}
	first, last := enter && me.conns == 1, !enter && me.conns == 0
	if me.conns == 0 {
		delete(p, c.Subject)
		if len(p) == 0 {
			delete(ms.presence, sess.ID)
		}
	}
	if !first && !last {
		ms.mu.Unlock()
		return
	}
	prev, done := me.last, make(chan struct{})
	me.last = done
	ms.mu.Unlock()
	typ := "participant.join"
	if last {
		typ = "participant.leave"
	}
	w.bg.Go(func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		w.record(sess, c, role, typ)
	})
}

// record applies one attendance command.
func (w *Workspace) record(sess notes.Session, c Caller, role Role, typ string) {
	actor := meeting.Actor{Subject: c.Subject, Name: c.Name, Role: role}
	err := w.applyMeeting(context.Background(), sess, func(m *meeting.Meeting) error {
		_, err := m.Apply(meeting.Command{Type: typ}, actor, w.now())
		return err
	})
	var me *meeting.Error
	if errors.As(err, &me) && me.Code == meeting.CodeConflict {
		// Already present (or gone) in the document: another instance,
		// or a record left by a crash, said so first.
		return
	}
	if err != nil && !errors.Is(err, hub.ErrClosed) && !errors.Is(err, hub.ErrGone) {
		w.log.Warn("attendance not recorded", "session", sess.ID, "subject", c.Subject, "command", typ, "err", err)
	}
}

// present lists the people connected to a session on this instance.
func (ms *meetings) present(session string) []string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var out []string
	for sub := range ms.presence[session] {
		out = append(out, sub)
	}
	return out
}
