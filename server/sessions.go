package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/docs"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// maxJSONBody bounds a control-plane request body.
const maxJSONBody = 1 << 20

// readBody reads the request body, at most maxJSONBody bytes; a body
// too large or unreadable is answered here, and ok is false.
func readBody(c echo.Context) (body []byte, ok bool, err error) {
	r := c.Request()
	body, err = io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxJSONBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, false, jsonError(c, http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("request body exceeds %d bytes", maxJSONBody))
	case err != nil:
		return nil, false, jsonError(c, http.StatusBadRequest, "bad_body", err.Error())
	}
	return body, true, nil
}

// decodeJSON strictly decodes the request body into v: unknown fields,
// trailing data and bodies over maxJSONBody are errors answered here.
// It returns false when it has already answered.
func decodeJSON(c echo.Context, v any) (bool, error) {
	body, ok, err := readBody(c)
	if !ok {
		return false, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err != nil {
		return false, jsonError(c, http.StatusBadRequest, "bad_json", "invalid JSON body: "+err.Error())
	}
	return true, nil
}

// sessionRoutes registers the /api/sessions REST API on g (the /api
// group). Sessions live in the same store as the documents.
func (s *Server) sessionRoutes(g *echo.Group) {
	g.POST("/sessions", s.createSession)
	g.GET("/sessions", s.listSessions)
	g.GET("/sessions/:id", serveOf("id", s.ws.GetSession))
	// PATCH leaves absent fields unchanged.
	g.PATCH("/sessions/:id", serveOfIn("id", s.ws.UpdateSession))
	g.DELETE("/sessions/:id", deleteOf("id", s.ws.DeleteSession))
	g.POST("/sessions/:id/start", s.setState(notes.StateLive))
	g.POST("/sessions/:id/end", s.setState(notes.StateEnded))
	g.POST("/sessions/:id/commands", s.postCommand)
	g.GET("/sessions/:id/meeting", s.getMeeting)
	g.GET("/sessions/:id/notes", s.getNotes)
	g.GET("/sessions/:id/versions", s.listVersions)
	g.POST("/sessions/:id/versions", s.saveVersion)
	g.GET("/sessions/:id/versions/diff", s.diffVersions)
	g.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", openapiYAML)
	})
}

// openapiYAML (docs/openapi.yaml) describes every route;
// TestOpenAPICoversRoutes and the status check in TestMain keep it in
// step with the router.
var openapiYAML = docs.OpenAPI

// createSession is POST /api/sessions.
func (s *Server) createSession(c echo.Context) error {
	var in workspace.SessionInput
	if ok, err := decodeJSON(c, &in); !ok {
		return err
	}
	v, err := s.ws.CreateSession(c.Request().Context(), identityOf(c), in)
	var we *workspace.Error
	if errors.As(err, &we) && we.Code == "too_many_sessions" {
		// The space's hour is full: a retry in one second would only
		// be refused again.
		c.Response().Header().Set("Retry-After", "300")
	}
	return reply(v, err)(c, http.StatusCreated)
}

// listSessions is GET /api/sessions?state=&limit=&page=.
func (s *Server) listSessions(c echo.Context) error {
	opts := workspace.ListOptions{SpaceID: c.QueryParam("space_id")}
	opts.State, opts.PageToken = c.QueryParam("state"), c.QueryParam("page")
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return jsonError(c, http.StatusBadRequest, "bad_limit", "limit must be an integer from 1 to 200, not "+strconv.Quote(l))
		}
		opts.Limit = n
	}
	return reply(s.ws.ListSessions(c.Request().Context(), identityOf(c), opts))(c, http.StatusOK)
}

// setState is POST /start and /end: the session.start and session.end
// commands, answered with the session record.
func (s *Server) setState(state string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().ContentLength > 0 {
			return jsonError(c, http.StatusBadRequest, "bad_json", "this endpoint takes no body")
		}
		v, err := s.ws.SetState(c.Request().Context(), identityOf(c), param(c, "id"), state)
		if err != nil {
			return fail(c, err)
		}
		return c.JSON(http.StatusOK, v)
	}
}
