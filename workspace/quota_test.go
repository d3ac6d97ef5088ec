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

// A person who owns MaxSpacesPerPerson spaces cannot make one more,
// neither directly nor by a session without space_id (too_many_spaces,
// nothing stored); a space they are only a member of does not count,
// and another person is not refused.
func TestSpacesPerPerson(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	w := New(Config{Store: store, MaxSpacesPerPerson: 2})
	alice, bob := Caller{Subject: "alice"}, Caller{Subject: "bob"}
	bobs, err := w.CreateSpace(ctx, bob, SpaceInput{Name: "Bob's"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetMember(ctx, bobs.ID, alice.Subject, SpaceMember); err != nil {
		t.Fatal(err)
	}
	if _, err := w.CreateSpace(ctx, alice, SpaceInput{Name: "One"}); err != nil {
		t.Fatal(err)
	}
	title, tz := "Two", "UTC"
	if _, err := w.CreateSession(ctx, alice, SessionInput{Title: &title, TimeZone: &tz}); err != nil {
		t.Fatalf("second space (a session's own): %v", err)
	}
	assertQuota := func(what string, err error, code string) {
		t.Helper()
		var we *Error
		if !errors.As(err, &we) || !errors.Is(we.Kind, ErrQuota) || we.Code != code {
			t.Fatalf("%s: %v, want ErrQuota %s", what, err, code)
		}
	}
	_, err = w.CreateSpace(ctx, alice, SpaceInput{Name: "Three"})
	assertQuota("third space", err, "too_many_spaces")
	title = "Three"
	_, err = w.CreateSession(ctx, alice, SessionInput{Title: &title, TimeZone: &tz})
	assertQuota("session without space_id", err, "too_many_spaces")
	ms, err := store.SpacesOf(ctx, alice.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 {
		t.Errorf("alice is in %d spaces after the refusals, want 3 (two owned, one member)", len(ms))
	}
	if _, err := w.CreateSession(ctx, alice, SessionInput{Title: &title, TimeZone: &tz, SpaceID: &bobs.ID}); err != nil {
		t.Errorf("a session in a space alice is a member of: %v", err)
	}
	if _, err := w.CreateSpace(ctx, bob, SpaceInput{Name: "Bob's second"}); err != nil {
		t.Errorf("bob refused: %v", err)
	}
}

// A space keeps at most MaxInvitesPerSpace open invites: one more is
// refused (too_many_invites) while all are live; once some expire or
// are used up they are dropped to make room, and only the live ones
// stay stored.
func TestInvitesPerSpace(t *testing.T) {
	ctx := context.Background()
	store := notes.NewMemoryStore()
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	w := New(Config{Store: store, Now: clk.now, MaxInvitesPerSpace: 3})
	alice := Caller{Subject: "alice"}
	sp, err := w.CreateSpace(ctx, alice, SpaceInput{Name: "Club"})
	if err != nil {
		t.Fatal(err)
	}
	invite := func(seconds int64) (InviteView, error) {
		return w.CreateSpaceInvite(ctx, alice, sp.ID, InviteInput{ExpiresInSeconds: seconds})
	}
	short, err := invite(60)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := invite(3600); err != nil {
			t.Fatal(err)
		}
	}
	_, err = invite(3600)
	var we *Error
	if !errors.As(err, &we) || !errors.Is(we.Kind, ErrQuota) || we.Code != "too_many_invites" {
		t.Fatalf("fourth live invite: %v, want ErrQuota too_many_invites", err)
	}
	if invs, _ := store.Invites(ctx, sp.ID); len(invs) != 3 {
		t.Fatalf("%d invites stored after the refusal, want 3", len(invs))
	}
	clk.set(clk.now().Add(2 * time.Minute)) // the short one expires
	if _, err := invite(3600); err != nil {
		t.Fatalf("with one expired: %v", err)
	}
	invs, err := store.Invites(ctx, sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 3 {
		t.Errorf("%d invites stored, want 3 (the expired one dropped)", len(invs))
	}
	for _, inv := range invs {
		if inv.Code == short.Code {
			t.Errorf("the expired invite is still stored")
		}
	}
}
