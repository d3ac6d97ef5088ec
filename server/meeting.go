package server

import (
	"context"
	"crypto/hmac"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/hub/meeting"
	"github.com/cocreate/cocreate/notes"
)

// meetings is what the server keeps per session beside the
// {session}/meeting document: the ballots (the only copy of an anonymous
// poll's), and who is connected, for attendance. The ballots of a
// session are touched only inside hub.Registry.Do on its meeting
// document, which the hub serialises; mu guards the maps themselves.
type meetings struct {
	mu       sync.Mutex
	ballots  map[string]map[string]map[string][]int // session → poll → subject → choices
	presence map[string]map[string]int              // session → subject → open connections
}

func newMeetings() *meetings {
	return &meetings{
		ballots:  map[string]map[string]map[string][]int{},
		presence: map[string]map[string]int{},
	}
}

func (ms *meetings) ballotsOf(session string) map[string]map[string][]int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	b := ms.ballots[session]
	if b == nil {
		b = map[string]map[string][]int{}
		ms.ballots[session] = b
	}
	return b
}

// enter counts a connection of subject to session and reports whether it
// is the first.
func (ms *meetings) enter(session, subject string) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	p := ms.presence[session]
	if p == nil {
		p = map[string]int{}
		ms.presence[session] = p
	}
	p[subject]++
	return p[subject] == 1
}

// exit counts a connection closed and reports whether it was the last.
func (ms *meetings) exit(session, subject string) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	p := ms.presence[session]
	if p == nil {
		// Forgotten meanwhile (the session was deleted): nothing to count.
		return false
	}
	p[subject]--
	if p[subject] > 0 {
		return false
	}
	delete(p, subject)
	if len(p) == 0 {
		delete(ms.presence, session)
	}
	return true
}

// forget drops what is kept for a deleted session.
func (ms *meetings) forget(session string) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	delete(ms.ballots, session)
	delete(ms.presence, session)
}

// serverOrigin marks the server's own transactions on meeting documents.
type serverOrigin struct{}

// openMeeting wraps the session's meeting document. A new document is
// seeded from the session record (title, host, planned agenda) in the
// same call, so it is seeded exactly once, by whichever command or
// connection loads it first.
func (s *Server) openMeeting(sess notes.Session, d *crdt.Doc) (*meeting.Meeting, error) {
	fresh := !d.GetMap("session").Has("state")
	m := meeting.New(d, meeting.Options{
		Title:     sess.Title,
		Host:      sess.Host,
		Origin:    serverOrigin{},
		Ballots:   s.meetings.ballotsOf(sess.ID),
		BallotKey: s.ballotKey,
	})
	if !fresh {
		return m, nil
	}
	host := meeting.Actor{Subject: sess.Host, Name: "host", Role: meeting.RoleHost}
	now := time.Now()
	for _, a := range sess.Agenda {
		minutes := a.Minutes
		cmd := meeting.Command{Type: "agenda.add", ID: a.ID, Title: a.Title, Minutes: &minutes}
		if _, err := m.Apply(cmd, host, now); err != nil {
			return nil, fmt.Errorf("seed agenda of %s: %w", sess.ID, err)
		}
	}
	return m, nil
}

// applyMeeting runs fn on the session's meeting, one command at a time
// across instances (s.serial): the state the previous command left is
// merged first, and the state after fn is handed on.
func (s *Server) applyMeeting(ctx context.Context, sess notes.Session, fn func(*meeting.Meeting) error) error {
	return s.serial.run(ctx, sess.ID, func(latest []byte) ([]byte, error) {
		var next []byte
		err := s.hubs.Do(sess.ID+"/meeting", func(d *crdt.Doc) error {
			if latest != nil {
				if err := d.ApplyUpdate(latest, serverOrigin{}); err != nil {
					return fmt.Errorf("meeting state handed over for %s: %w", sess.ID, err)
				}
			}
			m, err := s.openMeeting(sess, d)
			if err != nil {
				return err
			}
			if err := fn(m); err != nil {
				return err
			}
			if _, ok := s.serial.(localSerial); !ok {
				next, err = d.EncodeStateAsUpdate(nil)
			}
			return err
		})
		return next, err
	})
}

// commandAnswer is what a command returns: the result, or the error as
// the API's {code, message} with its HTTP status.
type commandAnswer struct {
	status int
	result meeting.Result
	err    apiError
}

func (a commandAnswer) body() any {
	if a.status == http.StatusOK {
		return a.result
	}
	return a.err
}

