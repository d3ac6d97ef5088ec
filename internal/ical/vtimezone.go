package ical

import (
	"fmt"
	"strings"
	"time"
)

const (
	localLayout = "20060102T150405"
	utcLayout   = "20060102T150405Z"
)

// isUTC reports whether times in loc are written with "Z" and no TZID.
func isUTC(loc *time.Location) bool {
	return loc == time.UTC || loc.String() == "UTC"
}

// offset formats a UTC offset in seconds as RFC 5545's UTC-OFFSET
// (+hhmm, or +hhmmss when it has seconds, as old local mean times do).
func offset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// writeTimezone writes the VTIMEZONE of loc covering [from, to]: the
// observance in effect at from, then one per transition up to to, each
// from Go's zone database. Every observance is a single onset (no
// RRULE), which says exactly what the database says, rule changes
// included.
func writeTimezone(b *strings.Builder, loc *time.Location, from, to time.Time) {
	fold(b, "BEGIN:VTIMEZONE")
	fold(b, "TZID:"+cleanParam(loc.String()))
	at := from.In(loc)
	name, off := at.Zone()
	zoneStart, next := at.ZoneBounds()
	if zoneStart.IsZero() {
		// In effect since the database begins: an onset that old covers
		// every time the feed can name.
		observance(b, at.IsDST(), "19700101T000000", off, off, name)
	} else {
		_, prev := zoneStart.Add(-time.Second).Zone()
		observance(b, at.IsDST(), onset(zoneStart, prev), prev, off, name)
	}
	for prev := off; !next.IsZero() && !next.After(to); {
		t := next.In(loc)
		name, off := t.Zone()
		observance(b, t.IsDST(), onset(next, prev), prev, off, name)
		_, next = t.ZoneBounds()
		prev = off
	}
	fold(b, "END:VTIMEZONE")
}

// onset is a transition's DTSTART: local time in the offset before it
// (RFC 5545 §3.6.5).
func onset(t time.Time, prevOffset int) string {
	return t.UTC().Add(time.Duration(prevOffset) * time.Second).Format(localLayout)
}

func observance(b *strings.Builder, dst bool, start string, from, to int, name string) {
	kind := "STANDARD"
	if dst {
		kind = "DAYLIGHT"
	}
	fold(b, "BEGIN:"+kind)
	fold(b, "DTSTART:"+start)
	fold(b, "TZOFFSETFROM:"+offset(from))
	fold(b, "TZOFFSETTO:"+offset(to))
	if name != "" {
		fold(b, "TZNAME:"+escapeText(name))
	}
	fold(b, "END:"+kind)
}
