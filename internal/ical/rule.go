package ical

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Freq is how often a Rule repeats.
type Freq string

// The frequencies a series may use.
const (
	Weekly  Freq = "WEEKLY"
	Monthly Freq = "MONTHLY"
)

// Bounds of a Rule, so a rule from a request stays cheap to expand.
const (
	MaxInterval = 52
	MaxCount    = 1000
	// maxBetween bounds the occurrences one Between call returns.
	maxBetween = 1000
)

// ErrInvalidRule is wrapped by every error Rule.Validate returns.
var ErrInvalidRule = errors.New("ical: invalid recurrence rule")

// Rule is a recurrence rule (the RRULE subset a series may use): every
// Interval weeks on the start's weekday, or every Interval months either
// on the start's day of the month (Week 0) or on the Week-th weekday of
// the start's weekday (1..4, or -1 for the last: BYDAY=1TU, BYDAY=-1FR),
// ending at Until (inclusive, an instant) or after Count occurrences, or
// never. Occurrences keep the start's wall clock in the start's zone.
type Rule struct {
	Freq     Freq      `json:"freq"`
	Interval int       `json:"interval,omitempty"`
	Week     int       `json:"week,omitempty"`
	Until    time.Time `json:"until,omitzero"`
	Count    int       `json:"count,omitempty"`
}

func (r Rule) interval() int {
	if r.Interval == 0 {
		return 1
	}
	return r.Interval
}

// Validate checks the rule against the series' first start: the start
// must itself be an occurrence (for BYDAY=1TU, a first Tuesday).
func (r Rule) Validate(start time.Time) error {
	switch r.Freq {
	case Weekly, Monthly:
	default:
		return fmt.Errorf("%w: freq must be WEEKLY or MONTHLY, not %q", ErrInvalidRule, r.Freq)
	}
	if r.Interval < 0 || r.Interval > MaxInterval {
		return fmt.Errorf("%w: interval must be 1..%d", ErrInvalidRule, MaxInterval)
	}
	if r.Count < 0 || r.Count > MaxCount {
		return fmt.Errorf("%w: count must be 1..%d", ErrInvalidRule, MaxCount)
	}
	if r.Count > 0 && !r.Until.IsZero() {
		return fmt.Errorf("%w: give until or count, not both", ErrInvalidRule)
	}
	if !r.Until.IsZero() && r.Until.Before(start) {
		return fmt.Errorf("%w: until is before the first start", ErrInvalidRule)
	}
	switch {
	case r.Week == 0:
	case r.Freq != Monthly:
		return fmt.Errorf("%w: week (BYDAY=1TU) needs freq MONTHLY", ErrInvalidRule)
	case r.Week < -1 || r.Week > 4:
		return fmt.Errorf("%w: week must be 1..4 or -1 (last)", ErrInvalidRule)
	case weekOf(start, r.Week) != start.Day():
		return fmt.Errorf("%w: %s is not week %d's %s of its month", ErrInvalidRule, start.Format("2006-01-02"), r.Week, start.Weekday())
	}
	return nil
}

// weekOf returns the day of t's month that is the week-th (or last, -1)
// weekday of t's weekday.
func weekOf(t time.Time, week int) int {
	return nthWeekday(t.Year(), t.Month(), t.Weekday(), week, t.Location())
}

func nthWeekday(y int, m time.Month, wd time.Weekday, week int, loc *time.Location) int {
	if week == -1 {
		last := time.Date(y, m+1, 0, 12, 0, 0, 0, loc)
		return last.Day() - (int(last.Weekday())-int(wd)+7)%7
	}
	first := time.Date(y, m, 1, 12, 0, 0, 0, loc)
	return 1 + (int(wd)-int(first.Weekday())+7)%7 + 7*(week-1)
}

// occurrence returns the start of the i-th period (0 is start itself),
// or false when that period has none (the 31st of a short month).
func (r Rule) occurrence(start time.Time, i int) (time.Time, bool) {
	y, m, d := start.Date()
	hh, mm, ss := start.Clock()
	loc := start.Location()
	step := r.interval() * i
	if r.Freq == Weekly {
		return time.Date(y, m, d+7*step, hh, mm, ss, 0, loc), true
	}
	first := time.Date(y, m+time.Month(step), 1, 12, 0, 0, 0, loc)
	y, m = first.Year(), first.Month()
	if r.Week != 0 {
		d = nthWeekday(y, m, start.Weekday(), r.Week, loc)
	}
	t := time.Date(y, m, d, hh, mm, ss, 0, loc)
	if t.Month() != m {
		return time.Time{}, false
	}
	return t, true
}

// periodsBefore estimates how many whole periods lie between start and
// t, a little low, so iteration can begin near t when no Count forces
// counting from the first.
func (r Rule) periodsBefore(start, t time.Time) int {
	if !t.After(start) {
		return 0
	}
	var n int
	if r.Freq == Weekly {
		n = int(t.Sub(start)/(7*24*time.Hour)) / r.interval()
	} else {
		n = ((t.Year()-start.Year())*12 + int(t.Month()) - int(start.Month())) / r.interval()
	}
	return max(0, n-2)
}

// Between returns the occurrences of a series first starting at start
// that begin in [from, to), earliest first, at most 1000. The rule must
// be valid for start.
func (r Rule) Between(start, from, to time.Time) []time.Time {
	var out []time.Time
	i := 0
	if r.Count == 0 {
		i = r.periodsBefore(start, from)
	}
	seen := i // occurrences before period i (exact only when Count is set, then i is 0)
	for ; len(out) < maxBetween; i++ {
		t, ok := r.occurrence(start, i)
		if !ok {
			continue // the 31st in a short month: RFC 5545 skips it
		}
		if !r.Until.IsZero() && t.After(r.Until) {
			break
		}
		if r.Count > 0 && seen >= r.Count {
			break
		}
		seen++
		if !t.Before(to) {
			break
		}
		if !t.Before(from) {
			out = append(out, t)
		}
	}
	return out
}

// Next returns the first occurrence strictly after t, or false when the
// series has ended by then.
func (r Rule) Next(start, t time.Time) (time.Time, bool) {
	// Periods are at least a week apart; a window of 40 days past t
	// (a month's longest gap between nth weekdays, times the interval)
	// always holds the next one if there is one.
	window := time.Duration(r.interval()) * 40 * 24 * time.Hour
	for _, o := range r.Between(start, t.Add(time.Second), t.Add(window)) {
		if o.After(t) {
			return o, true
		}
	}
	return time.Time{}, false
}

var rruleDays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// RRULE returns the rule's RRULE value for a series starting at start.
func (r Rule) RRULE(start time.Time) string {
	var b strings.Builder
	b.WriteString("FREQ=" + string(r.Freq))
	if r.interval() != 1 {
		b.WriteString(";INTERVAL=" + strconv.Itoa(r.interval()))
	}
	day := rruleDays[start.Weekday()]
	switch {
	case r.Freq == Weekly:
		b.WriteString(";BYDAY=" + day)
	case r.Week != 0:
		b.WriteString(";BYDAY=" + strconv.Itoa(r.Week) + day)
	default:
		b.WriteString(";BYMONTHDAY=" + strconv.Itoa(start.Day()))
	}
	if r.Count > 0 {
		b.WriteString(";COUNT=" + strconv.Itoa(r.Count))
	}
	if !r.Until.IsZero() {
		// With a zoned DTSTART, UNTIL must be in UTC (RFC 5545 §3.3.10).
		b.WriteString(";UNTIL=" + r.Until.UTC().Format(utcLayout))
	}
	return b.String()
}
