package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// accessRoutes registers profiles, spaces, members and invites on g
// (the /api group).
func (s *Server) accessRoutes(g *echo.Group) {
	g.GET("/me", serve(http.StatusOK, s.ws.Me))
	g.PATCH("/me", serveIn(http.StatusOK, s.ws.UpdateMe))
	g.POST("/spaces", serveIn(http.StatusCreated, s.ws.CreateSpace))
	g.GET("/spaces", s.listSpaces)
	g.GET("/spaces/:id", serveOf("id", s.ws.GetSpace))
	g.PATCH("/spaces/:id", serveOfIn("id", s.ws.RenameSpace))
	g.DELETE("/spaces/:id", deleteOf("id", s.ws.DeleteSpace)) // with its sessions
	g.GET("/spaces/:id/members", s.listMembers)
	g.PUT("/spaces/:id/members/:subject", s.setMember)
	g.DELETE("/spaces/:id/members/:subject", s.removeMember)
	g.GET("/spaces/:id/invites", s.listInvites)
	g.POST("/spaces/:id/invites", s.createInvite(s.ws.CreateSpaceInvite))
	g.POST("/sessions/:id/invites", s.createInvite(s.ws.CreateSessionInvite))
	g.GET("/invites/:code", s.getInvite)
	g.POST("/invites/:code/accept", s.acceptInvite)
	g.DELETE("/invites/:code", deleteOf("code", s.ws.RevokeInvite))
}

// listSpaces is GET /api/spaces: the caller's spaces.
func (s *Server) listSpaces(c echo.Context) error {
	list, err := s.ws.ListSpaces(c.Request().Context(), identityOf(c))
	return reply(map[string]any{"spaces": list}, err)(c, http.StatusOK)
}

// listMembers is GET /api/spaces/{id}/members.
func (s *Server) listMembers(c echo.Context) error {
	list, err := s.ws.Members(c.Request().Context(), identityOf(c), param(c, "id"))
	return reply(map[string]any{"members": list}, err)(c, http.StatusOK)
}

// setMember is PUT /api/spaces/{id}/members/{subject} {role}.
func (s *Server) setMember(c echo.Context) error {
	var in workspace.MemberInput
	if ok, err := decodeJSON(c, &in); !ok {
		return err
	}
	return reply(s.ws.SetMember(c.Request().Context(), identityOf(c), param(c, "id"), param(c, "subject"), in))(c, http.StatusOK)
}

// removeMember is DELETE /api/spaces/{id}/members/{subject}.
func (s *Server) removeMember(c echo.Context) error {
	return noContent(c, s.ws.RemoveMember(c.Request().Context(), identityOf(c), param(c, "id"), param(c, "subject")))
}

// withURL sets an invite's absolute URL on the server the caller
// reached.
func withURL(c echo.Context, v workspace.InviteView) workspace.InviteView {
	v.URL = c.Scheme() + "://" + c.Request().Host + v.Path
	return v
}

// listInvites is GET /api/spaces/{id}/invites.
func (s *Server) listInvites(c echo.Context) error {
	list, err := s.ws.ListInvites(c.Request().Context(), identityOf(c), param(c, "id"))
	for i := range list {
		list[i] = withURL(c, list[i])
	}
	return reply(map[string]any{"invites": list}, err)(c, http.StatusOK)
}

// createInvite is POST /api/spaces/{id}/invites and
// /api/sessions/{id}/invites.
func (s *Server) createInvite(create func(ctx context.Context, caller workspace.Caller, id string, in workspace.InviteInput) (workspace.InviteView, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in workspace.InviteInput
		if ok, err := decodeJSON(c, &in); !ok {
			return err
		}
		v, err := create(c.Request().Context(), identityOf(c), param(c, "id"), in)
		return reply(withURL(c, v), err)(c, http.StatusCreated)
	}
}

// getInvite is GET /api/invites/{code}: what it grants.
func (s *Server) getInvite(c echo.Context) error {
	v, err := s.ws.GetInvite(c.Request().Context(), identityOf(c), param(c, "code"))
	return reply(withURL(c, v), err)(c, http.StatusOK)
}

// acceptInvite is POST /api/invites/{code}/accept.
func (s *Server) acceptInvite(c echo.Context) error {
	if c.Request().ContentLength > 0 {
		return jsonError(c, http.StatusBadRequest, "bad_json", "this endpoint takes no body")
	}
	return reply(s.ws.AcceptInvite(c.Request().Context(), identityOf(c), param(c, "code")))(c, http.StatusOK)
}