func answerErr(status int, code, msg string) commandAnswer {
	return commandAnswer{status: status, err: apiError{Code: code, Message: msg}}
}

// runCommand checks and applies one meeting command for id in sess, and
// carries out what it implies outside the document: the session's state
// in the store, a changed role on the person's live connections.
func (s *Server) runCommand(ctx context.Context, sess notes.Session, id Identity, body []byte) commandAnswer {
	if !s.limits.allowCommand(id.Subject) {
		s.metrics.Refused.WithLabelValues("rate_limited").Inc()
		return answerErr(http.StatusTooManyRequests, "rate_limited",
			fmt.Sprintf("too many commands: at most %v per second per person", s.cfg.RateCommands))
	}
	cmd, err := meeting.DecodeCommand(body)
	if err != nil {
		return meetingError(err)
	}
	if cmd.Type == "participant.join" || cmd.Type == "participant.leave" {
		return answerErr(http.StatusBadRequest, "server_only",
			"attendance is recorded by the server from your connections; "+cmd.Type+" cannot be sent")
	}
	role := sessionRole(id, sess)
	actor := meeting.Actor{Subject: id.Subject, Name: id.Name, Role: meeting.Role(role)}
	var res meeting.Result
	err = s.applyMeeting(ctx, sess, func(m *meeting.Meeting) error {
		var err error
		res, err = m.Apply(cmd, actor, time.Now())
		return err
	})
	if err != nil {
		return meetingError(err)
	}
	switch cmd.Type {
	case "session.start", "session.end":
		state := notes.StateLive
		if cmd.Type == "session.end" {
			state = notes.StateEnded
		}
		if _, err := s.sessions().SetSessionState(ctx, sess.ID, state, time.Now()); err != nil && !errors.Is(err, notes.ErrBadTransition) {
			s.log.Error("session state not stored", "session", sess.ID, "state", state, "err", err)
			return answerErr(http.StatusInternalServerError, "store_failed", "the meeting changed but the session record was not updated: "+err.Error())
		}
		s.log.Info("session state", "session", sess.ID, "state", state, "by", id.Subject)
		if cmd.Type == "session.end" {
			// The post-meeting notes: every document of the session as
			// it stands at the end, kept as a version and indexed.
			if _, err := s.saveVersions(ctx, sess, notes.KindPostMeeting, "post-meeting"); err != nil {
				s.log.Error("post-meeting version not saved", "session", sess.ID, "err", err)
				return answerErr(http.StatusInternalServerError, "store_failed", "the session ended but its post-meeting version was not saved: "+err.Error())
			}
		}
	case "role.set":
		if err := s.storeRole(ctx, sess.ID, cmd.Subject, Role(cmd.Role)); err != nil {
			s.log.Error("role not stored", "session", sess.ID, "subject", cmd.Subject, "err", err)
			return answerErr(http.StatusInternalServerError, "store_failed", "the role changed in the meeting but was not stored: "+err.Error())
		}
		n := s.hubs.SetReadOnly(sess.ID, cmd.Subject, Role(cmd.Role) == RoleViewer)
		s.log.Info("role changed", "session", sess.ID, "subject", cmd.Subject, "role", cmd.Role, "live_connections", n)
	}
	return commandAnswer{status: http.StatusOK, result: res}
}

// storeRole records subject's role on the session, so REST calls and new
// connections see it too.
func (s *Server) storeRole(ctx context.Context, session, subject string, role Role) error {
	sess, err := s.sessions().GetSession(ctx, session)
	if err != nil {
		return err
	}
	if sess.Roles == nil {
		sess.Roles = map[string]string{}
	}
	sess.Roles[subject] = string(role)
	return s.sessions().UpdateSession(ctx, sess)
}

// meetingError maps an error of DecodeCommand, Apply or the hub to an
// answer.
func meetingError(err error) commandAnswer {
	var me *meeting.Error
	switch {
	case errors.As(err, &me):
		return answerErr(me.Status, me.Code, me.Message)
	case errors.Is(err, hub.ErrGone):
		return answerErr(http.StatusNotFound, "not_found", "the session was deleted")
	case errors.Is(err, hub.ErrClosed):
		return answerErr(http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	case errors.Is(err, errMeetingBusy):
		return answerErr(http.StatusServiceUnavailable, "busy", err.Error())
	}
	return answerErr(http.StatusInternalServerError, "internal", err.Error())
}

// postCommand is POST /api/sessions/{id}/commands.
func (s *Server) postCommand(c echo.Context) error {
	sess, err := s.sessions().GetSession(c.Request().Context(), c.Param("id"))
	if err != nil {
		return storeError(c, err)
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxJSONBody)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return jsonError(c, http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("request body exceeds %d bytes", maxJSONBody))
		}
		return jsonError(c, http.StatusBadRequest, "bad_body", err.Error())
	}
	a := s.runCommand(r.Context(), sess, identityOf(c), body)
	if a.status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", strconv.Itoa(1))
	}
	return c.JSON(a.status, a.body())
}

