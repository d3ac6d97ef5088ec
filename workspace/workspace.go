package workspace

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cocreate/cocreate/hub"
)

// Lock runs a session's meeting commands one at a time across
// instances (hub.RedisLock): fn gets the meeting state the previous
// holder handed on and returns the state after its command.
type Lock interface {
	Run(ctx context.Context, key string, fn func(latest []byte) ([]byte, error)) error
}

// Config configures New.
type Config struct {
	// Store keeps sessions, documents, versions and the search index.
	Store Store
	// Hubs are the live documents; the workspace writes the meeting
	// documents through them as the server's own CRDT peer.
	Hubs *hub.Registry
	// Lock serialises meeting commands across instances; nil on one
	// instance, where the hub serialises them.
	Lock Lock
	// BallotKey seals anonymous ballots (meeting.Options.BallotKey).
	BallotKey []byte
	// RateCommands and RateUpdates are per-person rates (per second) of
	// meeting commands and document updates; 0 is no limit.
	RateCommands, RateUpdates float64
	// VersionEvery is the least time between automatic versions.
	VersionEvery time.Duration
	// SeriesLookahead is how far ahead a series' occurrences exist as
	// sessions (default DefaultSeriesLookahead); the next one always
	// does.
	SeriesLookahead time.Duration
	// WebhookAllowPrivate accepts webhook URLs naming private and
	// loopback addresses (--webhook-allow-private).
	WebhookAllowPrivate bool
	// Webhooks, if set, is told of session and notes events
	// (webhook.Dispatcher).
	Webhooks Emitter
	// Logger receives what an operator should know; nil discards.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxAttendance refuses a newcomer's connection to a session whose
	// attendance lists this many people (quota.go); 0 is no limit.
	MaxAttendance int
	// MaxDocsPerSession refuses a connection that would create one more
	// document of a session that has this many (quota.go); 0 is no limit.
	MaxDocsPerSession int
	// MaxSessionsPerSpaceHour refuses CreateSession into a space that
	// has had this many sessions created in the last hour (quota.go);
	// 0 is no limit. A series' occurrences count but are never refused.
	MaxSessionsPerSpaceHour int
	// MaxSpacesPerPerson refuses a new space (CreateSpace, or a session
	// or series made without space_id) to a person who owns this many
	// (quota.go); 0 is no limit.
	MaxSpacesPerPerson int
	// MaxInvitesPerSpace bounds the invites a space keeps: one more live
	// invite (not expired, not used up) than this is refused, and dead
	// ones are dropped to make room (quota.go); 0 is no limit.
	MaxInvitesPerSpace int
}

// Workspace is the application: every use case is a method that takes
// the Caller and the input, decides access first (authorize), and
// returns a result or an *Error.
type Workspace struct {
	store Store
	hubs  *hub.Registry
	lock  Lock
	log   *slog.Logger
	now   func() time.Time
	cfg   Config

	meetings *meetings
	limits   *limits
	tasks    taskFollower
	bg       sync.WaitGroup // attendance, indexing, auto versions and following tasks
}

// New returns a Workspace over cfg.Store and cfg.Hubs.
func New(cfg Config) *Workspace {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Workspace{
		store:    cfg.Store,
		hubs:     cfg.Hubs,
		lock:     cfg.Lock,
		log:      cfg.Logger,
		now:      cfg.Now,
		cfg:      cfg,
		meetings: newMeetings(),
		limits:   newLimits(cfg.RateCommands, cfg.RateUpdates),
	}
}

// Wait waits for the work the workspace started in the background
// (attendance, indexing, auto versions); call it after the hubs have
// closed, before closing the store.
func (w *Workspace) Wait() { w.bg.Wait() }
