package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// seriesRoutes registers the recurring series API on g (the /api group).
func (s *Server) seriesRoutes(g *echo.Group) {
	g.POST("/series", s.createSeries)
	g.GET("/series/:id", s.getSeries)
	g.DELETE("/series/:id/occurrences/:slot", s.cancelOccurrence)
	g.GET("/series/:id/calendar.ics", s.seriesCalendar)
}

// createSeries is POST /api/series.
func (s *Server) createSeries(c echo.Context) error {
	var in workspace.SeriesInput
	if ok, err := decodeJSON(c, &in); !ok {
		return err
	}
	return reply(s.ws.CreateSeries(c.Request().Context(), identityOf(c), in))(c, http.StatusCreated)
}

// getSeries is GET /api/series/{id}.
func (s *Server) getSeries(c echo.Context) error {
	return reply(s.ws.GetSeries(c.Request().Context(), identityOf(c), param(c, "id")))(c, http.StatusOK)
}

// cancelOccurrence is DELETE /api/series/{id}/occurrences/{slot}, slot
// the occurrence's original start in RFC 3339.
func (s *Server) cancelOccurrence(c echo.Context) error {
	slot, err := time.Parse(time.RFC3339, param(c, "slot"))
	if err != nil {
		return jsonError(c, http.StatusBadRequest, "bad_slot", "slot must be the occurrence's original start in RFC 3339, e.g. 2026-10-13T13:00:00Z")
	}
	return reply(s.ws.CancelOccurrence(c.Request().Context(), identityOf(c), param(c, "id"), slot))(c, http.StatusOK)
}

// seriesCalendar is GET /api/series/{id}/calendar.ics (a ?feed= token,
// or the caller's identity).
func (s *Server) seriesCalendar(c echo.Context) error {
	return s.calendar(c, workspace.FeedSeries, s.ws.SeriesCalendar)
}
