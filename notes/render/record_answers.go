package render

import (
	"fmt"
	"html"
	"strings"
)

// Answers are a meeting's RSVPs set against who came, by name, for the
// host's copy of the record (MeetingRecord.Answers; the workspace fills
// it for hosts and cohosts once the meeting has ended).
type Answers struct {
	Going, Maybe, NotGoing int
	// GoingCame said going and came, GoingMissed said going and did not
	// come, Unannounced came without answering.
	GoingCame, GoingMissed, Unannounced []string
}

// counts is "2 going, 1 maybe, 0 not going".
func (a *Answers) counts() string {
	return fmt.Sprintf("%d going, %d maybe, %d not going", a.Going, a.Maybe, a.NotGoing)
}

type answerGroup struct {
	title string
	names []string
}

// groups are the headed lists the record writes, in order.
func (a *Answers) groups() []answerGroup {
	return []answerGroup{
		{"Said going and came", a.GoingCame},
		{"Said going, did not come", a.GoingMissed},
		{"Came without answering", a.Unannounced},
	}
}

// markdown writes the section "Answers and attendance" under a heading
// of the given level.
func (a *Answers) markdown(b *strings.Builder, level string) {
	b.WriteString("\n" + level + " Answers and attendance\n\n" + a.counts() + ".\n")
	for _, g := range a.groups() {
		fmt.Fprintf(b, "\n%s# %s (%d)\n\n", level, g.title, len(g.names))
		if len(g.names) == 0 {
			b.WriteString("Nobody.\n")
		}
		for _, n := range g.names {
			b.WriteString("- " + mdCell(n) + "\n")
		}
	}
}

// html writes the same section as escaped HTML.
func (a *Answers) html(b *strings.Builder) {
	b.WriteString("<h2>Answers and attendance</h2><p>" + a.counts() + ".</p>")
	for _, g := range a.groups() {
		fmt.Fprintf(b, "<h3>%s (%d)</h3>", g.title, len(g.names))
		if len(g.names) == 0 {
			b.WriteString("<p>Nobody.</p>")
			continue
		}
		b.WriteString("<ul>")
		for _, n := range g.names {
			b.WriteString("<li>" + html.EscapeString(n) + "</li>")
		}
		b.WriteString("</ul>")
	}
}

// Came is who was in the meeting while it ran, by subject: joined
// before it ended and did not leave before it started. A visit to the
// room before the start (to say whether one comes) or after the end is
// not coming. Empty before the start.
func (r *MeetingRecord) Came() map[string]bool {
	out := map[string]bool{}
	for _, a := range r.Attendees {
		if r.during(a) {
			out[a.Subject] = true
		}
	}
	return out
}

// during tells whether a was in the room while the meeting ran.
func (r *MeetingRecord) during(a Attendee) bool {
	return r.StartedAt != nil && (a.LeftAt == nil || *a.LeftAt >= *r.StartedAt) && (r.EndedAt == nil || a.JoinedAt <= *r.EndedAt)
}
