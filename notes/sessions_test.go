package notes

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cocreate/cocreate/meeting"
)

type sessionStore interface {
	Store
	Sessions
}

// testSessions is the conformance suite every Sessions backend passes.
func testSessions(t *testing.T, open func(t *testing.T) sessionStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	mk := func(id string, i int) Session {
		return Session{ID: id, Title: "T " + id, TimeZone: "Europe/Paris", ScheduledAt: t0,
			Agenda: []AgendaItem{{ID: "a", Title: "Intro", Minutes: 5}}, Host: "u1",
			State: StateScheduled, CreatedAt: t0.Add(time.Duration(i) * time.Minute),
			Roles: map[string]meeting.Role{"u1": "host"}}
	}

	t.Run("create get update", func(t *testing.T) {
		s := open(t)
		in := mk("s1", 0)
		if err := s.CreateSession(ctx, in); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, in); !errors.Is(err, ErrSessionExists) {
			t.Fatalf("duplicate create: %v", err)
		}
		got, err := s.GetSession(ctx, "s1")
		if err != nil || got.Title != in.Title || len(got.Agenda) != 1 || got.Roles["u1"] != "host" || !got.ScheduledAt.Equal(t0) {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		if _, err := s.UpdateSession(ctx, "s1", func(s *Session) error { s.Title = "new"; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetSession(ctx, "s1"); got.Title != "new" {
			t.Fatalf("after update title = %q", got.Title)
		}
		if _, err := s.GetSession(ctx, "nope"); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("Get unknown: %v", err)
		}
		if _, err := s.UpdateSession(ctx, "nope", func(*Session) error { return nil }); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("Update unknown: %v", err)
		}
	})

	t.Run("lifecycle", func(t *testing.T) {
		s := open(t)
		if err := s.CreateSession(ctx, mk("s1", 0)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateSession(ctx, "s1", SetState(StateEnded, t0)); !errors.Is(err, ErrBadTransition) {
			t.Fatalf("scheduled→ended: %v", err)
		}
		got, err := s.UpdateSession(ctx, "s1", SetState(StateLive, t0))
		if err != nil || got.State != StateLive || got.StartedAt == nil {
			t.Fatalf("start = %+v, %v", got, err)
		}
		if _, err := s.UpdateSession(ctx, "s1", SetState(StateLive, t0)); !errors.Is(err, ErrBadTransition) {
			t.Fatalf("live→live: %v", err)
		}
		got, err = s.UpdateSession(ctx, "s1", SetState(StateEnded, t0.Add(time.Hour)))
		if err != nil || got.State != StateEnded || got.EndedAt == nil {
			t.Fatalf("end = %+v, %v", got, err)
		}
		if _, err := s.UpdateSession(ctx, "s1", SetState(StateLive, t0)); !errors.Is(err, ErrBadTransition) {
			t.Fatalf("ended→live: %v", err)
		}
		if got, _ := s.GetSession(ctx, "s1"); got.State != StateEnded {
			t.Fatalf("stored state %q", got.State)
		}
		if _, err := s.UpdateSession(ctx, "nope", SetState(StateLive, t0)); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})

	t.Run("list newest first paged filtered", func(t *testing.T) {
		s := open(t)
		for i := range 7 {
			if err := s.CreateSession(ctx, mk(fmt.Sprintf("s%d", i), i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UpdateSession(ctx, "s3", SetState(StateLive, t0)); err != nil {
			t.Fatal(err)
		}
		var ids []string
		tok := ""
		for {
			p, err := s.ListSessions(ctx, ListOptions{Limit: 3, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			for _, ss := range p.Sessions {
				ids = append(ids, ss.ID)
			}
			if tok = p.NextPageToken; tok == "" {
				break
			}
		}
		if fmt.Sprint(ids) != "[s6 s5 s4 s3 s2 s1 s0]" {
			t.Fatalf("list order %v", ids)
		}
		p, err := s.ListSessions(ctx, ListOptions{State: StateLive})
		if err != nil || len(p.Sessions) != 1 || p.Sessions[0].ID != "s3" {
			t.Fatalf("live filter = %+v, %v", p, err)
		}
		if _, err := s.ListSessions(ctx, ListOptions{PageToken: "x"}); !errors.Is(err, ErrBadPageToken) {
			t.Fatalf("bad token: %v", err)
		}
	})

	t.Run("delete drops documents", func(t *testing.T) {
		s := open(t)
		if err := s.CreateSession(ctx, mk("s1", 0)); err != nil {
			t.Fatal(err)
		}
		for _, doc := range []string{"s1/notes", "s1/meeting", "s10/notes", "s_/x"} {
			if err := s.Append(ctx, doc, []byte{0, 0}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Compact(ctx, "s1/notes"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, "s1"); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		for doc, want := range map[string]bool{"s1/notes": false, "s1/meeting": false, "s10/notes": true} {
			st, err := s.Load(ctx, doc)
			if err != nil || (st.Snapshot != nil || len(st.Updates) > 0) != want {
				t.Fatalf("%s after delete: %+v, %v", doc, st, err)
			}
		}
		// LIKE wildcards in a prefix are literal.
		if err := s.DeletePrefix(ctx, "s_/"); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.Load(ctx, "s10/notes"); len(st.Updates) != 1 {
			t.Fatal("DeletePrefix treated _ as a wildcard")
		}
		if err := s.DeleteSession(ctx, "s1"); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestSQLiteSessions(t *testing.T) {
	testSessions(t, func(t *testing.T) sessionStore { return openSQLite(t, t.TempDir()) })
}

func TestMemorySessions(t *testing.T) {
	testSessions(t, func(t *testing.T) sessionStore { return NewMemoryStore() })
}

func TestSessionValidate(t *testing.T) {
	ok := Session{Title: "x", TimeZone: "America/New_York", State: StateScheduled}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Session){
		"no title":    func(s *Session) { s.Title = " " },
		"bad zone":    func(s *Session) { s.TimeZone = "Mars/Olympus" },
		"no zone":     func(s *Session) { s.TimeZone = "" },
		"dup agenda":  func(s *Session) { s.Agenda = []AgendaItem{{ID: "a", Title: "x"}, {ID: "a", Title: "y"}} },
		"neg minutes": func(s *Session) { s.Agenda = []AgendaItem{{ID: "a", Title: "x", Minutes: -1}} },
		"bad state":   func(s *Session) { s.State = "paused" },
	} {
		s := ok
		edit(&s)
		if err := s.Validate(); !errors.Is(err, ErrInvalidSession) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestCountSpaceSessions checks, on every backend, that the count of a
// space's recent sessions takes only that space's, and only those
// created at or after the moment asked (the boundary included).
func TestCountSpaceSessions(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s := b.fresh(t)(t)
			t0 := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
			create := func(id, space string, at time.Time) {
				t.Helper()
				err := s.CreateSession(ctx, Session{ID: id, Title: "T", TimeZone: "UTC", State: StateScheduled,
					CreatedAt: at, Host: "u1", SpaceID: space, Roles: map[string]meeting.Role{"u1": meeting.RoleHost}})
				if err != nil {
					t.Fatal(err)
				}
			}
			create("old", "sp1", t0.Add(-time.Hour-time.Nanosecond))
			create("edge", "sp1", t0.Add(-time.Hour))
			create("new1", "sp1", t0.Add(-time.Minute))
			create("new2", "sp1", t0)
			create("elsewhere", "sp2", t0)
			for _, c := range []struct {
				space string
				want  int
			}{{"sp1", 3}, {"sp2", 1}, {"sp3", 0}} {
				n, err := s.CountSpaceSessions(ctx, c.space, t0.Add(-time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				if n != c.want {
					t.Errorf("CountSpaceSessions(%s) = %d, want %d", c.space, n, c.want)
				}
			}
		})
	}
}
