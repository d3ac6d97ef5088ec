package notes

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/meeting"
)

// testConcurrentSessionChanges: changes of one session record made at
// once, by two instances of the store, all survive. Before records were
// changed by compare-and-set, a PATCH (read, edit, write the whole
// record back) undid a session.start made in between, and of two role
// changes only the last one stayed.
func testConcurrentSessionChanges(t *testing.T, b backend) {
	ctx := context.Background()
	open := b.fresh(t)
	a, other := open(t), open(t)
	t0 := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	create := func(id string) {
		t.Helper()
		err := a.CreateSession(ctx, Session{ID: id, Title: "T", TimeZone: "UTC", State: StateScheduled,
			CreatedAt: t0, Host: "u1", Roles: map[string]meeting.Role{"u1": meeting.RoleHost}})
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("patch and start", func(t *testing.T) {
		create("p1")
		// The start lands between the PATCH's read and its write.
		first := true
		_, err := a.UpdateSession(ctx, "p1", func(s *Session) error {
			if first {
				first = false
				if _, err := other.UpdateSession(ctx, "p1", SetState(StateLive, t0)); err != nil {
					return err
				}
			}
			s.Title = "new"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := other.GetSession(ctx, "p1")
		if err != nil || got.Title != "new" || got.State != StateLive || got.StartedAt == nil {
			t.Fatalf("after PATCH and start: %+v, %v", got, err)
		}
	})

	t.Run("two role changes", func(t *testing.T) {
		create("r1")
		first := true
		_, err := a.UpdateSession(ctx, "r1", func(s *Session) error {
			if first {
				first = false
				if _, err := other.UpdateSession(ctx, "r1", SetRole("bob", meeting.RoleViewer)); err != nil {
					return err
				}
			}
			return SetRole("carol", meeting.RoleCoHost)(s)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := other.GetSession(ctx, "r1")
		if err != nil || got.Roles["bob"] != meeting.RoleViewer || got.Roles["carol"] != meeting.RoleCoHost || got.Roles["u1"] != meeting.RoleHost {
			t.Fatalf("after two role changes: %v, %v", got.Roles, err)
		}
	})

	t.Run("many at once", func(t *testing.T) {
		create("m1")
		const n = 8
		var wg sync.WaitGroup
		for i := range n {
			s := []fullStore{a, other}[i%2]
			wg.Go(func() {
				if _, err := s.UpdateSession(ctx, "m1", SetRole(fmt.Sprintf("p%d", i), meeting.RoleMember)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Go(func() {
			if _, err := a.UpdateSession(ctx, "m1", SetState(StateLive, t0)); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		got, err := a.GetSession(ctx, "m1")
		if err != nil || len(got.Roles) != n+1 || got.State != StateLive {
			t.Fatalf("after %d concurrent changes: state %s roles %v, %v", n+1, got.State, got.Roles, err)
		}
	})
}
