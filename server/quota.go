package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/workspace"
)

// Quotas that hold without spaces or accounts (issue 13), each refused
// with 429 or 413 and a reason, counted in cocreate_refused_total:
//
//   - documents per session (--max-docs-per-session): a connection that
//     would create one more document of a session that has the maximum
//     is refused (admitDoc, from openDoc: both socket endpoints);
//   - bytes per session (--max-session-bytes): enforced by the hub
//     (hub.Config.MaxSessionBytes) on every update; bytes per document is
//     --max-doc-size;
//   - attendance entries per session (--max-attendance): a person not yet
//     in a session's attendance cannot connect to it once it is full
//     (workspace.Connect, workspace/quota.go);
//   - in open dev mode, creations per client address per minute
//     (--guest-creations-per-minute): new sessions (creationQuota, a
//     middleware on POST /api/sessions) and new documents (admitDoc).
//     Counted per address, not per guest: a request without a cookie is
//     a fresh guest, so per-guest limits would reset at will.
//
// Session creation moves to workspace/ later; the middleware keys on the
// route, so it keeps working as long as POST /api/sessions creates one.

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

// admitDoc applies the quotas of a connection from address remote to
// session/doc that workspace.Connect allowed: the documents per session
// and, in dev mode, the address's creations when the document is new. Its errors are
// workspace errors (ErrQuota, ErrUnavailable), answered like the
// workspace's own.
func (s *Server) admitDoc(ctx context.Context, remote, session, doc string) error {
	name := session + "/" + doc
	docs, err := s.sessionDocs(ctx, session)
	if err != nil {
		s.log.Warn("connection refused: listing documents failed", "session", session, "err", err)
		return &workspace.Error{Kind: workspace.ErrUnavailable, Code: "store_unavailable", Message: "the document store is unavailable; try again"}
	}
	if !slices.Contains(docs, name) {
		if max := s.cfg.MaxDocsPerSession; max > 0 && len(docs) >= max {
			return &workspace.Error{Kind: workspace.ErrQuota, Code: "too_many_documents",
				Message: fmt.Sprintf("session %s has %d documents, the most allowed (--max-docs-per-session); open one of them instead", strconv.Quote(session), len(docs))}
		}
		if s.cfg.AuthSecret == "" && !s.creations.take(remote) {
			return &workspace.Error{Kind: workspace.ErrQuota, Code: "too_many_creations", Message: s.creationsMessage()}
		}
	}
	return nil
}

// sessionDocs lists the documents of session, stored or loaded here.
func (s *Server) sessionDocs(ctx context.Context, session string) ([]string, error) {
	prefix := session + "/"
	docs := s.hubs.Docs(prefix)
	if l, ok := s.store.(notes.Lister); ok {
		stored, err := l.Docs(ctx, prefix)
		if err != nil {
			return nil, err
		}
		for _, d := range stored {
			if !slices.Contains(docs, d) {
				docs = append(docs, d)
			}
		}
	}
	return docs, nil
}
