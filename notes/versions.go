package notes

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/cocreate/cocreate/crdt"
)

// Version kinds.
const (
	// KindPostMeeting is the version written when a session ends.
	KindPostMeeting = "post-meeting"
	// KindManual is a version someone asked for by name.
	KindManual = "manual"
	// KindAuto is the periodic version, at most one per AutoVersionInterval.
	KindAuto = "auto"
)

// AutoVersionInterval is the least time between a document's versions
// before an auto version is due.
const AutoVersionInterval = time.Hour

// Version describes one named snapshot of a document. N counts a
// document's versions from 1.
type Version struct {
	N         int       `json:"n"`
	Doc       string    `json:"doc"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Versions keeps named snapshots of documents. SQLiteStore,
// PostgresStore and MemoryStore implement it beside Store; DeletePrefix
// drops a document's versions with it.
type Versions interface {
	// SaveVersion stores snapshot (a full document update, e.g.
	// Doc.EncodeStateAsUpdate) as doc's next version. v gives Doc, Kind
	// and Name; its N is ignored and a zero CreatedAt means now. It
	// returns the stored Version, or ErrInvalidVersion for bad input.
	SaveVersion(ctx context.Context, v Version, snapshot []byte) (Version, error)
	// ListVersions returns doc's versions, oldest (N = 1) first; none is
	// an empty slice.
	ListVersions(ctx context.Context, doc string) ([]Version, error)
	// GetVersion returns version n of doc and its snapshot, or
	// ErrVersionNotFound.
	GetVersion(ctx context.Context, doc string, n int) (Version, []byte, error)
	// LatestVersion returns doc's newest version of any kind, or
	// ErrVersionNotFound if it has none.
	LatestVersion(ctx context.Context, doc string) (Version, error)
}

// AutoVersionDue reports whether an auto version of a document is due at
// now: latest is the CreatedAt of its newest version of any kind (zero if
// it has none) and changed whether it changed since. Versions are written
// at most once per AutoVersionInterval, and never for an unchanged
// document.
func AutoVersionDue(latest time.Time, changed bool, now time.Time) bool {
	if !changed {
		return false
	}
	return latest.IsZero() || now.Sub(latest) >= AutoVersionInterval
}

// checkVersion validates SaveVersion's input and fills CreatedAt. Times
// are kept to the microsecond, what PostgreSQL stores.
func checkVersion(v Version, snapshot []byte) (Version, error) {
	switch {
	case v.Doc == "":
		return Version{}, fmt.Errorf("%w: doc is required", ErrInvalidVersion)
	case v.Kind != KindPostMeeting && v.Kind != KindManual && v.Kind != KindAuto:
		return Version{}, fmt.Errorf("%w: kind %q is not post-meeting, manual or auto", ErrInvalidVersion, v.Kind)
	case len(v.Name) > 200 || !utf8.ValidString(v.Name):
		return Version{}, fmt.Errorf("%w: name is longer than 200 bytes or not UTF-8", ErrInvalidVersion)
	case len(snapshot) == 0:
		return Version{}, fmt.Errorf("%w: empty snapshot", ErrInvalidVersion)
	}
	if _, err := crdt.EncodeStateVectorFromUpdate(snapshot); err != nil {
		return Version{}, fmt.Errorf("%w: snapshot of %s is not a document update: %v", ErrInvalidVersion, v.Doc, err)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = time.Now()
	}
	v.CreatedAt = v.CreatedAt.UTC().Truncate(time.Microsecond)
	v.N = 0
	return v, nil
}

func versionNotFound(doc string, n int) error {
	return fmt.Errorf("version %d of %s: %w", n, doc, ErrVersionNotFound)
}
