// Package ical writes iCalendar (RFC 5545) feeds and expands the
// recurrence rules it writes.
//
// It is pure: values in, bytes and times out, no I/O beyond Go's time
// zone database (time.LoadLocation). The workspace builds a Calendar from
// its sessions and series and serves Calendar.Encode; the same Rule that
// goes into an RRULE line decides, through Rule.Next and Rule.Between,
// which occurrences of a series the workspace materialises, so a feed and
// the sessions it describes cannot disagree.
//
// Times keep their wall clock in the event's zone: a weekly rule at 15:00
// Europe/Berlin stays at 15:00 Berlin across a DST change, as RFC 5545
// requires for DTSTART with a TZID. Each zone an event uses gets a
// VTIMEZONE generated from Go's zone database (one observance per
// transition over the years the feed spans), so a reader needs no zone
// database of its own; UTC events are written with a "Z" and no
// VTIMEZONE.
//
// The writer escapes TEXT values, folds lines at 75 octets without
// splitting a UTF-8 sequence and ends every line with CRLF. The tests
// parse its output with the real ical.js (testdata/icaljs, pinned by its
// package-lock.json; make node-deps) and compare the occurrences it
// expands with Rule.Between's.
package ical
