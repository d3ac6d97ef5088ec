package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// rsvpRoutes registers RSVPs and a space's open tasks on g (the /api
// group).
func (s *Server) rsvpRoutes(g *echo.Group) {
	g.PUT("/sessions/:id/rsvp", s.setRSVP)
	g.GET("/sessions/:id/rsvps", s.listRSVPs)
	g.GET("/spaces/:id/tasks", s.spaceTasks)
}

// setRSVP is PUT /api/sessions/{id}/rsvp {answer}.
func (s *Server) setRSVP(c echo.Context) error {
	var in workspace.RSVPInput
	if ok, err := decodeJSON(c, &in); !ok {
		return err
	}
	return reply(s.ws.SetRSVP(c.Request().Context(), identityOf(c), param(c, "id"), in))(c, http.StatusOK)
}

// listRSVPs is GET /api/sessions/{id}/rsvps.
func (s *Server) listRSVPs(c echo.Context) error {
	return reply(s.ws.RSVPs(c.Request().Context(), identityOf(c), param(c, "id")))(c, http.StatusOK)
}

// spaceTasks is GET /api/spaces/{id}/tasks[?group_by=owner|session].
func (s *Server) spaceTasks(c echo.Context) error {
	ts, groups, err := s.ws.SpaceTasks(c.Request().Context(), identityOf(c), param(c, "id"), c.QueryParam("group_by"))
	return reply(struct {
		Tasks  []workspace.Task      `json:"tasks"`
		Groups []workspace.TaskGroup `json:"groups,omitzero"` // [] when grouped and empty
	}{ts, groups}, err)(c, http.StatusOK)
}
