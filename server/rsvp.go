package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// rsvpRoutes registers RSVPs and a space's open tasks on g (the /api
// group).
func (s *Server) rsvpRoutes(g *echo.Group) {
	g.PUT("/sessions/:id/rsvp", serveOfIn("id", s.ws.SetRSVP))
	g.GET("/sessions/:id/rsvps", serveOf("id", s.ws.RSVPs))
	g.GET("/spaces/:id/tasks", s.spaceTasks)
}

// spaceTasks is GET /api/spaces/{id}/tasks[?group_by=owner|session].
func (s *Server) spaceTasks(c echo.Context) error {
	ts, groups, err := s.ws.SpaceTasks(c.Request().Context(), identityOf(c), param(c, "id"), c.QueryParam("group_by"))
	return reply(struct {
		Tasks  []workspace.Task      `json:"tasks"`
		Groups []workspace.TaskGroup `json:"groups,omitzero"` // [] when grouped and empty
	}{ts, groups}, err)(c, http.StatusOK)
}
