package notes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Session states, in lifecycle order.
const (
	StateScheduled = "scheduled"
	StateLive      = "live"
	StateEnded     = "ended"
)

// Sentinel errors callers branch on.
var (
	ErrSessionNotFound = errors.New("notes: session not found")
	ErrSessionExists   = errors.New("notes: session already exists")
	ErrBadTransition   = errors.New("notes: invalid session state transition")
	ErrInvalidSession  = errors.New("notes: invalid session")
)

// AgendaItem is one planned item of a session's agenda.
type AgendaItem struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Minutes int    `json:"minutes"`
}

// Session is a scheduled, live or ended meeting and its metadata.
type Session struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	ScheduledAt time.Time         `json:"scheduled_at"`
	TimeZone    string            `json:"time_zone"`
	Agenda      []AgendaItem      `json:"agenda"`
	Host        string            `json:"host"`
	State       string            `json:"state"`
	CreatedAt   time.Time         `json:"created_at"`
	StartedAt   *time.Time        `json:"started_at,omitempty"`
	EndedAt     *time.Time        `json:"ended_at,omitempty"`
	Roles       map[string]string `json:"roles,omitempty"`
}

// Validate checks the fields a caller supplies.
func (s *Session) Validate() error {
	if strings.TrimSpace(s.Title) == "" {
		return fmt.Errorf("%w: title is required", ErrInvalidSession)
	}
	if len(s.Title) > 200 {
		return fmt.Errorf("%w: title longer than 200 bytes", ErrInvalidSession)
	}
	if len(s.Description) > 10000 {
		return fmt.Errorf("%w: description longer than 10000 bytes", ErrInvalidSession)
	}
	if s.TimeZone == "" {
		return fmt.Errorf("%w: time_zone is required", ErrInvalidSession)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
		return fmt.Errorf("%w: unknown time_zone %q", ErrInvalidSession, s.TimeZone)
	}
	if len(s.Agenda) > 200 {
		return fmt.Errorf("%w: more than 200 agenda items", ErrInvalidSession)
	}
	seen := map[string]bool{}
	for i, a := range s.Agenda {
		if a.ID == "" || strings.TrimSpace(a.Title) == "" {
			return fmt.Errorf("%w: agenda[%d] needs an id and a title", ErrInvalidSession, i)
		}
		if seen[a.ID] {
			return fmt.Errorf("%w: duplicate agenda id %q", ErrInvalidSession, a.ID)
		}
		seen[a.ID] = true
		if a.Minutes < 0 || a.Minutes > 24*60 {
			return fmt.Errorf("%w: agenda[%d].minutes out of range", ErrInvalidSession, i)
		}
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
	// UpdateSession replaces a stored session's record.
	UpdateSession(ctx context.Context, s Session) error
	// DeleteSession removes the session and every document "{id}/…".
	DeleteSession(ctx context.Context, id string) error
	// SetSessionState moves scheduled → live → ended, stamping the time;
	// any other move returns ErrBadTransition.
	SetSessionState(ctx context.Context, id, state string, at time.Time) (Session, error)
}

// transition applies a state change to s.
func transition(s *Session, state string, at time.Time) error {
	at = at.UTC()
	switch {
	case s.State == StateScheduled && state == StateLive:
		s.StartedAt = &at
	case s.State == StateLive && state == StateEnded:
		s.EndedAt = &at
	default:
		return fmt.Errorf("%w: %s → %s", ErrBadTransition, s.State, state)
	}
	s.State = state
	return nil
}

func normLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, 200)
}
