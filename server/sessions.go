package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/docs"
	"github.com/cocreate/cocreate/notes"
)

// maxJSONBody bounds a control-plane request body.
const maxJSONBody = 1 << 20

// apiError is the JSON body of every /api error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func jsonError(c echo.Context, status int, code, msg string) error {
	return c.JSON(status, apiError{Code: code, Message: msg})
}

// decodeJSON strictly decodes the request body into v: unknown fields,
// trailing data and bodies over maxJSONBody are errors answered here.
// It returns false when it has already answered.
func decodeJSON(c echo.Context, v any) (bool, error) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return false, jsonError(c, http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("request body exceeds %d bytes", maxJSONBody))
		}
		return false, jsonError(c, http.StatusBadRequest, "bad_json", "invalid JSON body: "+err.Error())
	}
	return true, nil
}

// sessionRequest is the body of POST /api/sessions and PATCH
// /api/sessions/:id; on PATCH absent fields are left unchanged.
type sessionRequest struct {
	Title       *string             `json:"title"`
	Description *string             `json:"description"`
	ScheduledAt *time.Time          `json:"scheduled_at"`
	TimeZone    *string             `json:"time_zone"`
	Agenda      *[]notes.AgendaItem `json:"agenda"`
	// SeedNotes (create only, default true) seeds {id}/notes with the
	// title and agenda as headings, once.
	SeedNotes *bool `json:"seed_notes"`
}

func (r *sessionRequest) apply(s *notes.Session) {
	if r.Title != nil {
		s.Title = *r.Title
	}
	if r.Description != nil {
		s.Description = *r.Description
	}
	if r.ScheduledAt != nil {
		s.ScheduledAt = r.ScheduledAt.UTC()
	}
	if r.TimeZone != nil {
		s.TimeZone = *r.TimeZone
	}
	if r.Agenda != nil {
		s.Agenda = *r.Agenda
	}
}

// sessionRoutes registers the /api/sessions REST API on g (the /api
// group). Sessions live in the same store as the documents.
func (s *Server) sessionRoutes(g *echo.Group) {
	g.POST("/sessions", s.createSession)
	g.GET("/sessions", s.listSessions)
	g.GET("/sessions/:id", s.getSession)
	g.PATCH("/sessions/:id", s.updateSession)
	g.DELETE("/sessions/:id", s.deleteSession)
	g.POST("/sessions/:id/start", s.setState("session.start"))
	g.POST("/sessions/:id/end", s.setState("session.end"))
	g.POST("/sessions/:id/commands", s.postCommand)
	g.GET("/sessions/:id/meeting", s.getMeeting)
	g.GET("/me", s.getMe)
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

func (s *Server) sessions() notes.Sessions {
	ss, _ := s.store.(notes.Sessions)
	return ss
}

// sessionRole is the caller's role in sess: the host, a role stored on
// the session, else the token's grant (roleIn).
func sessionRole(id Identity, sess notes.Session) Role {
	if sess.Host == id.Subject {
		return RoleHost
	}
	if r, ok := sess.Roles[id.Subject]; ok {
		return Role(r)
	}
	return roleIn(id, sess.ID)
}

// storeError maps a store error to its HTTP answer.
func storeError(c echo.Context, err error) error {
	switch {
	case errors.Is(err, notes.ErrSessionNotFound):
		return jsonError(c, http.StatusNotFound, "not_found", "unknown session "+strconv.Quote(c.Param("id")))
	case errors.Is(err, notes.ErrBadTransition):
		return jsonError(c, http.StatusConflict, "invalid_transition", err.Error())
	case errors.Is(err, notes.ErrInvalidSession):
		return jsonError(c, http.StatusBadRequest, "invalid_session", err.Error())
	case errors.Is(err, notes.ErrBadPageToken):
		return jsonError(c, http.StatusBadRequest, "bad_page_token", err.Error())
	}
	return err
}

func (s *Server) createSession(c echo.Context) error {
	var req sessionRequest
	if ok, err := decodeJSON(c, &req); !ok {
		return err
	}
	id := identityOf(c)
	now := time.Now().UTC()
	sess := notes.Session{
		ID:        uuid.NewString(),
		Host:      id.Subject,
		State:     notes.StateScheduled,
		CreatedAt: now,
		Agenda:    []notes.AgendaItem{},
		Roles:     map[string]string{id.Subject: string(RoleHost)},
	}
	req.apply(&sess)
	if err := sess.Validate(); err != nil {
		return storeError(c, err)
	}
	ctx := c.Request().Context()
	if req.SeedNotes == nil || *req.SeedNotes {
		// Seeded before the record exists, so nobody can open the notes
		// document first; a failed create leaves an orphan seed only
		// under a fresh uuid nobody knows.
		seed, err := notes.NotesTemplate(sess)
		if err != nil {
			return err
		}
		if err := s.store.Append(ctx, sess.ID+"/notes", seed); err != nil {
			return err
		}
	}
	if err := s.sessions().CreateSession(ctx, sess); err != nil {
		return err
	}
	s.log.Info("session created", "session", sess.ID, "host", sess.Host)
	return c.JSON(http.StatusCreated, s.withRole(c, sess))
}

func (s *Server) listSessions(c echo.Context) error {
	opts := notes.ListOptions{State: c.QueryParam("state"), PageToken: c.QueryParam("page")}
	switch opts.State {
	case "", notes.StateScheduled, notes.StateLive, notes.StateEnded:
	default:
		return jsonError(c, http.StatusBadRequest, "bad_state", "state must be scheduled, live or ended, not "+strconv.Quote(opts.State))
	}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return jsonError(c, http.StatusBadRequest, "bad_limit", "limit must be an integer from 1 to 200, not "+strconv.Quote(l))
		}
		opts.Limit = n
	}
	page, err := s.sessions().ListSessions(c.Request().Context(), opts)
	if err != nil {
		return storeError(c, err)
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) getSession(c echo.Context) error {
	sess, err := s.sessions().GetSession(c.Request().Context(), c.Param("id"))
	if err != nil {
		return storeError(c, err)
	}
	return c.JSON(http.StatusOK, s.withRole(c, sess))
}

