package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cocreate/cocreate/internal/ical/icaltest"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func encode(t *testing.T, c Calendar) []byte {
	t.Helper()
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, b)
	return b
}

// checkLines checks the framing every feed must have: CRLF line ends,
// no line over 75 octets, every line valid UTF-8 (folds never split a
// character), no bare CR or LF.
func checkLines(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatal("feed does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(line) > maxLine {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8 (a fold split a character): %q", i+1, line)
		}
	}
}

// A weekly 15:00 Europe/Berlin series across the late-October switch
// stays at 15:00 in Berlin; New York (which switches a week later) sees
// 09:00, 10:00 for one week, then 09:00 again; Tokyo (no DST) sees 22:00
// then 23:00. One occurrence moved, one cancelled.
func TestICALJSBerlinWeeklyAcrossDST(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	start := time.Date(2026, 10, 13, 15, 0, 0, 0, berlin) // a Tuesday
	rule := &Rule{Freq: Weekly, Count: 6}
	stamp := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	moved := time.Date(2026, 11, 4, 16, 30, 0, 0, berlin)
	cal := Calendar{Name: "Community call", Events: []Event{
		{UID: "series-1@cocreate", Stamp: stamp, Start: start, Duration: time.Hour,
			Summary: "Community call", Description: "1. Welcome\n2. Updates", URL: "https://example.org/s/abc", Rule: rule},
		{UID: "series-1@cocreate", Stamp: stamp, Start: moved, Duration: time.Hour, Sequence: 1,
			Summary: "Community call (moved)", RecurrenceID: time.Date(2026, 11, 3, 15, 0, 0, 0, berlin)},
		{UID: "series-1@cocreate", Stamp: stamp, Start: time.Date(2026, 11, 10, 15, 0, 0, 0, berlin), Duration: time.Hour,
			Summary: "Community call", Cancelled: true, RecurrenceID: time.Date(2026, 11, 10, 15, 0, 0, 0, berlin)},
	}}
	feed := encode(t, cal)
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	r := icaltest.Parse(t, feed, from, to, "Europe/Berlin", "America/New_York", "Asia/Tokyo")

	if c := r.Calendar; c.Version != "2.0" || c.Method != "PUBLISH" || c.CalScale != "GREGORIAN" || c.ProdID != DefaultProdID ||
		len(c.Timezones) != 1 || c.Timezones[0] != "Europe/Berlin" {
		t.Fatalf("calendar properties = %+v", c)
	}
	want := []struct{ wall, berlin, ny, tokyo, status, summary string }{
		{"2026-10-13T15:00:00", "2026-10-13 15:00", "2026-10-13 09:00", "2026-10-13 22:00", "CONFIRMED", "Community call"},
		{"2026-10-20T15:00:00", "2026-10-20 15:00", "2026-10-20 09:00", "2026-10-20 22:00", "CONFIRMED", "Community call"},
		{"2026-10-27T15:00:00", "2026-10-27 15:00", "2026-10-27 10:00", "2026-10-27 23:00", "CONFIRMED", "Community call"},
		{"2026-11-04T16:30:00", "2026-11-04 16:30", "2026-11-04 10:30", "2026-11-05 00:30", "CONFIRMED", "Community call (moved)"},
		{"2026-11-10T15:00:00", "2026-11-10 15:00", "2026-11-10 09:00", "2026-11-10 23:00", "CANCELLED", "Community call"},
		{"2026-11-17T15:00:00", "2026-11-17 15:00", "2026-11-17 09:00", "2026-11-17 23:00", "CONFIRMED", "Community call"},
	}
	if len(r.Occurrences) != len(want) {
		t.Fatalf("ical.js expanded %d occurrences, want %d: %+v", len(r.Occurrences), len(want), r.Occurrences)
	}
	goStarts := rule.Between(start, from, to)
	for i, w := range want {
		o := r.Occurrences[i]
		if o.Wall != w.wall || o.Local["Europe/Berlin"] != w.berlin || o.Local["America/New_York"] != w.ny ||
			o.Local["Asia/Tokyo"] != w.tokyo || o.Status != w.status || o.Summary != w.summary {
			t.Errorf("occurrence %d = %+v, want %+v", i, o, w)
		}
		// The slot ical.js expanded is the one Rule.Between computes.
		if o.RecurrenceID != goStarts[i].UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("occurrence %d: ical.js slot %s, Rule.Between %s", i, o.RecurrenceID, goStarts[i].UTC())
		}
		// Independently of ical.js: Go's zone database agrees on the instant.
		wantStart, _ := time.ParseInLocation("2006-01-02 15:04", w.berlin, berlin)
		if o.StartUTC != wantStart.UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("occurrence %d starts %s, want %s", i, o.StartUTC, wantStart.UTC())
		}
	}
	master := r.Events[0]
	if master.RRule == nil || *master.RRule != "FREQ=WEEKLY;COUNT=6;BYDAY=TU" && *master.RRule != "FREQ=WEEKLY;BYDAY=TU;COUNT=6" {
		t.Errorf("rrule = %v", master.RRule)
	}
	if master.TZID == nil || *master.TZID != "Europe/Berlin" || master.URL != "https://example.org/s/abc" ||
		master.Description != "1. Welcome\n2. Updates" || master.UID != "series-1@cocreate" {
		t.Errorf("master = %+v", master)
	}
	if r.Events[1].Sequence != 1 {
		t.Errorf("moved occurrence sequence = %d, want 1", r.Events[1].Sequence)
	}
}

