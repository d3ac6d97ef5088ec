package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/meeting"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// postCommand is POST /api/sessions/{id}/commands: the body is a
// meeting command, run by workspace.Command.
func (s *Server) postCommand(c echo.Context) error {
	body, ok, err := readBody(c)
	if !ok {
		return err
	}
	// A refusal is counted by fail (countRefused).
	return reply(s.ws.Command(c.Request().Context(), identityOf(c), param(c, "id"), body))(c, http.StatusOK)
}

// command runs a meeting command sent over a socket (workspace.Command),
// counting the ones refused for the rate limit in /metrics.
func (s *Server) command(ctx context.Context, id Identity, session string, body []byte) (meeting.Result, error) {
	res, err := s.ws.Command(ctx, id, session, body)
	if errors.Is(err, workspace.ErrQuota) {
		s.metrics.Refused.WithLabelValues("rate_limited").Inc()
	}
	return res, err
}

// getMeeting is GET /api/sessions/{id}/meeting: the whole live meeting
// state as JSON, for clients that do not run Yjs.
func (s *Server) getMeeting(c echo.Context) error {
	return reply(s.ws.MeetingState(c.Request().Context(), identityOf(c), param(c, "id")))(c, http.StatusOK)
}

// socketCommand answers a command message on a socket of the session:
// {"ok":true,"part":…,"state":…} or {"ok":false,"status":…,"code":…,
// "message":…}.
func (s *Server) socketCommand(session string, id Identity) func(context.Context, []byte) []byte {
	return func(ctx context.Context, payload []byte) []byte {
		res, err := s.command(ctx, id, session, payload)
		var out []byte
		if err == nil {
			out, err = json.Marshal(struct {
				OK bool `json:"ok"`
				meeting.Result
			}{true, res})
		} else {
			status, body := answerOf(err)
			out, err = json.Marshal(struct {
				OK     bool `json:"ok"`
				Status int  `json:"status"`
				apiError
			}{false, status, body})
		}
		if err != nil {
			out = []byte(`{"ok":false,"status":500,"code":"internal","message":"answer not encodable"}`)
		}
		return out
	}
}

// ballotKey returns the secret that seals anonymous ballots: derived
// from --auth-secret (the same on every instance of a deployment), or in
// open dev mode the store's shared key (sharedKey).
func ballotKey(ctx context.Context, cfg Config, store notes.Secrets, log *slog.Logger) ([]byte, error) {
	if cfg.AuthSecret != "" {
		h := hmac.New(sha256.New, []byte(cfg.AuthSecret))
		h.Write([]byte("cocreate anonymous ballots"))
		return h.Sum(nil), nil
	}
	return sharedKey(ctx, cfg, store, log, "ballot")
}
