package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestAccessLeaks: an outsider runs every read the API offers while a
// space's owner has a private session whose title and notes hold a
// secret word; the owner's search finds it, the outsider's does not, and
// no answer the outsider gets holds the word or the id of any of the
// owner's spaces, sessions or invites. Guest mode and --auth-secret.
func TestAccessLeaks(t *testing.T) {
	for _, auth := range []bool{false, true} {
		t.Run(map[bool]string{false: "guest", true: "auth"}[auth], func(t *testing.T) {
			f := newAccessFixture(t, auth)
			const word = "zanzibarquokka"
			_, sp := f.call("owner", "POST", "/api/spaces", `{"name":"Secret society"}`)
			spaceID := sp["id"].(string)
			secret := map[string]bool{spaceID: true, word: true}
			var sessions []string
			for _, vis := range []string{"private", "space"} {
				code, s := f.call("owner", "POST", "/api/sessions",
					fmt.Sprintf(`{"title":"Plans %s","time_zone":"UTC","visibility":%q,"space_id":%q}`, word, vis, spaceID))
				if code != http.StatusCreated {
					t.Fatalf("create %s session: %d %v", vis, code, s)
				}
				id := s["id"].(string)
				sessions = append(sessions, id)
				secret[id] = true
				if code, v := f.call("owner", "POST", "/api/sessions/"+id+"/versions", `{"name":"indexed"}`); code != http.StatusCreated {
					t.Fatalf("version: %d %v", code, v)
				}
				_, inv := f.call("owner", "POST", "/api/sessions/"+id+"/invites", `{}`)
				secret[inv["code"].(string)] = true
			}
			_, inv := f.call("owner", "POST", "/api/spaces/"+spaceID+"/invites", `{}`)
			secret[inv["code"].(string)] = true

			// The owner finds the word (the check below could fail).
			if code, raw := f.callRaw("owner", "GET", "/api/search?q="+word, ""); code != 200 || !strings.Contains(string(raw), sessions[0]) {
				t.Fatalf("the owner's search: %d %s", code, raw)
			}
			reads := []string{
				"/api/search?q=" + word, "/api/search?q=plans", "/api/sessions", "/api/sessions?state=scheduled",
				"/api/sessions?space_id=" + spaceID, "/api/spaces", "/api/spaces/" + spaceID,
				"/api/spaces/" + spaceID + "/members", "/api/spaces/" + spaceID + "/invites", "/api/me",
			}
			for _, id := range sessions {
				for _, suffix := range []string{"", "/meeting", "/notes", "/notes?format=markdown", "/versions", "/versions/diff?from=1"} {
					reads = append(reads, "/api/sessions/"+id+suffix)
				}
				reads = append(reads, "/notes/"+id)
			}
			for _, p := range []string{"outsider", "anonymous"} {
				for _, path := range reads {
					code, raw := f.callRaw(p, "GET", path, "")
					for s := range secret {
						// The id the caller sent may come back in a 404's
						// message; nothing else of the owner's may.
						if strings.Contains(string(raw), s) && !strings.Contains(path, s) {
							t.Errorf("%s GET %s (%d) reveals %q: %s", p, path, code, s, raw)
						}
					}
					if code == http.StatusOK && strings.Contains(path, "/api/sessions/") {
						t.Errorf("%s GET %s: 200", p, path)
					}
				}
			}
		})
	}
}