// authorize loads the session and checks the caller holds one of roles.
func (s *Server) authorize(c echo.Context, roles ...Role) (notes.Session, bool, error) {
	sess, err := s.sessions().GetSession(c.Request().Context(), c.Param("id"))
	if err != nil {
		return sess, false, storeError(c, err)
	}
	r := sessionRole(identityOf(c), sess)
	for _, want := range roles {
		if r == want {
			return sess, true, nil
		}
	}
	return sess, false, jsonError(c, http.StatusForbidden, "forbidden",
		fmt.Sprintf("role %s may not do this; it needs %v", r, roles))
}

func (s *Server) updateSession(c echo.Context) error {
	sess, ok, err := s.authorize(c, RoleHost, RoleCoHost)
	if !ok {
		return err
	}
	var req sessionRequest
	if ok, err := decodeJSON(c, &req); !ok {
		return err
	}
	if req.SeedNotes != nil {
		return jsonError(c, http.StatusBadRequest, "bad_field", "seed_notes is only accepted on create")
	}
	req.apply(&sess)
	if err := sess.Validate(); err != nil {
		return storeError(c, err)
	}
	if err := s.sessions().UpdateSession(c.Request().Context(), sess); err != nil {
		return storeError(c, err)
	}
	return c.JSON(http.StatusOK, s.withRole(c, sess))
}

// deleteSession deletes the session and all its documents: its live
// connections are closed (1008 "session deleted"), its hubs store and
// unload, later connections and commands get 410/404, and then the
// record and every document are deleted. The other instances close and
// refuse the session too (hub.Registry.DeleteSession, over the bus).
func (s *Server) deleteSession(c echo.Context) error {
	sess, ok, err := s.authorize(c, RoleHost)
	if !ok {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 30*time.Second)
	defer cancel()
	if err := s.hubs.DeleteSession(ctx, sess.ID); err != nil {
		return fmt.Errorf("delete session %s: closing its documents: %w", sess.ID, err)
	}
	if err := s.sessions().DeleteSession(ctx, sess.ID); err != nil {
		return storeError(c, err)
	}
	s.meetings.forget(sess.ID)
	s.log.Info("session deleted", "session", sess.ID)
	return c.NoContent(http.StatusNoContent)
}

// setState is POST /start and /end: the session.start and session.end
// commands, answered with the session record.
func (s *Server) setState(command string) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, ok, err := s.authorize(c, RoleHost, RoleCoHost)
		if !ok {
			return err
		}
		if c.Request().ContentLength > 0 {
			return jsonError(c, http.StatusBadRequest, "bad_json", "this endpoint takes no body")
		}
		ctx := c.Request().Context()
		a := s.runCommand(ctx, sess, identityOf(c), []byte(`{"type":"`+command+`"}`))
		if a.status != http.StatusOK {
			if a.err.Code == "conflict" {
				a.err.Code = "invalid_transition"
			}
			return c.JSON(a.status, a.body())
		}
		sess, err = s.sessions().GetSession(ctx, sess.ID)
		if err != nil {
			return storeError(c, err)
		}
		return c.JSON(http.StatusOK, s.withRole(c, sess))
	}
}

// sessionView is a session as the API shows it to one caller.
type sessionView struct {
	notes.Session
	// MyRole is the caller's role in the session.
	MyRole Role `json:"my_role"`
}

func (s *Server) withRole(c echo.Context, sess notes.Session) sessionView {
	return sessionView{Session: sess, MyRole: sessionRole(identityOf(c), sess)}
}

// getMe is GET /api/me: who the caller is.
func (s *Server) getMe(c echo.Context) error {
	id := identityOf(c)
	return c.JSON(http.StatusOK, map[string]any{"subject": id.Subject, "name": id.Name, "guest": id.Guest})
}
