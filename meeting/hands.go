package meeting

import (
	"time"

	"github.com/cocreate/cocreate/crdt"
)

func (m *Meeting) handsResult() Result {
	return Result{Part: "hands", State: m.hands.ToJSON()}
}

// handIndex returns the queue position of subject's hand, or -1.
func (m *Meeting) handIndex(subject string) int {
	for i := 0; i < m.hands.Len(); i++ {
		v, _ := m.hands.Get(i)
		if h, ok := v.(*crdt.Map); ok && getString(h, "subject") == subject {
			return i
		}
	}
	return -1
}

// handRaise appends the actor's hand to the queue, in the order the
// server applies the commands.
func (m *Meeting) handRaise(c *Command, a Actor, now time.Time) (Result, *Error) {
	if m.handIndex(a.Subject) >= 0 {
		return Result{}, conflict("hand of %q is already raised", a.Subject)
	}
	m.write(func() {
		h := crdt.NewMap()
		_ = m.hands.Push(h)
		_ = h.Set("subject", a.Subject)
		_ = h.Set("name", a.Name)
		_ = h.Set("raisedAt", ms(now))
	})
	return m.handsResult(), nil
}

// handLower lowers the actor's own hand, or with Subject someone else's
// (host and co-host only). Viewers have no hand to lower.
func (m *Meeting) handLower(c *Command, a Actor, _ time.Time) (Result, *Error) {
	subject := c.Subject
	if subject == "" {
		subject = a.Subject
	}
	if subject == a.Subject && !a.Role.takesPart() || subject != a.Subject && !a.Role.runs() {
		return Result{}, forbidden("%s may not lower the hand of %q", a.Role, subject)
	}
	i := m.handIndex(subject)
	if i < 0 {
		return Result{}, notFound("hand of %q is not raised", subject)
	}
	m.write(func() { _ = m.hands.Delete(i, 1) })
	return m.handsResult(), nil
}

func (m *Meeting) handLowerAll(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	if n := m.hands.Len(); n > 0 {
		m.write(func() { _ = m.hands.Delete(0, n) })
	}
	return m.handsResult(), nil
}

// handNext calls on the first hand in the queue and removes it. The
// result holds the called hand and the queue after it.
func (m *Meeting) handNext(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	if m.hands.Len() == 0 {
		return Result{}, conflict("no raised hands")
	}
	v, _ := m.hands.Get(0)
	called := v.(*crdt.Map).ToJSON()
	m.write(func() { _ = m.hands.Delete(0, 1) })
	return Result{Part: "hands", State: map[string]any{
		"called": called,
		"hands":  m.hands.ToJSON(),
	}}, nil
}
