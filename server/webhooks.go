package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// webhookRoutes registers a space's webhooks on g (the /api group).
func (s *Server) webhookRoutes(g *echo.Group) {
	g.POST("/spaces/:id/webhooks", s.createWebhook)
	g.GET("/spaces/:id/webhooks", s.listWebhooks)
	g.DELETE("/spaces/:id/webhooks/:hook", s.deleteWebhook)
	g.GET("/spaces/:id/webhooks/:hook/deliveries", s.listDeliveries)
}

// createWebhook is POST /api/spaces/{id}/webhooks {url, events, secret}.
func (s *Server) createWebhook(c echo.Context) error {
	var in workspace.WebhookInput
	if ok, err := decodeJSON(c, &in); !ok {
		return err
	}
	return reply(s.ws.CreateWebhook(c.Request().Context(), identityOf(c), param(c, "id"), in))(c, http.StatusCreated)
}

// listWebhooks is GET /api/spaces/{id}/webhooks.
func (s *Server) listWebhooks(c echo.Context) error {
	hs, err := s.ws.Webhooks(c.Request().Context(), identityOf(c), param(c, "id"))
	return reply(struct {
		Webhooks []workspace.WebhookView `json:"webhooks"`
	}{hs}, err)(c, http.StatusOK)
}

// deleteWebhook is DELETE /api/spaces/{id}/webhooks/{hook}.
func (s *Server) deleteWebhook(c echo.Context) error {
	if err := s.ws.DeleteWebhook(c.Request().Context(), identityOf(c), param(c, "id"), param(c, "hook")); err != nil {
		return fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// listDeliveries is GET /api/spaces/{id}/webhooks/{hook}/deliveries.
func (s *Server) listDeliveries(c echo.Context) error {
	ds, err := s.ws.Deliveries(c.Request().Context(), identityOf(c), param(c, "id"), param(c, "hook"))
	return reply(struct {
		Deliveries []notes.Delivery `json:"deliveries"`
	}{ds}, err)(c, http.StatusOK)
}
