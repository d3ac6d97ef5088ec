package notes

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// testAccess checks spaces, members, invites and profiles on one
// backend: the last owner is kept, a 1-use invite accepted by many at
// once (on separate instances) is used once, and deletions cascade.
func testAccess(t *testing.T, b backend) {
	ctx := context.Background()
	open := b.fresh(t)
	s := open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := s.CreateSpace(ctx, Space{ID: "sp1", Name: "Garden club", CreatedAt: now}, "alice"); err != nil {
		t.Fatal(err)
	}
	if sp, err := s.GetSpace(ctx, "sp1"); err != nil || sp.Name != "Garden club" || !sp.CreatedAt.Equal(now) {
		t.Fatalf("GetSpace = %+v, %v", sp, err)
	}
	if _, err := s.GetSpace(ctx, "nope"); !errors.Is(err, ErrSpaceNotFound) {
		t.Fatalf("GetSpace(nope) = %v, want ErrSpaceNotFound", err)
	}
	if sp, err := s.RenameSpace(ctx, "sp1", "Allotment"); err != nil || sp.Name != "Allotment" {
		t.Fatalf("RenameSpace = %+v, %v", sp, err)
	}
	if _, err := s.RenameSpace(ctx, "nope", "x"); !errors.Is(err, ErrSpaceNotFound) {
		t.Fatalf("RenameSpace(nope) = %v", err)
	}
	// The last owner stays.
	if err := s.SetMember(ctx, "sp1", "alice", SpaceAdmin); !errors.Is(err, ErrLastOwner) {
		t.Fatalf("demoting the last owner = %v, want ErrLastOwner", err)
	}
	if err := s.RemoveMember(ctx, "sp1", "alice"); !errors.Is(err, ErrLastOwner) {
		t.Fatalf("removing the last owner = %v, want ErrLastOwner", err)
	}
	if err := s.SetMember(ctx, "sp1", "bob", SpaceOwner); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMember(ctx, "sp1", "alice", SpaceMember); err != nil {
		t.Fatalf("demoting one of two owners: %v", err)
	}
	if err := s.RemoveMember(ctx, "sp1", "carol"); !errors.Is(err, ErrNotMember) {
		t.Fatalf("removing a non-member = %v, want ErrNotMember", err)
	}
	if err := s.SetMember(ctx, "nope", "carol", SpaceMember); !errors.Is(err, ErrSpaceNotFound) {
		t.Fatalf("SetMember(nope) = %v", err)
	}
	ms, err := s.Members(ctx, "sp1")
	if err != nil || len(ms) != 2 || ms[0] != (Member{"sp1", "alice", SpaceMember}) || ms[1] != (Member{"sp1", "bob", SpaceOwner}) {
		t.Fatalf("Members = %+v, %v", ms, err)
	}
	if r, err := s.MemberRole(ctx, "sp1", "bob"); err != nil || r != SpaceOwner {
		t.Fatalf("MemberRole = %q, %v", r, err)
	}
	if _, err := s.MemberRole(ctx, "sp1", "carol"); !errors.Is(err, ErrNotMember) {
		t.Fatalf("MemberRole(carol) = %v", err)
	}
	if err := s.CreateSpace(ctx, Space{ID: "sp0", Name: "Aardvarks", CreatedAt: now}, "bob"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SpacesOf(ctx, "bob"); err != nil || len(got) != 2 || got[0].ID != "sp0" || got[1].Role != SpaceOwner {
		t.Fatalf("SpacesOf(bob) = %+v, %v", got, err)
	}
	if got, err := s.SpacesOf(ctx, "nobody"); err != nil || len(got) != 0 {
		t.Fatalf("SpacesOf(nobody) = %+v, %v", got, err)
	}

	// Invites: one use, taken by one of many concurrent accepts.
	inv := Invite{Code: "c1", SpaceID: "sp1", Role: SpaceMember, ExpiresAt: now.Add(time.Hour), MaxUses: 1, CreatedBy: "bob", CreatedAt: now}
	if err := s.CreateInvite(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetInvite(ctx, "c1"); err != nil || got != inv {
		t.Fatalf("GetInvite = %+v, %v; want %+v", got, err, inv)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, spent := 0, 0
	for range 6 {
		inst := open(t)
		wg.Go(func() {
			_, err := inst.UseInvite(ctx, "c1", now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, ErrInviteSpent):
				spent++
			default:
				t.Errorf("UseInvite: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || spent != 5 {
		t.Fatalf("6 concurrent uses of a 1-use invite: %d won, %d spent", won, spent)
	}
	exp := Invite{Code: "c2", SpaceID: "sp1", SessionID: "sess", Role: "viewer", ExpiresAt: now.Add(time.Minute), MaxUses: 5, CreatedBy: "bob", CreatedAt: now.Add(time.Second)}
	if err := s.CreateInvite(ctx, exp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseInvite(ctx, "c2", now.Add(time.Minute)); !errors.Is(err, ErrInviteSpent) {
		t.Fatalf("using an expired invite = %v, want ErrInviteSpent", err)
	}
	if _, err := s.UseInvite(ctx, "zz", now); !errors.Is(err, ErrInviteNotFound) {
		t.Fatalf("using an unknown invite = %v", err)
	}
	if got, err := s.Invites(ctx, "sp1"); err != nil || len(got) != 2 || got[0].Code != "c2" || got[1].Uses != 1 {
		t.Fatalf("Invites = %+v, %v", got, err)
	}
	if err := s.DeleteInvite(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteInvite(ctx, "c2"); !errors.Is(err, ErrInviteNotFound) {
		t.Fatalf("deleting twice = %v", err)
	}

	// Profiles.
	if p, err := s.GetProfile(ctx, "alice"); err != nil || p != (Profile{}) {
		t.Fatalf("GetProfile(unset) = %+v, %v", p, err)
	}
	p := Profile{Subject: "alice", Name: "Alice Liddell", Color: "#aa3300"}
	if err := s.PutProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Name = "Alice"
	if err := s.PutProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetProfile(ctx, "alice"); err != nil || got != p {
		t.Fatalf("GetProfile = %+v, %v", got, err)
	}

	// Deleting a space deletes its members and invites.
	if err := s.DeleteSpace(ctx, "sp1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetInvite(ctx, "c1"); !errors.Is(err, ErrInviteNotFound) {
		t.Fatalf("invite of a deleted space: %v", err)
	}
	if got, _ := s.SpacesOf(ctx, "alice"); len(got) != 0 {
		t.Fatalf("alice still in %+v", got)
	}
}
