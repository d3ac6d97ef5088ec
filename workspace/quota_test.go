package workspace

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/ical"
	"github.com/cocreate/cocreate/notes"
)

// A space that had MaxSessionsPerSpaceHour sessions created in the last
// hour refuses one more (too_many_sessions, nothing stored); another
// space does not; a series' occurrences in the full space are still
// made; an hour later the space takes sessions again.
func TestSessionsPerSpaceHour(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	w := New(Config{Store: store, Now: clk.now, MaxSessionsPerSpaceHour: 3, SeriesLookahead: 21 * 24 * time.Hour})
	alice := Caller{Subject: "alice"}
	for _, id := range []string{"full", "other"} {
		if err := store.CreateSpace(ctx, notes.Space{ID: id, Name: id, CreatedAt: clk.now()}, alice.Subject); err != nil {
			t.Fatal(err)
		}
	}
	create := func(space string) error {
		title, tz := "Spam", "UTC"
		_, err := w.CreateSession(ctx, alice, SessionInput{Title: &title, TimeZone: &tz, SpaceID: &space})
		return err
	}
	count := func(space string) int {
		n, err := store.CountSpaceSessions(ctx, space, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 3 {
		if err := create("full"); err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
		clk.set(clk.now().Add(time.Minute))
	}
	err := create("full")
	var we *Error
	if !errors.As(err, &we) || !errors.Is(we.Kind, ErrQuota) || we.Code != "too_many_sessions" {
		t.Fatalf("fourth session: %v, want ErrQuota too_many_sessions", err)
	}
	if n := count("full"); n != 3 {
		t.Errorf("space full has %d sessions after the refusal, want 3", n)
	}
	if err := create("other"); err != nil {
		t.Errorf("another space refused: %v", err)
	}

	// The server's own: a weekly series' occurrences (three within the
	// lookahead) are made in the full space.
	space := "full"
	v, err := w.CreateSeries(ctx, alice, SeriesInput{Title: "Weekly", TimeZone: "UTC", SpaceID: &space,
		Start: clk.now().Add(time.Hour), Rule: ical.Rule{Freq: ical.Weekly}})
	if err != nil {
		t.Fatal(err)
	}
	if occs, _ := store.Occurrences(ctx, v.ID); len(occs) < 2 {
		t.Errorf("series in the full space has %d occurrences, want its lookahead's", len(occs))
	}
	if n := count("full"); n <= 3 {
		t.Errorf("space full has %d sessions, want the series' occurrences beside the 3", n)
	}

	// An hour after the last counted creations, the space takes new ones.
	clk.set(clk.now().Add(time.Hour + time.Minute))
	if err := create("full"); err != nil {
		t.Errorf("an hour later: %v", err)
	}
}
