package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/notes/render"
)

// postMeeting is what a reader gets for a session: the notes document
// rendered, and the record of the meeting.
type postMeeting struct {
	sess     notes.Session
	version  *int // nil: the latest state
	notesRaw []byte
	notes    *render.Notes
	record   *render.MeetingRecord
}

// currentState is the encoded state of a document now: from its hub,
// which holds what is not stored yet (the document is loaded for the
// call if nobody has it open).
func (s *Server) currentState(name string) ([]byte, error) {
	var out []byte
	err := s.hubs.Do(name, func(d *crdt.Doc) error {
		var err error
		out, err = d.EncodeStateAsUpdate(nil)
		return err
	})
	return out, err
}

// loadPostMeeting reads and renders a session's notes and meeting
// record, now or at a version.
func (s *Server) loadPostMeeting(ctx context.Context, sess notes.Session, version *int) (*postMeeting, error) {
	pm := &postMeeting{sess: sess, version: version}
	var notesRaw, meetingRaw []byte
	var err error
	if version != nil {
		notesRaw, meetingRaw, err = s.versionStates(ctx, sess.ID, *version)
	} else {
		notesRaw, err = s.currentState(sess.ID + "/notes")
		if err == nil {
			meetingRaw, err = s.currentState(sess.ID + "/meeting")
		}
	}
	if err != nil {
		return nil, err
	}
	pm.notesRaw = notesRaw
	if pm.notes, err = render.ReadNotesUpdate(notesRaw); err != nil {
		return nil, fmt.Errorf("notes of %s: %w", sess.ID, err)
	}
	if pm.record, err = render.RecordUpdate(meetingRaw); err != nil {
		return nil, fmt.Errorf("meeting record of %s: %w", sess.ID, err)
	}
	pm.record.OpenTasks = pm.notes.OpenTasks()
	if pm.record.Title == "" {
		pm.record.Title = sess.Title
	}
	if loc, err := time.LoadLocation(sess.TimeZone); err == nil {
		pm.record.Location = loc
	}
	return pm, nil
}

// markdown is the whole post-meeting document: title, date and
// duration, the notes, then the record (render.DocumentMarkdown).
func (pm *postMeeting) markdown() string {
	return render.DocumentMarkdown(pm.record, pm.notes)
}

// requestedNotes loads the notes a request asks for (session {id},
// ?version=N); false when it has answered with an error.
func (s *Server) requestedNotes(c echo.Context) (*postMeeting, bool, error) {
	version, err := notesQuery(c)
	if err != nil {
		return nil, false, jsonError(c, http.StatusBadRequest, "bad_version", err.Error())
	}
	ctx := c.Request().Context()
	sess, err := s.sessions().GetSession(ctx, c.Param("id"))
	if err != nil {
		return nil, false, storeError(c, err)
	}
	pm, err := s.loadPostMeeting(ctx, sess, version)
	if err != nil {
		return nil, false, s.notesError(c, err)
	}
	return pm, true, nil
}

// notesQuery reads ?version=N.
func notesQuery(c echo.Context) (*int, error) {
	v := c.QueryParam("version")
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("version must be a positive integer, not %q", v)
	}
	return &n, nil
}

// getNotes is GET /api/sessions/{id}/notes?format=md|html|json|yjs[&version=N].
func (s *Server) getNotes(c echo.Context) error {
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	switch format {
	case "md", "html", "json", "yjs":
	default:
		return jsonError(c, http.StatusBadRequest, "bad_format", "format must be md, html, json or yjs, not "+strconv.Quote(format))
	}
	pm, ok, err := s.requestedNotes(c)
	if !ok {
		return err
	}
	switch format {
	case "md":
		return c.Blob(http.StatusOK, "text/markdown; charset=utf-8", []byte(pm.markdown()))
	case "html":
		return c.HTMLBlob(http.StatusOK, []byte(pm.record.HTML()+"\n<h2>Notes</h2>\n"+pm.notes.HTML()))
	case "yjs":
		return c.Blob(http.StatusOK, "application/octet-stream", pm.notesRaw)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"session":  s.withRole(c, pm.sess),
		"version":  pm.version,
		"markdown": pm.notes.Markdown(),
		"html":     pm.notes.HTML(),
		"record":   pm.record,
	})
}

// notesError maps a failure to read notes to its answer.
func (s *Server) notesError(c echo.Context, err error) error {
	switch {
	case errors.Is(err, notes.ErrVersionNotFound):
		return jsonError(c, http.StatusNotFound, "version_not_found", err.Error())
	}
	a := meetingError(err)
	return c.JSON(a.status, a.body())
}

// notesPage is the readable page of GET /notes/{id}. html/template
// escapes every value; the rendered fragments are safe HTML by
// construction (notes/render escapes every text and attribute and keeps
// only http, https and mailto links).
var notesPage = template.Must(template.New("notes").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — cocreate notes</title>
<style>
body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1b1b1b;background:#fff}
a{color:#0b57d0}a:focus,button:focus{outline:3px solid #0b57d0;outline-offset:2px}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left}
pre{background:#f3f3f3;padding:.75rem;overflow:auto}blockquote{border-left:4px solid #999;margin-left:0;padding-left:1rem}
img{max-width:100%}nav{margin:.5rem 0 1.5rem}
</style>
</head>
<body>
<nav><a href="/">cocreate</a> · <a href="/notes/{{.ID}}?download=1">Download Markdown</a>{{if .Version}} · version {{.Version}}{{end}}</nav>
<main>
{{.Record}}
<h2>Notes</h2>
{{.Notes}}
</main>
</body>
</html>
`))

// readNotesPage is GET /notes/{id}: the post-meeting notes as a page for
// people; ?download=1 gives the Markdown as a file.
func (s *Server) readNotesPage(c echo.Context) error {
	pm, ok, err := s.requestedNotes(c)
	if !ok {
		return err
	}
	if c.QueryParam("download") == "1" {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+downloadName(pm.sess.Title)+`.md"`)
		return c.Blob(http.StatusOK, "text/markdown; charset=utf-8", []byte(pm.markdown()))
	}
	var b bytes.Buffer
	v := ""
	if pm.version != nil {
		v = strconv.Itoa(*pm.version)
	}
	err = notesPage.Execute(&b, map[string]any{
		"ID": pm.sess.ID, "Title": pm.sess.Title, "Version": v,
		// Safe by construction, see notesPage.
		"Record": template.HTML(pm.record.HTML()),
		"Notes":  template.HTML(pm.notes.HTML()),
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:")
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// downloadName makes a file name from a title: letters, digits, - and _.
func downloadName(title string) string {
	var b strings.Builder
	for _, r := range title {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "notes"
	}
	return b.String()
}
