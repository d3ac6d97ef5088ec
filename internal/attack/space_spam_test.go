package attack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

// guest is a client keeping its cookie: one guest across requests.
type guest struct {
	t *testing.T
	c *http.Client
}

func newGuest(t *testing.T) *guest {
	jar, _ := cookiejar.New(nil)
	return &guest{t: t, c: &http.Client{Jar: jar}}
}

// do sends a request (a JSON body if body is not empty) and returns the
// answer's status, Retry-After and body.
func (g *guest) do(method, url, body string) (int, string, string) {
	g.t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.c.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// Session spam into one space: a guest creating sessions in its space
// as fast as it can gets --max-sessions-per-space-hour of them, then 429
// too_many_sessions with Retry-After, each refusal counted; the space
// holds no more than the limit; a bystander's session is unchanged and
// the bystander's own space still takes sessions. The server's heap peaks
// at most 64 MB above its level before, and a bystander document (stock
// yjs) reads back unchanged.
func TestSessionSpamIntoOneSpace(t *testing.T) {
	// No per-address quota, so this one alone decides.
	s := start(t, "--max-sessions-per-space-hour", "10", "--guest-creations-per-minute", "0")
	base := "http://" + s.addr + "/api/sessions"

	bystander := newGuest(t)
	code, _, body := bystander.do(http.MethodPost, base, `{"title":"Planning","time_zone":"UTC","agenda":[{"id":"a","title":"Budget"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("bystander's session: %d %s", code, body)
	}
	var bs struct {
		ID      string `json:"id"`
		SpaceID string `json:"space_id"`
	}
	json.Unmarshal([]byte(body), &bs)
	_, _, bystanderBefore := bystander.do(http.MethodGet, base+"/"+bs.ID, "")
	g := guard(t, s.addr, 64)

	attacker := newGuest(t)
	code, _, body = attacker.do(http.MethodPost, base, `{"title":"spam 0","time_zone":"UTC"}`)
	if code != http.StatusCreated {
		t.Fatalf("attacker's first session: %d %s", code, body)
	}
	var first struct {
		SpaceID string `json:"space_id"`
	}
	json.Unmarshal([]byte(body), &first)
	if first.SpaceID == "" || first.SpaceID == bs.SpaceID {
		t.Fatalf("attacker's space %q (bystander's %q)", first.SpaceID, bs.SpaceID)
	}

	created, refused := 1, 0
	for i := 1; i < 40; i++ {
		code, retry, body := attacker.do(http.MethodPost, base,
			fmt.Sprintf(`{"title":"spam %d","time_zone":"UTC","space_id":%q}`, i, first.SpaceID))
		switch code {
		case http.StatusCreated:
			if refused > 0 {
				t.Fatalf("session %d created after a refusal", i)
			}
			created++
		case http.StatusTooManyRequests:
			refused++
			if !strings.Contains(body, `"too_many_sessions"`) || !strings.Contains(body, "--max-sessions-per-space-hour") || retry == "" {
				t.Fatalf("refusal without its reason or Retry-After (%q): %s", retry, body)
			}
		default:
			t.Fatalf("session %d: %d %s", i, code, body)
		}
	}
	if created != 10 || refused != 30 {
		t.Fatalf("40 sessions into one space: %d created, %d refused; want 10 and 30", created, refused)
	}
	if n := s.refused("too_many_sessions"); n != 30 {
		t.Errorf(`cocreate_refused_total{reason="too_many_sessions"} = %v, want 30`, n)
	}

	// Nothing more is stored in the space than the limit.
	code, _, body = attacker.do(http.MethodGet, base+"?limit=200&space_id="+first.SpaceID, "")
	var list struct {
		Sessions []json.RawMessage `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK {
		t.Fatalf("listing the space: %d %s", code, body)
	}
	if len(list.Sessions) != 10 {
		t.Errorf("the attacker's space holds %d sessions, want 10", len(list.Sessions))
	}

	// The bystander's session is as it was, and its space takes more.
	if _, _, after := bystander.do(http.MethodGet, base+"/"+bs.ID, ""); after != bystanderBefore {
		t.Errorf("the bystander's session changed:\n%s\nwas\n%s", after, bystanderBefore)
	}
	code, _, body = bystander.do(http.MethodPost, base, fmt.Sprintf(`{"title":"Retro","time_zone":"UTC","space_id":%q}`, bs.SpaceID))
	if code != http.StatusCreated {
		t.Errorf("bystander's space refused a session after the attack: %d %s", code, body)
	}
	g.check()
}

// Space spam: a guest creating sessions without space_id (each makes a
// space of its own) gets --max-spaces-per-person spaces, then 429
// too_many_spaces, each refusal counted; it owns no more spaces than
// the limit; another guest still creates. The heap peaks at most 64 MB
// above its level before, and a bystander document reads back unchanged.
func TestSpaceSpamWithoutSpaceID(t *testing.T) {
	s := start(t, "--max-spaces-per-person", "5", "--guest-creations-per-minute", "0")
	base := "http://" + s.addr + "/api"
	g := guard(t, s.addr, 64)
	attacker := newGuest(t)
	created, refused := 0, 0
	for i := range 20 {
		code, _, body := attacker.do(http.MethodPost, base+"/sessions", fmt.Sprintf(`{"title":"spam %d","time_zone":"UTC"}`, i))
		switch code {
		case http.StatusCreated:
			if refused > 0 {
				t.Fatalf("session %d created after a refusal", i)
			}
			created++
		case http.StatusTooManyRequests:
			refused++
			if !strings.Contains(body, `"too_many_spaces"`) || !strings.Contains(body, "--max-spaces-per-person") {
				t.Fatalf("refusal without its reason: %s", body)
			}
		default:
			t.Fatalf("session %d: %d %s", i, code, body)
		}
	}
	if created != 5 || refused != 15 {
		t.Fatalf("20 sessions without space_id: %d created, %d refused; want 5 and 15", created, refused)
	}
	if n := s.refused("too_many_spaces"); n != 15 {
		t.Errorf(`cocreate_refused_total{reason="too_many_spaces"} = %v, want 15`, n)
	}
	code, _, body := attacker.do(http.MethodGet, base+"/spaces", "")
	var list struct {
		Spaces []json.RawMessage `json:"spaces"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK {
		t.Fatalf("listing the attacker's spaces: %d %s", code, body)
	}
	if len(list.Spaces) != 5 {
		t.Errorf("the attacker owns %d spaces, want 5", len(list.Spaces))
	}
	if code, _, body := newGuest(t).do(http.MethodPost, base+"/spaces", `{"name":"Garden club"}`); code != http.StatusCreated {
		t.Errorf("another guest's space refused: %d %s", code, body)
	}
	g.check()
}
