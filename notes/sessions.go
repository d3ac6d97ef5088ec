package notes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cocreate/cocreate/meeting"
)

// Session states, in lifecycle order (the one lifecycle is
// meeting.Transition).
const (
	StateScheduled = meeting.StateScheduled
	StateLive      = meeting.StateLive
	StateEnded     = meeting.StateEnded
)

// Session visibilities: who may read a session beside those given a
// role in it.
const (
	// VisibilitySpace: the members of its space, with their space role.
	VisibilitySpace = "space"
	// VisibilityPrivate: nobody else.
	VisibilityPrivate = "private"
	// VisibilityPublic: anyone with the link, as a viewer.
	VisibilityPublic = "public"
)

// AgendaItem is one planned item of a session's agenda.
type AgendaItem struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Minutes int    `json:"minutes"`
}

// Session is a scheduled, live or ended meeting and its metadata.
type Session struct {
	ID          string                  `json:"id"`
	Title       string                  `json:"title"`
	Description string                  `json:"description"`
	ScheduledAt time.Time               `json:"scheduled_at"`
	TimeZone    string                  `json:"time_zone"`
	Agenda      []AgendaItem            `json:"agenda"`
	Host        string                  `json:"host"`
	State       string                  `json:"state"`
	CreatedAt   time.Time               `json:"created_at"`
	StartedAt   *time.Time              `json:"started_at,omitempty"`
	EndedAt     *time.Time              `json:"ended_at,omitempty"`
	Roles       map[string]meeting.Role `json:"roles,omitempty"`
	// SpaceID is the space the session belongs to.
	SpaceID string `json:"space_id"`
	// Visibility is VisibilitySpace, VisibilityPrivate or
	// VisibilityPublic ("" reads as VisibilitySpace).
	Visibility string `json:"visibility"`
	// Sequence counts the reschedules: changes of ScheduledAt, TimeZone
	// or the minutes the agenda plans (the iCalendar SEQUENCE; other
	// edits leave it).
	Sequence int `json:"sequence"`
	// Revision counts the stored record's changes; UpdateSession
	// compares and sets it. It is not part of the record's JSON.
	Revision int64 `json:"-"`
}

// Validate checks the fields a caller supplies.
func (s *Session) Validate() error {
	if err := meeting.CheckText("title", s.Title, meeting.MaxTitle); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSession, err)
	}
	if len(s.Description) > 10000 || !utf8.ValidString(s.Description) || strings.ContainsRune(s.Description, 0) {
		return fmt.Errorf("%w: description must be UTF-8 without NUL, at most 10000 bytes", ErrInvalidSession)
	}
	if s.TimeZone == "" {
		return fmt.Errorf("%w: time_zone is required", ErrInvalidSession)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
		return fmt.Errorf("%w: unknown time_zone %q", ErrInvalidSession, s.TimeZone)
	}
	if len(s.Agenda) > meeting.MaxAgendaItems {
		return fmt.Errorf("%w: more than %d agenda items", ErrInvalidSession, meeting.MaxAgendaItems)
	}
	seen := map[string]bool{}
	for i, a := range s.Agenda {
		// What the meeting's agenda.add accepts, so the planned agenda
		// seeds the meeting whole.
		if err := meeting.CheckAgendaItem(a.ID, a.Title, a.Minutes); err != nil {
			return fmt.Errorf("%w: agenda[%d]: %v", ErrInvalidSession, i, err)
		}
		if seen[a.ID] {
			return fmt.Errorf("%w: duplicate agenda id %q", ErrInvalidSession, a.ID)
		}
		seen[a.ID] = true
	}
	switch s.Visibility {
	case "", VisibilitySpace, VisibilityPrivate, VisibilityPublic:
	default:
		return fmt.Errorf("%w: visibility must be space, private or public, not %q", ErrInvalidSession, s.Visibility)
	}
	switch s.State {
	case StateScheduled, StateLive, StateEnded:
	default:
		return fmt.Errorf("%w: unknown state %q", ErrInvalidSession, s.State)
	}
	return nil
}