// TestInviteFlow: an owner invites; before accepting, a second person
// sees nothing and gets 404; the invite says what it grants; accepting
// makes them a member who edits; a 1-use invite accepted by many at
// once is used once; a revoked or used-up invite is refused; the last
// owner stays; removing the member closes their socket.
func TestInviteFlow(t *testing.T) {
	for _, auth := range []bool{false, true} {
		t.Run(map[bool]string{false: "guest", true: "auth"}[auth], func(t *testing.T) {
			f := newAccessFixture(t, auth)
			_, sp := f.call("owner", "POST", "/api/spaces", `{"name":"Garden"}`)
			spaceID := sp["id"].(string)
			_, s := f.call("owner", "POST", "/api/sessions", fmt.Sprintf(`{"title":"Dig","time_zone":"UTC","space_id":%q}`, spaceID))
			sessID := s["id"].(string)

			if code, _ := f.call("outsider", "GET", "/api/sessions/"+sessID, ""); code != http.StatusNotFound {
				t.Fatalf("before the invite: %d", code)
			}
			if _, list := f.call("outsider", "GET", "/api/sessions", ""); len(list["sessions"].([]any)) != 0 {
				t.Fatalf("before the invite the lobby lists %v", list)
			}
			code, inv := f.call("owner", "POST", "/api/spaces/"+spaceID+"/invites", `{"role":"member","expires_in_seconds":3600,"max_uses":1}`)
			if code != http.StatusCreated || len(inv["code"].(string)) < 40 || !strings.HasSuffix(inv["url"].(string), "/invite/"+inv["code"].(string)) {
				t.Fatalf("invite: %d %v", code, inv)
			}
			invite := inv["code"].(string)
			if code, info := f.call("outsider", "GET", "/api/invites/"+invite, ""); code != 200 || info["space_name"] != "Garden" || info["role"] != "member" {
				t.Fatalf("what the invite grants: %d %v", code, info)
			}
			// Many accept a 1-use invite at once: one wins.
			var wg sync.WaitGroup
			codes := make([]int, 4)
			for i, p := range []string{"outsider", "admin", "member", "viewer"} {
				wg.Go(func() { codes[i], _ = f.call(p, "POST", "/api/invites/"+invite+"/accept", "") })
			}
			wg.Wait()
			won := 0
			for _, c := range codes {
				switch c {
				case http.StatusOK:
					won++
				case http.StatusGone:
				default:
					t.Fatalf("accepts answered %v", codes)
				}
			}
			if won != 1 {
				t.Fatalf("4 accepts of a 1-use invite: %v", codes)
			}
			// A fresh invite for the outsider (whoever won above).
			_, inv = f.call("owner", "POST", "/api/spaces/"+spaceID+"/invites", `{"max_uses":5}`)
			if code, got := f.call("outsider", "POST", "/api/invites/"+inv["code"].(string)+"/accept", ""); code != 200 || got["space_id"] != spaceID {
				t.Fatalf("accept: %d %v", code, got)
			}
			if code, _ := f.call("outsider", "GET", "/api/sessions/"+sessID, ""); code != http.StatusOK {
				t.Fatalf("after accepting: %d", code)
			}
			// Revoked: refused.
			if code, _ := f.call("outsider", "DELETE", "/api/invites/"+inv["code"].(string), ""); code != http.StatusForbidden {
				t.Fatalf("a member revoking the owner's invite: %d", code)
			}
			if code, _ := f.call("owner", "DELETE", "/api/invites/"+inv["code"].(string), ""); code != http.StatusNoContent {
				t.Fatalf("revoke: %d", code)
			}
			if code, _ := f.call("viewer", "POST", "/api/invites/"+inv["code"].(string)+"/accept", ""); code != http.StatusNotFound {
				t.Fatalf("accepting a revoked invite: %d", code)
			}
			// The last owner stays.
			if code, e := f.call("owner", "PUT", "/api/spaces/"+spaceID+"/members/"+f.subject["owner"], `{"role":"admin"}`); code != http.StatusConflict {
				t.Fatalf("demoting the last owner: %d %v", code, e)
			}
			// Names come from the profile.
			if code, me := f.call("outsider", "PATCH", "/api/me", `{"name":"Olive","color":"#12AB34"}`); code != 200 || me["name"] != "Olive" || me["color"] != "#12ab34" {
				t.Fatalf("PATCH /api/me: %d %v", code, me)
			}
			for _, bad := range []string{`{"name":""}`, `{"name":"` + strings.Repeat("n", 65) + `"}`, `{"color":"red"}`, `{"name":"a\u0007b"}`} {
				if code, _ := f.call("outsider", "PATCH", "/api/me", bad); code != http.StatusBadRequest {
					t.Fatalf("PATCH /api/me %s: %d", bad, code)
				}
			}
			if _, ms := f.call("owner", "GET", "/api/spaces/"+spaceID+"/members", ""); !strings.Contains(fmt.Sprint(ms), "Olive") {
				t.Fatalf("members %v lack the profile's name", ms)
			}
			wc, _, err := f.dial("outsider", sessID+"/notes")
			if err != nil {
				t.Fatal(err)
			}
			wc.synced()
			if code, st := f.call("owner", "GET", "/api/sessions/"+sessID+"/meeting", ""); code != 200 || !strings.Contains(fmt.Sprint(st), "Olive") {
				// attendance is recorded in the background
				deadline := time.Now().Add(5 * time.Second)
				for !strings.Contains(fmt.Sprint(st), "Olive") && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
					_, st = f.call("owner", "GET", "/api/sessions/"+sessID+"/meeting", "")
				}
				if !strings.Contains(fmt.Sprint(st), "Olive") {
					b, _ := json.Marshal(st)
					t.Fatalf("participants without the profile's name: %s", b)
				}
			}
			// Removing the member closes their socket.
			if code, _ := f.call("owner", "DELETE", "/api/spaces/"+spaceID+"/members/"+f.subject["outsider"], ""); code != http.StatusNoContent {
				t.Fatalf("remove: %d", code)
			}
			if code, reason := wc.closed(); code != websocket.StatusPolicyViolation || reason != "access revoked" {
				t.Fatalf("the removed member's socket: %d %q", code, reason)
			}
			if code, _ := f.call("outsider", "GET", "/api/sessions/"+sessID, ""); code != http.StatusNotFound {
				t.Fatalf("after removal: %d", code)
			}
		})
	}
}
