package notes

import (
	"context"
	"testing"
	"time"

	"github.com/cocreate/cocreate/meeting"
)

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
