package cluster

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/redistest"
)

// person is one guest identity (dev mode: a cookie) talking to any
// instance.
type person struct {
	t *testing.T
	c *http.Client
}

// newPerson makes a guest identity: its first request gets the guest
// cookie, which every instance honours.
func newPerson(t *testing.T, anyInstance string) *person {
	jar, _ := cookiejar.New(nil)
	p := &person{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if code, _ := p.do("GET", anyInstance+"/api/me", ""); code != 200 {
		t.Fatalf("GET /api/me: %d", code)
	}
	return p
}

func (p *person) do(method, url, body string) (int, map[string]any) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		p.t.Error(err)
		return 0, nil
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// TestMeetingCommandsAcrossInstances: commands whose outcome depends on
// order — raising hands, voting — sent at once to two instances give the
// same result as on one: a queue of 100 distinct people, and each voter
// counted once with their last ballot, seen alike on both instances.
func TestMeetingCommandsAcrossInstances(t *testing.T) {
	testMeetingCommandsAcrossInstances(t, redistest.Start(t).URL())
}

func testMeetingCommandsAcrossInstances(t *testing.T, redisURL string) {
	_, ins := startCluster(t, 2, redisURL)
	url := func(i int, path string) string { return "http://" + ins[i%2].addr + path }
	host := newPerson(t, url(0, ""))
	code, s := host.do("POST", url(0, "/api/sessions"), `{"title":"Across","time_zone":"UTC"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, s)
	}
	id := s["id"].(string)
	cmd := func(p *person, i int, body string) {
		if code, out := p.do("POST", url(i, "/api/sessions/"+id+"/commands"), body); code != 200 {
			t.Errorf("%s on instance %d: %d %v", body, i%2+1, code, out)
		}
	}
	cmd(host, 0, `{"type":"poll.create","id":"named","question":"?","options":["a","b","c"]}`)
	cmd(host, 1, `{"type":"poll.create","id":"anon","question":"?","options":["a","b","c"],"anonymous":true}`)

	// Each person raises their hand on both instances at the same
	// moment: exactly one raise may win (the other is a 409).
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[int]int{}
	for i := range 100 {
		p := newPerson(t, url(i, ""))
		for k := range 2 {
			wg.Go(func() {
				code, out := p.do("POST", url(k, "/api/sessions/"+id+"/commands"), `{"type":"hand.raise"}`)
				if code != 200 && code != http.StatusConflict {
					t.Errorf("raise: %d %v", code, out)
				}
				mu.Lock()
				won[code]++
				mu.Unlock()
			})
		}
	}
	for i := range 30 {
		wg.Go(func() {
			p := newPerson(t, url(i, ""))
			for k := range 3 {
				for _, poll := range []string{"named", "anon"} {
					cmd(p, i+k, fmt.Sprintf(`{"type":"poll.vote","id":%q,"choices":[%d]}`, poll, (i+k)%3))
				}
			}
		})
	}
	wg.Wait()
	if won[200] != 100 || won[http.StatusConflict] != 100 {
		t.Errorf("raises answered %v, want 100 × 200 and 100 × 409", won)
	}
	if t.Failed() {
		return
	}
	// Every voter's last ballot is (i+2)%3: 10 of each.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var problems []string
		for i := range 2 {
			code, st := host.do("GET", url(i, "/api/sessions/"+id+"/meeting"), "")
			if code != 200 {
				t.Fatalf("meeting on instance %d: %d", i+1, code)
			}
			hands := st["hands"].([]any)
			seen := map[any]bool{}
			for _, h := range hands {
				seen[h.(map[string]any)["subject"]] = true
			}
			if len(hands) != 100 || len(seen) != 100 {
				problems = append(problems, fmt.Sprintf("instance %d: %d hands, %d people", i+1, len(hands), len(seen)))
			}
			for _, poll := range []string{"named", "anon"} {
				p := st["polls"].(map[string]any)[poll].(map[string]any)
				if fmt.Sprint(p["counts"]) != "[10 10 10]" || p["voters"] != float64(30) {
					problems = append(problems, fmt.Sprintf("instance %d, %s: counts %v voters %v", i+1, poll, p["counts"], p["voters"]))
				}
			}
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not consistent after 20 s:\n%s", strings.Join(problems, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
