package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// apiError is the JSON body of every /api error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func jsonError(c echo.Context, status int, code, msg string) error {
	return c.JSON(status, apiError{Code: code, Message: msg})
}

// statusOf maps the workspace's errors to HTTP statuses: the one place
// where a kind of error becomes a status code.
var statusOf = []struct {
	kind   error
	status int
}{
	{workspace.ErrInvalid, http.StatusBadRequest},
	{workspace.ErrForbidden, http.StatusForbidden},
	{workspace.ErrNotFound, http.StatusNotFound},
	{workspace.ErrConflict, http.StatusConflict},
	{workspace.ErrGone, http.StatusGone},
	{workspace.ErrQuota, http.StatusTooManyRequests},
	{workspace.ErrUnavailable, http.StatusServiceUnavailable},
}

// answerOf is the status and body of an error a use case returned;
// errors of no known kind are internal (500).
func answerOf(err error) (int, apiError) {
	var we *workspace.Error
	if errors.As(err, &we) {
		for _, s := range statusOf {
			if errors.Is(we.Kind, s.kind) {
				return s.status, apiError{Code: we.Code, Message: we.Message}
			}
		}
	}
	return http.StatusInternalServerError, apiError{Code: "internal", Message: err.Error()}
}

// fail answers a request with err. A quota refusal (429) gets a
// Retry-After (1 s unless the handler set one) and is counted in
// cocreate_refused_total under its code (countRefused).
func fail(c echo.Context, err error) error {
	status, body := answerOf(err)
	if status == http.StatusTooManyRequests {
		if c.Response().Header().Get("Retry-After") == "" {
			c.Response().Header().Set("Retry-After", strconv.Itoa(1))
		}
		c.Set(refusedKey, body.Code)
	}
	return c.JSON(status, body)
}

// refusedKey is where fail leaves a quota refusal's code for
// countRefused.
const refusedKey = "cocreate.refused"

// countRefused counts the quota refusals fail answered, under their
// codes, whichever handler answered them.
func (s *Server) countRefused(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if code, ok := c.Get(refusedKey).(string); ok {
			s.metrics.Refused.WithLabelValues(code).Inc()
		}
		return err
	}
}

// param is the path parameter name, unescaped (echo leaves a parameter
// escaped when the request's path was escaped unusually); a bad escape
// stays as it is and fails validation in the workspace.
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// reply answers a use case's result: v as JSON with status, or its
// error (fail). Call it as reply(s.ws.UseCase(…))(c, status).
func reply[T any](v T, err error) func(c echo.Context, status int) error {
	return func(c echo.Context, status int) error {
		if err != nil {
			return fail(c, err)
		}
		return c.JSON(status, v)
	}
}
