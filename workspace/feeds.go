package workspace

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/cocreate/cocreate/notes"
)

// maxFeeds bounds the feed tokens one person may hold.
const maxFeeds = 100

// Feed kinds: what a feed token reads.
const (
	FeedSession = "session"
	FeedSeries  = "series"
	FeedSpace   = "space"
)

// FeedInput names the one feed a new feed token reads.
type FeedInput struct {
	SessionID string `json:"session_id"`
	SeriesID  string `json:"series_id"`
	SpaceID   string `json:"space_id"`
}

// FeedView is a feed token as its owner sees it; Secret and Path (the
// feed's path with ?feed=) only when it is made, never again.
type FeedView struct {
	notes.Feed
	Secret string `json:"secret,omitempty"`
	Path   string `json:"path,omitempty"`
}

// feedPath is the path a feed token reads.
func feedPath(kind, target string) string {
	switch kind {
	case FeedSpace:
		return "/api/spaces/" + target + "/calendar.ics"
	case FeedSeries:
		return "/api/series/" + target + "/calendar.ics"
	}
	return "/api/sessions/" + target + "/calendar.ics"
}

// hashSecret is what the store keeps of a feed secret.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateFeed makes a feed token with which a calendar app (which cannot
// send cookies or headers) reads one feed as c: c must be able to read
// it now, and every read is decided again as c. The token reads that
// feed only; it authorizes nothing else.
func (w *Workspace) CreateFeed(ctx context.Context, c Caller, in FeedInput) (FeedView, error) {
	given := 0
	for _, id := range []string{in.SessionID, in.SeriesID, in.SpaceID} {
		if id != "" {
			given++
		}
	}
	if given != 1 {
		return FeedView{}, fail(ErrInvalid, "bad_feed", "give exactly one of session_id, series_id and space_id")
	}
	f := notes.Feed{ID: uuid.NewString(), Subject: c.Subject, CreatedAt: w.now().UTC()}
	switch {
	case in.SpaceID != "":
		sp, _, err := w.authorizeSpace(ctx, c, SpaceRead, in.SpaceID)
		if err != nil {
			return FeedView{}, err
		}
		f.Kind, f.Target = FeedSpace, sp.ID
	case in.SeriesID != "":
		sr, err := w.series(ctx, c, Read, in.SeriesID)
		if err != nil {
			return FeedView{}, err
		}
		f.Kind, f.Target = FeedSeries, sr.ID
	default:
		sess, _, err := w.session(ctx, c, Read, in.SessionID)
		if err != nil {
			return FeedView{}, err
		}
		f.Kind, f.Target = FeedSession, sess.ID
	}
	have, err := w.store.Feeds(ctx, c.Subject)
	if err != nil {
		return FeedView{}, err
	}
	if len(have) >= maxFeeds {
		return FeedView{}, fail(ErrQuota, "too_many_feeds", "you have %d calendar feeds, the most one person may have; revoke one (DELETE /api/me/feeds/{id})", len(have))
	}
	secret := rand.Text()
	if err := w.store.CreateFeed(ctx, f, hashSecret(secret)); err != nil {
		return FeedView{}, err
	}
	return FeedView{Feed: f, Secret: secret, Path: feedPath(f.Kind, f.Target) + "?feed=" + secret}, nil
}

// Feeds lists c's feed tokens (without their secrets).
func (w *Workspace) Feeds(ctx context.Context, c Caller) ([]FeedView, error) {
	fs, err := w.store.Feeds(ctx, c.Subject)
	if err != nil {
		return nil, err
	}
	out := make([]FeedView, len(fs))
	for i, f := range fs {
		out[i] = FeedView{Feed: f}
	}
	return out, nil
}

// DeleteFeed revokes one of c's feed tokens.
func (w *Workspace) DeleteFeed(ctx context.Context, c Caller, id string) error {
	if err := CheckName("feed id", id); err != nil {
		return err
	}
	err := w.store.DeleteFeed(ctx, c.Subject, id)
	if errors.Is(err, notes.ErrFeedNotFound) {
		return fail(ErrNotFound, "not_found", "you have no feed %q", id)
	}
	return err
}

// FeedCaller is who reads the feed (kind, target) with secret: the
// token's owner, with no token grants, or ErrNotFound when the secret
// is unknown, revoked or made for another feed.
func (w *Workspace) FeedCaller(ctx context.Context, secret, kind, target string) (Caller, error) {
	f, err := w.store.FeedByHash(ctx, hashSecret(secret))
	if errors.Is(err, notes.ErrFeedNotFound) || err == nil && (f.Kind != kind || f.Target != target) {
		return Caller{}, fail(ErrNotFound, "not_found", "this calendar feed link is unknown or was revoked; make a new one (POST /api/me/feeds)")
	}
	if err != nil {
		return Caller{}, err
	}
	return Caller{Subject: f.Subject, Guest: strings.HasPrefix(f.Subject, "guest:")}, nil
}
