package ical

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultProdID names the program that wrote a feed (PRODID).
const DefaultProdID = "-//cocreate//cocreate//EN"

// openYears is how far past its latest fixed time a feed with an endless
// series spells out its zones' transitions.
const openYears = 5

// ErrInvalidEvent is wrapped by Encode's errors about an event.
var ErrInvalidEvent = errors.New("ical: invalid event")

// Calendar is one feed: a VCALENDAR published with METHOD:PUBLISH.
type Calendar struct {
	// ProdID defaults to DefaultProdID.
	ProdID string
	// Name, if set, is the feed's display name (X-WR-CALNAME).
	Name string
	// Events in the order written; a series' overrides share its UID
	// and set RecurrenceID.
	Events []Event
}

// Event is one VEVENT: a session, a series (Rule set) or one overridden
// occurrence of a series (RecurrenceID set).
type Event struct {
	// UID is stable for the session or series across feeds.
	UID string
	// Stamp is when this version of the event was made (DTSTAMP).
	Stamp time.Time
	// Start carries the event's zone: its Location's name is the TZID
	// ("UTC" writes a "Z" time and no VTIMEZONE).
	Start    time.Time
	Duration time.Duration
	Summary  string
	// Description is free text, e.g. the agenda.
	Description string
	// URL is the session's room.
	URL string
	// Sequence grows each time the event is rescheduled (RFC 5545
	// §3.8.7.4), so calendars replace the old time.
	Sequence int
	// Cancelled writes STATUS:CANCELLED (a deleted session, a cancelled
	// occurrence); otherwise STATUS:CONFIRMED.
	Cancelled bool
	// Rule makes the event a series starting at Start.
	Rule *Rule
	// RecurrenceID, when set, is the original start of the occurrence of
	// the series UID that this event replaces (moved or cancelled).
	RecurrenceID time.Time
}

func (e *Event) validate() error {
	switch {
	case e.UID == "":
		return fmt.Errorf("%w: empty UID", ErrInvalidEvent)
	case e.Start.IsZero():
		return fmt.Errorf("%w %s: no start", ErrInvalidEvent, e.UID)
	case e.Start.Location().String() == "Local":
		return fmt.Errorf("%w %s: start needs a named zone, not Local", ErrInvalidEvent, e.UID)
	case e.Duration <= 0:
		return fmt.Errorf("%w %s: duration must be positive", ErrInvalidEvent, e.UID)
	case e.Rule != nil && !e.RecurrenceID.IsZero():
		return fmt.Errorf("%w %s: an override has no rule of its own", ErrInvalidEvent, e.UID)
	}
	if e.Rule != nil {
		if err := e.Rule.Validate(e.Start); err != nil {
			return fmt.Errorf("event %s: %w", e.UID, err)
		}
	}
	return nil
}

// span returns the first and last instants the event can name, and
// whether it repeats without end.
func (e *Event) span() (first, last time.Time, open bool) {
	first, last = e.Start, e.Start.Add(e.Duration)
	if !e.RecurrenceID.IsZero() {
		first, last = earlier(first, e.RecurrenceID), later(last, e.RecurrenceID)
	}
	if e.Rule != nil {
		switch {
		case !e.Rule.Until.IsZero():
			last = later(last, e.Rule.Until.Add(e.Duration))
		case e.Rule.Count > 0:
			if o := e.Rule.Between(e.Start, e.Start, e.Start.AddDate(100, 0, 0)); len(o) > 0 {
				last = later(last, o[len(o)-1].Add(e.Duration))
			}
		default:
			open = true
		}
	}
	return first, last, open
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Encode writes the feed: CRLF lines folded at 75 octets, one VTIMEZONE
// per zone the events use, covering the years they span.
func (c *Calendar) Encode() ([]byte, error) {
	type zone struct {
		loc      *time.Location
		from, to time.Time
	}
	zones := map[string]*zone{}
	for i := range c.Events {
		e := &c.Events[i]
		if err := e.validate(); err != nil {
			return nil, err
		}
		loc := e.Start.Location()
		if isUTC(loc) {
			continue
		}
		first, last, open := e.span()
		if open {
			last = later(last, e.Stamp).AddDate(openYears, 0, 0)
		}
		z := zones[loc.String()]
		if z == nil {
			z = &zone{loc: loc, from: first, to: last}
			zones[loc.String()] = z
		}
		z.from, z.to = earlier(z.from, first), later(z.to, last)
	}
	var b strings.Builder
	fold(&b, "BEGIN:VCALENDAR")
	fold(&b, "VERSION:2.0")
	prodID := c.ProdID
	if prodID == "" {
		prodID = DefaultProdID
	}
	fold(&b, "PRODID:"+escapeText(prodID))
	fold(&b, "CALSCALE:GREGORIAN")
	fold(&b, "METHOD:PUBLISH")
	if c.Name != "" {
		fold(&b, "X-WR-CALNAME:"+escapeText(c.Name))
	}
	for _, n := range slices.Sorted(maps.Keys(zones)) {
		z := zones[n]
		// Whole years, from the January before the first time to the
		// end of the last one's year.
		from := time.Date(z.from.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		to := time.Date(z.to.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
		writeTimezone(&b, z.loc, from, to)
	}
	for i := range c.Events {
		writeEvent(&b, &c.Events[i])
	}
	fold(&b, "END:VCALENDAR")
	return []byte(b.String()), nil
}

// dateTime formats a property with a DATE-TIME value in the zone of
// ref (TZID parameter, or UTC with "Z").
func dateTime(name string, t time.Time, loc *time.Location) string {
	if isUTC(loc) {
		return name + ":" + t.UTC().Format(utcLayout)
	}
	return name + ";TZID=" + cleanParam(loc.String()) + ":" + t.In(loc).Format(localLayout)
}

func writeEvent(b *strings.Builder, e *Event) {
	loc := e.Start.Location()
	fold(b, "BEGIN:VEVENT")
	fold(b, "UID:"+escapeText(e.UID))
	fold(b, "DTSTAMP:"+e.Stamp.UTC().Format(utcLayout))
	if !e.RecurrenceID.IsZero() {
		fold(b, dateTime("RECURRENCE-ID", e.RecurrenceID, loc))
	}
	fold(b, dateTime("DTSTART", e.Start, loc))
	fold(b, dateTime("DTEND", e.Start.Add(e.Duration), loc))
	if e.Rule != nil {
		fold(b, "RRULE:"+e.Rule.RRULE(e.Start))
	}
	fold(b, "SEQUENCE:"+strconv.Itoa(e.Sequence))
	if e.Cancelled {
		fold(b, "STATUS:CANCELLED")
	} else {
		fold(b, "STATUS:CONFIRMED")
	}
	fold(b, "SUMMARY:"+escapeText(e.Summary))
	if e.Description != "" {
		fold(b, "DESCRIPTION:"+escapeText(e.Description))
	}
	if e.URL != "" {
		// A URI value is not TEXT: no escaping, but no line breaks either.
		fold(b, "URL:"+strings.Map(func(r rune) rune {
			if r < 0x21 || r == 0x7f {
				return -1
			}
			return r
		}, e.URL))
	}
	fold(b, "END:VEVENT")
}