// ListOptions filter and page Sessions.List.
type ListOptions struct {
	// State, if set, keeps only sessions in that state.
	State string
	// Limit bounds the page size (default 50, at most 200).
	Limit int
	// PageToken is the NextPageToken of the previous page.
	PageToken string
}

// SessionPage is one page of Sessions.List, newest first.
type SessionPage struct {
	Sessions      []Session `json:"sessions"`
	NextPageToken string    `json:"next_page_token,omitempty"`
}

// Sessions keeps session records. SQLiteStore and MemoryStore implement
// it beside Store, so one database holds both.
type Sessions interface {
	// CreateSession stores a new session; its ID must be unused.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session or ErrSessionNotFound.
	GetSession(ctx context.Context, id string) (Session, error)
	// ListSessions returns sessions newest (by CreatedAt) first.
	ListSessions(ctx context.Context, opts ListOptions) (SessionPage, error)
	// CountSpaceSessions counts the sessions of space created at or
	// after since (the quota of sessions per space per hour).
	CountSpaceSessions(ctx context.Context, space string, since time.Time) (int, error)
	// UpdateSession applies change to the stored record and writes it
	// back only if nobody changed the record in between (compare-and-set
	// on its revision); otherwise it reads the record again and
	// re-applies change. change must therefore be a narrow edit (the
	// fields it means to set), never a copy of a record read earlier;
	// it validates what it sets (a PATCH: Session.Validate).
	// An error from change aborts and is returned as it is. It returns
	// the stored record, or ErrSessionNotFound.
	UpdateSession(ctx context.Context, id string, change func(*Session) error) (Session, error)
	// DeleteSession removes the session and every document "{id}/…".
	DeleteSession(ctx context.Context, id string) error
}

// SetState returns the change of UpdateSession that moves a session
// scheduled → live → ended (meeting.Transition), stamping the time; any
// other move returns ErrBadTransition.
func SetState(state string, at time.Time) func(*Session) error {
	return func(s *Session) error {
		if err := meeting.Transition(s.State, state); err != nil {
			return fmt.Errorf("session %s: %w", s.ID, err)
		}
		at := at.UTC()
		if state == StateLive {
			s.StartedAt = &at
		} else {
			s.EndedAt = &at
		}
		s.State = state
		return nil
	}
}

// SetRole returns the change of UpdateSession that records subject's
// role, leaving everyone else's as stored.
func SetRole(subject string, role meeting.Role) func(*Session) error {
	return func(s *Session) error {
		if s.Roles == nil {
			s.Roles = map[string]meeting.Role{}
		}
		s.Roles[subject] = role
		return nil
	}
}

// scannedSession makes the Session of a row read from a database: its
// JSON and revision, with the read's error (ErrSessionNotFound for none).
func scannedSession(id string, data []byte, rev int64, err error) (Session, error) {
	if err != nil {
		return Session{}, fmt.Errorf("session %s: %w", id, err)
	}
	var ss Session
	if err := json.Unmarshal(data, &ss); err != nil {
		return Session{}, fmt.Errorf("session %s: %w", id, err)
	}
	ss.Revision = rev
	return ss, nil
}

// maxCASAttempts bounds UpdateSession's retries under contention.
const maxCASAttempts = 64

// casSession is the compare-and-set loop every backend's UpdateSession
// runs: read returns the record with its revision; write stores the
// changed record (and its JSON) if the stored revision is still the one
// read, reporting false when somebody else wrote first.
func casSession(id string, change func(*Session) error,
	read func() (Session, error), write func(s Session, data []byte) (bool, error)) (Session, error) {
	for range maxCASAttempts {
		ss, err := read()
		if err != nil {
			return Session{}, err
		}
		if err := change(&ss); err != nil {
			return Session{}, err
		}
		ss.ID = id
		data, err := json.Marshal(ss)
		if err != nil {
			return Session{}, fmt.Errorf("update session %s: %w", id, err)
		}
		ok, err := write(ss, data)
		if err != nil {
			return Session{}, fmt.Errorf("update session %s: %w", id, err)
		}
		if ok {
			ss.Revision++
			return ss, nil
		}
	}
	return Session{}, fmt.Errorf("update session %s: %w", id, ErrContended)
}

func normLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, 200)
}
