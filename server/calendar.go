package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// calendarRoutes registers the calendar feeds and the caller's feed
// tokens on g (the /api group).
func (s *Server) calendarRoutes(g *echo.Group) {
	g.GET("/sessions/:id/calendar.ics", s.sessionCalendar)
	g.POST("/me/feeds", s.createFeed)
	g.GET("/me/feeds", s.listFeeds)
	g.DELETE("/me/feeds/:feed", s.deleteFeed)
	g.GET("/spaces/:id/calendar.ics", s.spaceCalendar)
	s.seriesRoutes(g)
	s.webhookRoutes(g)
	s.rsvpRoutes(g)
}

// spaceCalendar is GET /api/spaces/{id}/calendar.ics (a ?feed= token,
// or the caller's identity).
func (s *Server) spaceCalendar(c echo.Context) error {
	return s.calendar(c, workspace.FeedSpace, s.ws.SpaceCalendar)
}

// feedRoutes are the routes a ?feed= token may read, and only with GET.
var feedRoutes = map[string]bool{
	"/api/sessions/:id/calendar.ics": true,
	"/api/series/:id/calendar.ics":   true,
	"/api/spaces/:id/calendar.ics":   true,
}

// isFeedRead reports whether a request reads a calendar feed with a
// feed token: authenticate leaves it to the handler, which takes the
// token's owner as the caller. Any other route ignores ?feed=.
func isFeedRead(c echo.Context) bool {
	return c.Request().Method == http.MethodGet && feedRoutes[c.Path()] && c.QueryParam("feed") != ""
}

// origin is the server's origin as the request names it, for links in
// feeds.
func origin(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// sessionCalendar is GET /api/sessions/{id}/calendar.ics, read with the
// caller's identity or, for calendar apps, a ?feed= token.
func (s *Server) sessionCalendar(c echo.Context) error {
	return s.calendar(c, workspace.FeedSession, s.ws.SessionCalendar)
}

// calendar answers a feed of kind: the caller is the ?feed= token's
// owner (for that one feed) or the authenticated identity.
func (s *Server) calendar(c echo.Context, kind string, feed func(context.Context, workspace.Caller, string, string) ([]byte, error)) error {
	ctx := c.Request().Context()
	id := param(c, "id")
	var caller workspace.Caller
	if isFeedRead(c) {
		var err error
		if caller, err = s.ws.FeedCaller(ctx, c.QueryParam("feed"), kind, id); err != nil {
			return fail(c, err)
		}
	} else {
		caller = identityOf(c)
	}
	b, err := feed(ctx, caller, id, origin(c))
	if err != nil {
		return fail(c, err)
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="`+kind+`.ics"`)
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", b)
}

// createFeed is POST /api/me/feeds {session_id}: a feed token and the
// feed's URL with it, shown once.
func (s *Server) createFeed(c echo.Context) error {
	var in workspace.FeedInput
	if ok, err := decodeJSON(c, &in); !ok {
		return err
	}
	v, err := s.ws.CreateFeed(c.Request().Context(), identityOf(c), in)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusCreated, struct {
		workspace.FeedView
		URL string `json:"url"`
	}{v, origin(c) + v.Path})
}

// listFeeds is GET /api/me/feeds.
func (s *Server) listFeeds(c echo.Context) error {
	v, err := s.ws.Feeds(c.Request().Context(), identityOf(c))
	return reply(struct {
		Feeds []workspace.FeedView `json:"feeds"`
	}{v}, err)(c, http.StatusOK)
}

// deleteFeed is DELETE /api/me/feeds/{feed}: the token reads nothing
// from now on.
func (s *Server) deleteFeed(c echo.Context) error {
	if err := s.ws.DeleteFeed(c.Request().Context(), identityOf(c), param(c, "feed")); err != nil {
		return fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}
