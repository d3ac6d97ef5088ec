package server

import (
	"io/fs"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/client/web"
)

// webRoutes serves the embedded browser workspace (package client/web):
// the same page for the lobby (/), a session room (/s/{id}), the
// notes reader (/read/{id}) and the invite accept page (/invite/{code}),
// and its assets under /assets/. Without a
// built bundle the pages say how to build it.
func (s *Server) webRoutes(e *echo.Echo) {
	files, built := web.Files()
	page := func(c echo.Context) error {
		if s.cfg.AuthSecret == "" {
			// The guest identity is fixed by the page, before its
			// requests and sockets run in parallel.
			s.guest(c)
		}
		if !built {
			return c.HTML(http.StatusServiceUnavailable, `<!doctype html><title>cocreate</title>
<p>The web UI is not built into this binary. Run <code>make ui</code> (or <code>make run</code>) and rebuild.
The API (/api/...) and WebSocket sync (/sync/...) work without it.</p>`)
		}
		b, err := fs.ReadFile(files, "index.html")
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		// Only this server: scripts, styles, sockets. Inline style
		// attributes are the collaboration carets' colours.
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' http: https: data:; frame-ancestors 'none'")
		return c.HTMLBlob(http.StatusOK, b)
	}
	e.GET("/", page)
	e.GET("/s/:id", page)
	e.GET("/read/:id", page)
	e.GET("/invite/:code", page)
	e.GET("/assets/:file", func(c echo.Context) error {
		name := path.Clean(c.Param("file"))
		if !built || name == "index.html" {
			return jsonError(c, http.StatusNotFound, "not_found", "no such asset")
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return jsonError(c, http.StatusNotFound, "not_found", "no such asset")
		}
		ct := "application/octet-stream"
		switch path.Ext(name) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		return c.Blob(http.StatusOK, ct, b)
	})
}
