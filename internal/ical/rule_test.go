package ical

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRuleBetween(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	ny := mustZone(t, "America/New_York")
	day := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		rule     Rule
		start    time.Time
		from, to time.Time
		want     []string // wall clock in the start's zone
	}{
		{"weekly across the EU autumn switch keeps 15:00", Rule{Freq: Weekly},
			day(berlin, "2026-10-13 15:00"), day(berlin, "2026-10-01 00:00"), day(berlin, "2026-11-04 00:00"),
			[]string{"2026-10-13 15:00", "2026-10-20 15:00", "2026-10-27 15:00", "2026-11-03 15:00"}},
		{"weekly across the EU spring switch keeps 15:00", Rule{Freq: Weekly},
			day(berlin, "2026-03-17 15:00"), day(berlin, "2026-03-20 00:00"), day(berlin, "2026-04-08 00:00"),
			[]string{"2026-03-24 15:00", "2026-03-31 15:00", "2026-04-07 15:00"}},
		{"every 3 weeks, window far from the start", Rule{Freq: Weekly, Interval: 3},
			day(ny, "2026-01-06 09:00"), day(ny, "2030-01-01 00:00"), day(ny, "2030-02-01 00:00"),
			[]string{"2030-01-15 09:00"}},
		{"count counts from the first start", Rule{Freq: Weekly, Count: 3},
			day(ny, "2026-01-06 09:00"), day(ny, "2026-01-10 00:00"), day(ny, "2027-01-01 00:00"),
			[]string{"2026-01-13 09:00", "2026-01-20 09:00"}},
		{"until is inclusive", Rule{Freq: Weekly, Until: day(ny, "2026-01-20 09:00")},
			day(ny, "2026-01-06 09:00"), day(ny, "2026-01-01 00:00"), day(ny, "2027-01-01 00:00"),
			[]string{"2026-01-06 09:00", "2026-01-13 09:00", "2026-01-20 09:00"}},
		{"monthly by weekday, second Thursday", Rule{Freq: Monthly, Week: 2},
			day(berlin, "2026-10-08 19:00"), day(berlin, "2026-10-01 00:00"), day(berlin, "2027-01-01 00:00"),
			[]string{"2026-10-08 19:00", "2026-11-12 19:00", "2026-12-10 19:00"}},
		{"monthly, last Friday, every 2 months", Rule{Freq: Monthly, Week: -1, Interval: 2},
			day(berlin, "2026-01-30 17:00"), day(berlin, "2026-01-01 00:00"), day(berlin, "2026-08-01 00:00"),
			[]string{"2026-01-30 17:00", "2026-03-27 17:00", "2026-05-29 17:00", "2026-07-31 17:00"}},
		{"monthly on the 31st skips short months", Rule{Freq: Monthly},
			day(ny, "2026-01-31 12:00"), day(ny, "2026-01-01 00:00"), day(ny, "2026-06-01 00:00"),
			[]string{"2026-01-31 12:00", "2026-03-31 12:00", "2026-05-31 12:00"}},
		{"window before the start", Rule{Freq: Weekly},
			day(ny, "2026-01-06 09:00"), day(ny, "2025-01-01 00:00"), day(ny, "2025-12-01 00:00"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.rule.Validate(tt.start); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range tt.rule.Between(tt.start, tt.from, tt.to) {
				if o.Location() != tt.start.Location() {
					t.Errorf("occurrence in %s, want %s", o.Location(), tt.start.Location())
				}
				got = append(got, o.Format("2006-01-02 15:04"))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRuleNext(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	start := time.Date(2026, 10, 13, 15, 0, 0, 0, berlin)
	r := Rule{Freq: Weekly, Count: 3}
	next, ok := r.Next(start, start)
	if !ok || !next.Equal(time.Date(2026, 10, 20, 15, 0, 0, 0, berlin)) {
		t.Fatalf("Next after the first = %v %v", next, ok)
	}
	// Right after the DST switch, still 15:00 Berlin.
	next, ok = r.Next(start, next)
	if !ok || next.Format("2006-01-02 15:04 MST") != "2026-10-27 15:00 CET" {
		t.Fatalf("Next after the second = %v %v", next, ok)
	}
	if n, ok := r.Next(start, next); ok {
		t.Fatalf("a 3-count series has a fourth occurrence %v", n)
	}
	m := Rule{Freq: Monthly, Week: -1, Interval: 12}
	s := time.Date(2026, 2, 27, 10, 0, 0, 0, berlin) // last Friday of February
	if n, ok := m.Next(s, s); !ok || n.Format("2006-01-02") != "2027-02-26" {
		t.Fatalf("yearly last Friday Next = %v %v", n, ok)
	}
}

func TestRuleValidate(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	tue := time.Date(2026, 10, 13, 15, 0, 0, 0, berlin) // second Tuesday
	for _, tt := range []struct {
		rule Rule
		want string
	}{
		{Rule{Freq: "DAILY"}, "freq"},
		{Rule{Freq: Weekly, Interval: 53}, "interval"},
		{Rule{Freq: Weekly, Interval: -1}, "interval"},
		{Rule{Freq: Weekly, Count: 1001}, "count"},
		{Rule{Freq: Weekly, Count: 2, Until: tue.AddDate(0, 1, 0)}, "not both"},
		{Rule{Freq: Weekly, Until: tue.AddDate(0, 0, -1)}, "before the first"},
		{Rule{Freq: Weekly, Week: 1}, "needs freq MONTHLY"},
		{Rule{Freq: Monthly, Week: 5}, "1..4 or -1"},
		{Rule{Freq: Monthly, Week: 1}, "not week 1"},
	} {
		err := tt.rule.Validate(tue)
		if !errors.Is(err, ErrInvalidRule) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.rule, err, tt.want)
		}
	}
	if err := (Rule{Freq: Monthly, Week: 2}).Validate(tue); err != nil {
		t.Errorf("second Tuesday: %v", err)
	}
}

func TestFoldAndEscape(t *testing.T) {
	var b strings.Builder
	long := strings.Repeat("a", 74) + "€" + strings.Repeat("b", 80)
	fold(&b, long)
	out := b.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > maxLine {
			t.Errorf("line of %d octets", len(l))
		}
	}
	if un := strings.ReplaceAll(out, "\r\n ", ""); un != long+"\r\n" {
		t.Errorf("unfolded %q, want the line back", un)
	}
	if !strings.HasPrefix(out, strings.Repeat("a", 74)+"\r\n €") {
		t.Errorf("the euro sign (3 octets) was split or misplaced: %q", out[:90])
	}
	if got := escapeText("a,b;c\\d\r\ne\x00f"); got != `a\,b\;c\\d\ne`+"f" {
		t.Errorf("escapeText = %q", got)
	}
	if got := cleanParam(`Bad"Zone;x`); got != `"BadZone;x"` {
		t.Errorf("cleanParam = %q", got)
	}
}

func TestEncodeRejects(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range []Event{
		{Start: now, Duration: time.Hour},
		{UID: "x", Duration: time.Hour},
		{UID: "x", Start: now},
		{UID: "x", Start: now.In(time.Local), Duration: time.Hour},
		{UID: "x", Start: now, Duration: time.Hour, Rule: &Rule{Freq: "YEARLY"}},
		{UID: "x", Start: now, Duration: time.Hour, Rule: &Rule{Freq: Weekly}, RecurrenceID: now},
	} {
		if _, err := (&Calendar{Events: []Event{e}}).Encode(); err == nil {
			t.Errorf("Encode accepted %+v", e)
		}
	}
}