// getMeeting is GET /api/sessions/{id}/meeting: the whole live meeting
// state as JSON, for clients that do not run Yjs.
func (s *Server) getMeeting(c echo.Context) error {
	sess, err := s.sessions().GetSession(c.Request().Context(), c.Param("id"))
	if err != nil {
		return storeError(c, err)
	}
	var state map[string]any
	err = s.hubs.Do(sess.ID+"/meeting", func(d *crdt.Doc) error {
		m, err := s.openMeeting(sess, d)
		if err != nil {
			return err
		}
		state = m.State()
		return nil
	})
	if err != nil {
		a := meetingError(err)
		return c.JSON(a.status, a.body())
	}
	return c.JSON(http.StatusOK, state)
}

// socketCommand answers a command message on a socket of the session:
// {"ok":true,"part":…,"state":…} or {"ok":false,"status":…,"code":…,
// "message":…}.
func (s *Server) socketCommand(session string, id Identity) func(context.Context, []byte) []byte {
	return func(ctx context.Context, payload []byte) []byte {
		var a commandAnswer
		sess, err := s.sessions().GetSession(ctx, session)
		if err != nil {
			a = answerErr(http.StatusNotFound, "not_found", "unknown session "+strconv.Quote(session))
		} else {
			a = s.runCommand(ctx, sess, id, payload)
		}
		var out []byte
		if a.status == http.StatusOK {
			out, err = json.Marshal(struct {
				OK bool `json:"ok"`
				meeting.Result
			}{true, a.result})
		} else {
			out, err = json.Marshal(struct {
				OK     bool `json:"ok"`
				Status int  `json:"status"`
				apiError
			}{false, a.status, a.err})
		}
		if err != nil {
			out = []byte(`{"ok":false,"status":500,"code":"internal","message":"answer not encodable"}`)
		}
		return out
	}
}

// joined records that id opened a connection to a document of sess; the
// first one makes them a participant (participant.join).
func (s *Server) joined(sess notes.Session, id Identity) {
	if !s.meetings.enter(sess.ID, id.Subject) {
		return
	}
	s.attendance(sess, id, "participant.join")
}

// left records a closed connection; the last one records leftAt.
func (s *Server) left(sess notes.Session, id Identity) {
	if !s.meetings.exit(sess.ID, id.Subject) {
		return
	}
	s.attendance(sess, id, "participant.leave")
}

func (s *Server) attendance(sess notes.Session, id Identity, typ string) {
	actor := meeting.Actor{Subject: id.Subject, Name: id.Name, Role: meeting.Role(sessionRole(id, sess))}
	err := s.applyMeeting(context.Background(), sess, func(m *meeting.Meeting) error {
		_, err := m.Apply(meeting.Command{Type: typ}, actor, time.Now())
		return err
	})
	var me *meeting.Error
	if errors.As(err, &me) && me.Status == http.StatusConflict {
		// Already present (or gone) in the document: another instance,
		// or a record left by a crash, said so first.
		return
	}
	if err != nil && !errors.Is(err, hub.ErrClosed) && !errors.Is(err, hub.ErrGone) {
		s.log.Warn("attendance not recorded", "session", sess.ID, "subject", id.Subject, "command", typ, "err", err)
	}
}

// loadBallotKey returns the secret that seals anonymous ballots: derived
// from --auth-secret (the same on every instance of a deployment), or in
// open dev mode a random key kept in the data directory (without one, a
// key for this process only: sealed ballots then count once per key).
func loadBallotKey(cfg Config) ([]byte, error) {
	if cfg.AuthSecret != "" {
		h := hmac.New(sha256.New, []byte(cfg.AuthSecret))
		h.Write([]byte("cocreate anonymous ballots"))
		return h.Sum(nil), nil
	}
	if cfg.Data == "" {
		key := make([]byte, 32)
		_, err := cryptorand.Read(key)
		return key, err
	}
	path := filepath.Join(cfg.Data, "ballot.key")
	if key, err := os.ReadFile(path); err == nil && len(key) == 32 {
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := cryptorand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("ballot key: %w", err)
	}
	return key, nil
}
