package server

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/cocreate/cocreate/workspace"
)

// Quotas (issue 13), each refused with 429 or 413 and a reason, counted
// in cocreate_refused_total:
//
//   - documents per session (--max-docs-per-session): a connection that
//     would create one more document of a session that has the maximum
//     is refused (workspace.Connect, workspace/quota.go);
//   - bytes per session (--max-session-bytes): enforced by the hub
//     (hub.Config.MaxSessionBytes) on every update; bytes per document is
//     --max-doc-size;
//   - attendance entries per session (--max-attendance): a person not yet
//     in a session's attendance cannot connect to it once it is full
//     (workspace.Connect, workspace/quota.go);
//   - sessions per space per hour (--max-sessions-per-space-hour):
//     CreateSession into a space that had that many created in the last
//     hour is refused (workspace/quota.go); counted here, on POST
//     /api/sessions (createSession), with Retry-After 300;
//   - spaces per person (--max-spaces-per-person) and open invites per
//     space (--max-invites-per-space): decided by the workspace
//     (workspace/quota.go), 429 too_many_spaces / too_many_invites;
//   - in open dev mode, creations per client address per minute
//     (--guest-creations-per-minute): new sessions (creationQuota, a
//     middleware on POST /api/sessions) and new documents (admitDoc, from
//     openDoc: both socket endpoints, told by Connection.New).
//     Counted per address, not per guest: a request without a cookie is
//     a fresh guest, so per-guest limits would reset at will.
//
// The middleware keys on the route, whichever use case creates the
// session behind it; addresses are the edge's business, so this quota
// stays here while the others are the workspace's.

// creations is a token bucket per client address for dev-mode creations.
// Buckets idle for a minute are full again and are dropped.
type creations struct {
	perMinute int

	mu        sync.Mutex
	buckets   map[string]*creationBucket
	lastSweep time.Time
}

type creationBucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newCreations(perMinute int) *creations {
	return &creations{perMinute: perMinute, buckets: map[string]*creationBucket{}, lastSweep: time.Now()}
}

// take spends one creation of addr; false when none is left.
func (cr *creations) take(addr string) bool {
	if cr.perMinute <= 0 {
		return true
	}
	now := time.Now()
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if now.Sub(cr.lastSweep) > time.Minute {
		for k, b := range cr.buckets {
			if now.Sub(b.used) > time.Minute {
				delete(cr.buckets, k)
			}
		}
		cr.lastSweep = now
	}
	b := cr.buckets[addr]
	if b == nil {
		b = &creationBucket{lim: rate.NewLimiter(rate.Limit(float64(cr.perMinute)/60), cr.perMinute)}
		cr.buckets[addr] = b
	}
	b.used = now
	return b.lim.AllowN(now, 1)
}

func (s *Server) creationsMessage() string {
	return fmt.Sprintf("this address created %d sessions or documents in the last minute, the most allowed without an account (--guest-creations-per-minute); retry in a minute", s.cfg.GuestCreationsPerMinute)
}

// tooManyCreations answers a dev-mode creation over its address's quota.
func (s *Server) tooManyCreations(c echo.Context) error {
	s.metrics.Refused.WithLabelValues("too_many_creations").Inc()
	c.Response().Header().Set("Retry-After", "60")
	return jsonError(c, http.StatusTooManyRequests, "too_many_creations", s.creationsMessage())
}

// creationQuota is the middleware counting dev-mode session creations
// per client address.
func (s *Server) creationQuota(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.cfg.AuthSecret == "" && c.Request().Method == http.MethodPost && c.Path() == "/api/sessions" &&
			!s.creations.take(c.RealIP()) {
			return s.tooManyCreations(c)
		}
		return next(c)
	}
}

// admitDoc applies, in dev mode, the address's creation quota to a
// connection that workspace.Connect allowed and that creates a document.
func (s *Server) admitDoc(remote string, creates bool) error {
	if creates && s.cfg.AuthSecret == "" && !s.creations.take(remote) {
		return &workspace.Error{Kind: workspace.ErrQuota, Code: "too_many_creations", Message: s.creationsMessage()}
	}
	return nil
}
