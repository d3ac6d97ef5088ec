package render

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
)

// time writes an instant in the record's zone, named so that a reader
// anywhere knows which moment it is: "2026-12-03 15:00 Europe/Berlin
// (UTC+01:00)", the offset the zone had then; in UTC "2026-12-03 14:00
// UTC".
func (r *MeetingRecord) time(ms int64) string {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	t := time.UnixMilli(ms).In(loc)
	if loc.String() == "UTC" {
		return t.Format("2006-01-02 15:04") + " UTC"
	}
	return t.Format("2006-01-02 15:04") + " " + loc.String() + t.Format(" (UTC-07:00)")
}

func (r *MeetingRecord) timePtr(ms *int64) string {
	if ms == nil {
		return ""
	}
	return r.time(*ms)
}

// duration writes seconds as "1 h 5 min 3 s", "4 min 30 s", "0 s".
func duration(sec int64) string {
	if sec <= 0 {
		return "0 s"
	}
	var parts []string
	if h := sec / 3600; h > 0 {
		parts = append(parts, strconv.FormatInt(h, 10)+" h")
	}
	if m := sec / 60 % 60; m > 0 {
		parts = append(parts, strconv.FormatInt(m, 10)+" min")
	}
	if s := sec % 60; s > 0 {
		parts = append(parts, strconv.FormatInt(s, 10)+" s")
	}
	return strings.Join(parts, " ")
}

func (a Attendee) display() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Subject
}

func (p Poll) count(i int) int64 {
	if i < len(p.Counts) {
		return p.Counts[i]
	}
	return 0
}

// summary is the line under the title: state, start and end.
func (r *MeetingRecord) summary() string {
	var parts []string
	if r.State != "" {
		parts = append(parts, "State: "+r.State)
	}
	if r.StartedAt != nil {
		parts = append(parts, "started "+r.time(*r.StartedAt))
	}
	if r.EndedAt != nil {
		parts = append(parts, "ended "+r.time(*r.EndedAt))
	}
	return strings.Join(parts, ", ")
}

// mdCell escapes text for a Markdown (GFM) table cell.
func mdCell(s string) string { return mdInline{}.escape(s, 'x') }

// Markdown renders the record: title, attendees table, the answers
// against attendance (when Answers is set), agenda (planned against
// spent), poll results and open tasks. Text is escaped; tables
// are GitHub-flavoured.
func (r *MeetingRecord) Markdown() string {
	var b strings.Builder
	b.WriteString("# " + mdInline{heading: true}.escape(r.title(), 'x') + "\n")
	if s := r.summary(); s != "" {
		b.WriteString("\n" + mdCell(s) + "\n")
	}
	r.markdownSections(&b, "##")
	return b.String()
}

func (r *MeetingRecord) title() string {
	if r.Title == "" {
		return "Meeting record"
	}
	return r.Title
}

// markdownSections writes the record's sections under headings of the
// given level ("##" on its own, "###" inside the post-meeting document).
func (r *MeetingRecord) markdownSections(b *strings.Builder, level string) {
	sub := level + "#"
	b.WriteString("\n" + level + " Attendees\n\n")
	if len(r.Attendees) == 0 {
		b.WriteString("No one joined.\n")
	} else {
		r.attendeeTable().markdown(b)
	}
	if r.Answers != nil {
		r.Answers.markdown(b, level)
	}
	b.WriteString("\n" + level + " Agenda\n\n")
	if len(r.Agenda) == 0 {
		b.WriteString("No agenda.\n")
	} else {
		r.agendaTable().markdown(b)
	}
	if len(r.Polls) > 0 {
		b.WriteString("\n" + level + " Polls\n")
		for _, p := range r.Polls {
			fmt.Fprintf(b, "\n%s %s\n\n%s\n\n", sub, mdInline{heading: true}.escape(p.Question, 'x'), p.status())
			p.table().markdown(b)
		}
	}
	b.WriteString("\n" + level + " Open tasks\n\n")
	if len(r.OpenTasks) == 0 {
		b.WriteString("None.\n")
	}
	for _, t := range r.OpenTasks {
		b.WriteString("- [ ] " + mdCell(t) + "\n")
	}
}

// recordTable is a table of the record, in plain text that the format
// writing it escapes; numeric columns are right-aligned in Markdown.
type recordTable struct {
	cols    []string
	numeric []bool
	rows    [][]string
}

