package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/workspace"
)

// The handlers of most routes are one workspace use case each: decode
// the JSON body (when there is one), call the use case with the caller
// and the path parameters, answer its result or its error (reply). These
// adapters make that handler from the use case's method value, so a
// route reads as the use case it serves.

// ucase is a use case of the caller alone.
type ucase[Out any] func(context.Context, workspace.Caller) (Out, error)

// ucaseIn is a use case of the caller and a JSON body.
type ucaseIn[In, Out any] func(context.Context, workspace.Caller, In) (Out, error)

// ucaseOf is a use case of the caller and one path parameter.
type ucaseOf[Out any] func(context.Context, workspace.Caller, string) (Out, error)

// ucaseOfIn is a use case of the caller, one path parameter and a JSON
// body.
type ucaseOfIn[In, Out any] func(context.Context, workspace.Caller, string, In) (Out, error)

// serve serves f, answering status.
func serve[Out any](status int, f ucase[Out]) echo.HandlerFunc {
	return func(c echo.Context) error {
		return reply(f(c.Request().Context(), identityOf(c)))(c, status)
	}
}

// serveIn serves f with the decoded JSON body, answering status.
func serveIn[In, Out any](status int, f ucaseIn[In, Out]) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in In
		if ok, err := decodeJSON(c, &in); !ok {
			return err
		}
		return reply(f(c.Request().Context(), identityOf(c), in))(c, status)
	}
}

// serveOf serves f with the path parameter name, answering 200.
func serveOf[Out any](name string, f ucaseOf[Out]) echo.HandlerFunc {
	return func(c echo.Context) error {
		return reply(f(c.Request().Context(), identityOf(c), param(c, name)))(c, http.StatusOK)
	}
}

// serveOfIn serves f with the path parameter name and the decoded JSON
// body, answering 200.
func serveOfIn[In, Out any](name string, f ucaseOfIn[In, Out]) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in In
		if ok, err := decodeJSON(c, &in); !ok {
			return err
		}
		return reply(f(c.Request().Context(), identityOf(c), param(c, name), in))(c, http.StatusOK)
	}
}

// deleteOf serves the deleting use case f with the path parameter name,
// answering 204.
func deleteOf(name string, f func(context.Context, workspace.Caller, string) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		return noContent(c, f(c.Request().Context(), identityOf(c), param(c, name)))
	}
}

// noContent answers 204, or err.
func noContent(c echo.Context, err error) error {
	if err != nil {
		return fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}
