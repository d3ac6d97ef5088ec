package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// listVersions is GET /api/sessions/{id}/versions.
func (s *Server) listVersions(c echo.Context) error {
	list, err := s.ws.ListVersions(c.Request().Context(), identityOf(c), param(c, "id"))
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"versions": list})
}

// saveVersion is POST /api/sessions/{id}/versions {"name": "..."}: a
// named version now (host or cohost).
func (s *Server) saveVersion(c echo.Context) error {
	var req struct {
		Name string `json:"name"`
	}
	if ok, err := decodeJSON(c, &req); !ok {
		return err
	}
	return reply(s.ws.SaveVersion(c.Request().Context(), identityOf(c), param(c, "id"), req.Name))(c, http.StatusCreated)
}

// diffVersions is GET /api/sessions/{id}/versions/diff?from=A[&to=B]: a
// unified diff of the notes' Markdown between version A and version B
// (default: the current notes).
func (s *Server) diffVersions(c echo.Context) error {
	from, err := versionParam(c, "from")
	if err == nil && from == nil {
		return jsonError(c, http.StatusBadRequest, "bad_version", "from is required")
	}
	if err != nil {
		return jsonError(c, http.StatusBadRequest, "bad_version", err.Error())
	}
	to, err := versionParam(c, "to")
	if err != nil {
		return jsonError(c, http.StatusBadRequest, "bad_version", err.Error())
	}
	diff, err := s.ws.DiffVersions(c.Request().Context(), identityOf(c), param(c, "id"), *from, to)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"from": *from, "to": to, "diff": diff})
}

// search is GET /api/search?q=...[&limit=N]: full-text search over the
// latest indexed notes (workspace.Search).
func (s *Server) search(c echo.Context) error {
	limit := 20
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return jsonError(c, http.StatusBadRequest, "bad_limit", "limit must be an integer from 1 to 100, not "+strconv.Quote(l))
		}
		limit = n
	}
	hits, err := s.ws.Search(c.Request().Context(), identityOf(c), c.QueryParam("q"), limit)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"results": hits})
}
