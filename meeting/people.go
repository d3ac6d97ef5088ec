package meeting

import (
	"time"

	"github.com/cocreate/cocreate/crdt"
)

func (m *Meeting) participantResult(subject string) Result {
	return Result{Part: "participant", State: getMap(m.participants, subject).ToJSON()}
}

// participantJoin records the actor as present with their current role.
// A rejoin keeps the first joinedAt and clears leftAt. Every role may
// join and leave (it is attendance, not a permission).
func (m *Meeting) participantJoin(c *Command, a Actor, now time.Time) (Result, *Error) {
	p := getMap(m.participants, a.Subject)
	if p != nil && !p.Has("leftAt") {
		return Result{}, conflict("%q has already joined", a.Subject)
	}
	m.write(func() {
		if p == nil {
			p = crdt.NewMap()
			_ = m.participants.Set(a.Subject, p)
			_ = p.Set("joinedAt", ms(now))
		}
		_ = p.Set("name", a.Name)
		_ = p.Set("role", string(a.Role))
		p.Delete("leftAt")
	})
	return m.participantResult(a.Subject), nil
}

func (m *Meeting) participantLeave(c *Command, a Actor, now time.Time) (Result, *Error) {
	p := getMap(m.participants, a.Subject)
	if p == nil {
		return Result{}, notFound("%q has not joined", a.Subject)
	}
	if p.Has("leftAt") {
		return Result{}, conflict("%q has already left", a.Subject)
	}
	m.write(func() { _ = p.Set("leftAt", ms(now)) })
	return m.participantResult(a.Subject), nil
}

// roleSet changes a participant's role. Only the host makes or unmakes
// co-hosts; nobody changes the host's role, and "host" is never assigned.
// The caller applies the new role to that person's live connections.
func (m *Meeting) roleSet(c *Command, a Actor, _ time.Time) (Result, *Error) {
	if c.Subject == "" {
		return Result{}, badRequest("subject is required")
	}
	switch c.Role {
	case RoleCoHost, RoleMember, RoleViewer:
	case RoleHost:
		return Result{}, badRequest("the host role cannot be assigned")
	default:
		return Result{}, badRequest("unknown role %q", c.Role)
	}
	if c.Subject == getString(m.session, "host") {
		return Result{}, forbidden("nobody may change the host's role")
	}
	p := getMap(m.participants, c.Subject)
	if p == nil {
		return Result{}, notFound("%q is not a participant", c.Subject)
	}
	old := Role(getString(p, "role"))
	if old == RoleHost {
		return Result{}, forbidden("nobody may change the host's role")
	}
	if (c.Role == RoleCoHost || old == RoleCoHost) && a.Role != RoleHost {
		return Result{}, forbidden("only the host may make or unmake co-hosts")
	}
	if old == c.Role {
		return Result{}, conflict("%q is already %s", c.Subject, c.Role)
	}
	m.write(func() { _ = p.Set("role", string(c.Role)) })
	return m.participantResult(c.Subject), nil
}

func (m *Meeting) sessionResult() Result {
	return Result{Part: "session", State: m.session.ToJSON()}
}

// sessionStart moves scheduled → live and makes the first agenda item
// current (when there is one and none is), so the clock of the first
// item starts with the meeting. An empty host is filled in with the actor.
func (m *Meeting) sessionStart(c *Command, a Actor, now time.Time) (Result, *Error) {
	if st := getString(m.session, "state"); Transition(st, StateLive) != nil {
		return Result{}, conflict("cannot start a session that is %s", st)
	}
	m.write(func() {
		_ = m.session.Set("state", StateLive)
		_ = m.session.Set("startedAt", ms(now))
		if getString(m.session, "host") == "" {
			_ = m.session.Set("host", a.Subject)
		}
		if m.currentIndex() < 0 && m.agenda.Len() > 0 {
			m.setCurrent(0, now)
		}
	})
	return m.sessionResult(), nil
}

// sessionEnd moves live → ended: the current agenda item's time is
// booked, the timer stops, open polls close and everyone still present
// gets a leftAt.
func (m *Meeting) sessionEnd(c *Command, _ Actor, now time.Time) (Result, *Error) {
	if st := getString(m.session, "state"); Transition(st, StateEnded) != nil {
		return Result{}, conflict("cannot end a session that is %s", sessionStateName(st))
	}
	m.write(func() {
		_ = m.session.Set("state", StateEnded)
		_ = m.session.Set("endedAt", ms(now))
		m.setCurrent(-1, now)
		if st := getString(m.timer, "state"); st == "running" || st == "paused" {
			left := getInt(m.timer, "remainingMs")
			if st == "running" {
				left = max(getInt(m.timer, "endsAt")-ms(now), 0)
			}
			_ = m.timer.Set("state", "idle")
			_ = m.timer.Set("remainingMs", left)
			m.timer.Delete("endsAt")
		}
		for _, id := range m.polls.Keys() {
			if p := getMap(m.polls, id); p != nil && getString(p, "state") == "open" {
				res, _ := p.Get("counts")
				_ = p.Set("state", "closed")
				_ = p.Set("results", res)
			}
		}
		for _, sub := range m.participants.Keys() {
			if p := getMap(m.participants, sub); p != nil && !p.Has("leftAt") {
				_ = p.Set("leftAt", ms(now))
			}
		}
	})
	return m.sessionResult(), nil
}

func sessionStateName(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

// Role returns the role recorded for subject in participants (set at
// join, changed by role.set), so the caller can resolve the Actor of the
// next command from it.
func (m *Meeting) Role(subject string) (Role, bool) {
	p := getMap(m.participants, subject)
	if p == nil {
		return "", false
	}
	r := Role(getString(p, "role"))
	return r, r.valid()
}