func (r *MeetingRecord) attendeeTable() recordTable {
	t := recordTable{cols: []string{"Name", "Joined", "Left"}, numeric: []bool{false, false, false}}
	for _, a := range r.Attendees {
		t.rows = append(t.rows, []string{a.display(), r.time(a.JoinedAt), r.timePtr(a.LeftAt)})
	}
	return t
}

func (r *MeetingRecord) agendaTable() recordTable {
	t := recordTable{cols: []string{"Item", "Planned", "Spent", "Done"}, numeric: []bool{false, true, true, false}}
	for _, it := range r.Agenda {
		done := "no"
		if it.Done {
			done = "yes"
		}
		t.rows = append(t.rows, []string{it.Title, duration(it.Minutes * 60), duration(it.SpentSeconds), done})
	}
	return t
}

// table is a poll's votes by option.
func (p Poll) table() recordTable {
	t := recordTable{cols: []string{"Option", "Votes"}, numeric: []bool{false, true}}
	for i, o := range p.Options {
		t.rows = append(t.rows, []string{o, strconv.FormatInt(p.count(i), 10)})
	}
	return t
}

// markdown writes t as a GitHub-flavoured table.
func (t recordTable) markdown(b *strings.Builder) {
	cell := func(c string) string { return " " + c + " |" }
	writeRow(b, t.cols, "|", "\n", cell)
	align := make([]string, len(t.numeric))
	for i, n := range t.numeric {
		align[i] = "---"
		if n {
			align[i] = "---:"
		}
	}
	writeRow(b, align, "|", "\n", cell)
	for _, row := range t.rows {
		writeRow(b, row, "|", "\n", func(c string) string { return cell(mdCell(c)) })
	}
}

// html writes t as an HTML table, every cell escaped.
func (t recordTable) html(b *strings.Builder) {
	b.WriteString("<table><thead>")
	writeRow(b, t.cols, "<tr>", "</tr>", func(c string) string { return "<th>" + c + "</th>" })
	b.WriteString("</thead><tbody>")
	for _, row := range t.rows {
		writeRow(b, row, "<tr>", "</tr>", func(c string) string { return "<td>" + html.EscapeString(c) + "</td>" })
	}
	b.WriteString("</tbody></table>")
}

// writeRow writes a table row: open, each cell as cell writes it, end.
func writeRow(b *strings.Builder, row []string, open, end string, cell func(string) string) {
	b.WriteString(open)
	for _, c := range row {
		b.WriteString(cell(c))
	}
	b.WriteString(end)
}

// status is a poll's state and turnout: "closed, 1 voter".
func (p Poll) status() string {
	state := "open"
	if p.Closed {
		state = "closed"
	}
	noun := "voters"
	if p.Voters == 1 {
		noun = "voter"
	}
	return fmt.Sprintf("%s, %d %s", state, p.Voters, noun)
}

// HTML renders the record as a safe HTML fragment with the sections of
// Markdown; every text is escaped.
func (r *MeetingRecord) HTML() string {
	e := html.EscapeString
	var b strings.Builder
	title := r.Title
	if title == "" {
		title = "Meeting record"
	}
	b.WriteString("<h1>" + e(title) + "</h1>")
	if s := r.summary(); s != "" {
		b.WriteString("<p>" + e(s) + "</p>")
	}
	b.WriteString("<h2>Attendees</h2>")
	if len(r.Attendees) == 0 {
		b.WriteString("<p>No one joined.</p>")
	} else {
		r.attendeeTable().html(&b)
	}
	if r.Answers != nil {
		r.Answers.html(&b)
	}
	b.WriteString("<h2>Agenda</h2>")
	if len(r.Agenda) == 0 {
		b.WriteString("<p>No agenda.</p>")
	} else {
		r.agendaTable().html(&b)
	}
	if len(r.Polls) > 0 {
		b.WriteString("<h2>Polls</h2>")
		for _, p := range r.Polls {
			b.WriteString("<h3>" + e(p.Question) + "</h3><p>" + e(p.status()) + "</p>")
			p.table().html(&b)
		}
	}
	b.WriteString("<h2>Open tasks</h2>")
	if len(r.OpenTasks) == 0 {
		b.WriteString("<p>None.</p>")
	} else {
		b.WriteString("<ul>")
		for _, t := range r.OpenTasks {
			b.WriteString("<li>" + e(t) + "</li>")
		}
		b.WriteString("</ul>")
	}
	return b.String()
}