// Monthly on the first Tuesday at 18:30 New York, until the end of
// January, across the US switch in November: ical.js and Rule.Between
// agree on every instant, and the wall clock stays 18:30 New York.
func TestICALJSMonthlyByWeekdayUntil(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	start := time.Date(2026, 9, 1, 18, 30, 0, 0, ny) // first Tuesday of September
	rule := &Rule{Freq: Monthly, Week: 1, Until: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}
	feed := encode(t, Calendar{Events: []Event{{UID: "m@x", Stamp: start, Start: start, Duration: 90 * time.Minute,
		Summary: "Monthly", Rule: rule}}})
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	r := icaltest.Parse(t, feed, from, to, "America/New_York", "Europe/Berlin")
	wantDays := []string{"2026-09-01", "2026-10-06", "2026-11-03", "2026-12-01", "2027-01-05"}
	goStarts := rule.Between(start, from, to)
	if len(r.Occurrences) != len(wantDays) || len(goStarts) != len(wantDays) {
		t.Fatalf("ical.js %d occurrences, Go %d, want %d: %+v", len(r.Occurrences), len(goStarts), len(wantDays), r.Occurrences)
	}
	for i, d := range wantDays {
		o := r.Occurrences[i]
		if o.Local["America/New_York"] != d+" 18:30" || o.Wall != d+"T18:30:00" {
			t.Errorf("occurrence %d = %+v, want %s 18:30 New York", i, o, d)
		}
		if o.StartUTC != goStarts[i].UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("occurrence %d: ical.js %s, Go %s", i, o.StartUTC, goStarts[i].UTC())
		}
		if end, _ := time.Parse(time.RFC3339, o.EndUTC); !end.Equal(goStarts[i].Add(90 * time.Minute)) {
			t.Errorf("occurrence %d ends %s, want %s", i, o.EndUTC, goStarts[i].Add(90*time.Minute).UTC())
		}
	}
	if got := r.Events[0].RRule; got == nil || !strings.Contains(*got, "BYDAY=1TU") || !strings.Contains(*got, "UNTIL=20270131T000000Z") {
		t.Errorf("rrule = %v", got)
	}
}

// A one-off session in UTC has no VTIMEZONE and a "Z" start; a deleted
// one is CANCELLED; every 2 weeks in Tokyo expands as Go does. Text with
// every escaped character, newlines and long multi-byte runs survives
// the round trip through folding and escaping.
func TestICALJSTextUTCAndInterval(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	desc := "Agenda; first, second\\third\r\nline two\n" + strings.Repeat("Grüße aus 東京 🎉 ", 20) + "\x01end"
	title := strings.Repeat("ä", 50) + ", Tokyo; " + strings.Repeat("🎉", 30)
	utc := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	tk := time.Date(2026, 12, 7, 10, 0, 0, 0, tokyo)
	rule := &Rule{Freq: Weekly, Interval: 2, Count: 4}
	feed := encode(t, Calendar{Name: "Tokyo, Berlin; NY", Events: []Event{
		{UID: "one@x", Stamp: utc, Start: utc, Duration: 45 * time.Minute, Summary: title, Description: desc, Sequence: 3,
			URL: "https://example.org/s/one?x=1&y=2"},
		{UID: "gone@x", Stamp: utc, Start: utc, Duration: time.Hour, Summary: "Deleted", Cancelled: true},
		{UID: "tk@x", Stamp: utc, Start: tk, Duration: time.Hour, Summary: "Biweekly", Rule: rule},
	}})
	if bytes.Contains(feed, []byte("TZID:UTC")) || !bytes.Contains(feed, []byte("DTSTART:20261203T140000Z")) {
		t.Errorf("UTC event not written as Z without a VTIMEZONE:\n%s", feed)
	}
	r := icaltest.Parse(t, feed, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), "Asia/Tokyo")
	if len(r.Calendar.Timezones) != 1 || r.Calendar.Timezones[0] != "Asia/Tokyo" {
		t.Errorf("timezones = %v, want only Asia/Tokyo", r.Calendar.Timezones)
	}
	one := r.Events[0]
	wantDesc := "Agenda; first, second\\third\nline two\n" + strings.Repeat("Grüße aus 東京 🎉 ", 20) + "end"
	if one.Description != wantDesc || one.Summary != title || one.Sequence != 3 || one.URL != "https://example.org/s/one?x=1&y=2" ||
		one.TZID != nil || one.StartUTC != "2026-12-03T14:00:00.000Z" || one.Status != "CONFIRMED" {
		t.Errorf("one-off event = %+v", one)
	}
	if r.Events[1].Status != "CANCELLED" {
		t.Errorf("deleted event status = %q", r.Events[1].Status)
	}
	var tkDays []string
	for _, o := range r.Occurrences {
		if o.UID == "tk@x" {
			tkDays = append(tkDays, o.Local["Asia/Tokyo"])
		}
	}
	want := []string{"2026-12-07 10:00", "2026-12-21 10:00", "2027-01-04 10:00", "2027-01-18 10:00"}
	if strings.Join(tkDays, "|") != strings.Join(want, "|") {
		t.Errorf("biweekly Tokyo = %v, want %v", tkDays, want)
	}
}
