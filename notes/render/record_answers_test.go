package render

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestCame: attendance is being in the room while the meeting ran — a
// look in before the start or after the end is not coming.
func TestCame(t *testing.T) {
	at := func(ms int64) *int64 { return &ms }
	r := &MeetingRecord{StartedAt: at(100), EndedAt: at(200), Attendees: []Attendee{
		{Subject: "before", JoinedAt: 10, LeftAt: at(20)},
		{Subject: "early", JoinedAt: 10, LeftAt: at(150)},
		{Subject: "stays", JoinedAt: 10},
		{Subject: "during", JoinedAt: 120, LeftAt: at(130)},
		{Subject: "after", JoinedAt: 250},
		{Subject: "edge", JoinedAt: 200, LeftAt: at(210)},
	}}
	got := slices.Sorted(maps.Keys(r.Came()))
	if want := []string{"during", "early", "edge", "stays"}; !slices.Equal(got, want) {
		t.Errorf("came %v, want %v", got, want)
	}
	if n := len((&MeetingRecord{Attendees: r.Attendees}).Came()); n != 0 {
		t.Errorf("before the start %d came", n)
	}
}

// TestAnswersMarkdown: the section sits under the attendees, names
// escaped, empty groups say so.
func TestAnswersMarkdown(t *testing.T) {
	r := &MeetingRecord{Title: "Call", Answers: &Answers{Going: 2, Maybe: 1,
		GoingCame: []string{"Ada *Lovelace*"}, GoingMissed: []string{"Grace"}}}
	md := r.Markdown()
	want := "## Answers and attendance\n\n2 going, 1 maybe, 0 not going.\n\n" +
		"### Said going and came (1)\n\n- Ada \\*Lovelace\\*\n\n" +
		"### Said going, did not come (1)\n\n- Grace\n\n" +
		"### Came without answering (0)\n\nNobody.\n"
	if !strings.Contains(md, want) || strings.Index(md, "## Attendees") > strings.Index(md, "## Answers") || strings.Index(md, "## Answers") > strings.Index(md, "## Agenda") {
		t.Errorf("Markdown:\n%s", md)
	}
	if h := r.HTML(); !strings.Contains(h, "<h3>Said going and came (1)</h3><ul><li>Ada *Lovelace*</li></ul>") {
		t.Errorf("HTML:\n%s", h)
	}
	if md := (&MeetingRecord{}).Markdown(); strings.Contains(md, "Answers") {
		t.Errorf("a record without answers writes them:\n%s", md)
	}
}
