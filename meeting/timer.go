package meeting

import "time"

const maxDuration = 24 * time.Hour

func (m *Meeting) timerResult() Result {
	return Result{Part: "timer", State: m.timer.ToJSON()}
}

// timerStart (re)starts the timer for DurationMs from now, from any state.
func (m *Meeting) timerStart(c *Command, _ Actor, now time.Time) (Result, *Error) {
	if c.DurationMs <= 0 || c.DurationMs > maxDuration.Milliseconds() {
		return Result{}, badRequest("durationMs %d out of range 1..%d", c.DurationMs, maxDuration.Milliseconds())
	}
	m.write(func() {
		_ = m.timer.Set("state", "running")
		_ = m.timer.Set("durationMs", c.DurationMs)
		_ = m.timer.Set("endsAt", ms(now)+c.DurationMs)
		_ = m.timer.Set("remainingMs", c.DurationMs)
	})
	return m.timerResult(), nil
}

// timerPause freezes a running timer; remainingMs is what was left (zero
// if it had already run out).
func (m *Meeting) timerPause(c *Command, _ Actor, now time.Time) (Result, *Error) {
	if st := getString(m.timer, "state"); st != "running" {
		return Result{}, conflict("cannot pause a timer that is %s", stateName(st))
	}
	left := max(getInt(m.timer, "endsAt")-ms(now), 0)
	m.write(func() {
		_ = m.timer.Set("state", "paused")
		_ = m.timer.Set("remainingMs", left)
		m.timer.Delete("endsAt")
	})
	return m.timerResult(), nil
}

// timerResume runs a paused timer again for what was left.
func (m *Meeting) timerResume(c *Command, _ Actor, now time.Time) (Result, *Error) {
	if st := getString(m.timer, "state"); st != "paused" {
		return Result{}, conflict("cannot resume a timer that is %s", stateName(st))
	}
	left := getInt(m.timer, "remainingMs")
	m.write(func() {
		_ = m.timer.Set("state", "running")
		_ = m.timer.Set("endsAt", ms(now)+left)
	})
	return m.timerResult(), nil
}

// timerReset stops the timer and restores its full duration.
func (m *Meeting) timerReset(c *Command, _ Actor, _ time.Time) (Result, *Error) {
	if st := getString(m.timer, "state"); st == "idle" || st == "" {
		return Result{}, conflict("timer is already idle")
	}
	m.write(func() {
		_ = m.timer.Set("state", "idle")
		_ = m.timer.Set("remainingMs", getInt(m.timer, "durationMs"))
		m.timer.Delete("endsAt")
	})
	return m.timerResult(), nil
}

func stateName(s string) string {
	if s == "" {
		return "idle"
	}
	return s
}
