package server

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// requestedNotes loads the notes a request asks for (session {id},
// ?version=N); false when it has answered with an error.
func (s *Server) requestedNotes(c echo.Context) (*workspace.PostMeeting, bool, error) {
	version, err := versionParam(c, "version")
	if err != nil {
		return nil, false, jsonError(c, http.StatusBadRequest, "bad_version", err.Error())
	}
	pm, err := s.ws.ReadNotes(c.Request().Context(), identityOf(c), param(c, "id"), version)
	if err != nil {
		return nil, false, fail(c, err)
	}
	return pm, true, nil
}

// versionParam reads a version number from the query parameter name
// (nil when absent).
func versionParam(c echo.Context, name string) (*int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%s must be a positive integer, not %q", name, v)
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
		return c.Blob(http.StatusOK, "text/markdown; charset=utf-8", []byte(pm.Markdown()))
	case "html":
		return c.HTMLBlob(http.StatusOK, []byte(pm.Record.HTML()+"\n<h2>Notes</h2>\n"+pm.Notes.HTML()))
	case "yjs":
		return c.Blob(http.StatusOK, "application/octet-stream", pm.NotesRaw)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"session":  pm.Session,
		"version":  pm.Version,
		"markdown": pm.Notes.Markdown(),
		"html":     pm.Notes.HTML(),
		"record":   pm.Record,
	})
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
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+downloadName(pm.Session.Title)+`.md"`)
		return c.Blob(http.StatusOK, "text/markdown; charset=utf-8", []byte(pm.Markdown()))
	}
	var b bytes.Buffer
	v := ""
	if pm.Version != nil {
		v = strconv.Itoa(*pm.Version)
	}
	err = notesPage.Execute(&b, map[string]any{
		"ID": pm.Session.ID, "Title": pm.Session.Title, "Version": v,
		// Safe by construction, see notesPage.
		"Record": template.HTML(readOnlyChecks(pm.Record.HTML())),
		"Notes":  template.HTML(readOnlyChecks(pm.Notes.HTML())),
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:")
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// readOnlyChecks disables the task checkboxes of a rendered fragment for
// the page: ticking one there would change nothing stored. Only the page
// changes; notes/render's HTML stays byte-identical to TipTap's. Text
// cannot fake the tag: render escapes every "<" of it.
func readOnlyChecks(html string) string {
	return strings.ReplaceAll(html, `<input type="checkbox"`, `<input type="checkbox" disabled`)
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
