package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client/web"
)

// cocreateServer is the real binary serving on addr with its own data.
type cocreateServer struct {
	t         *testing.T
	bin, addr string
	data      string
	flags     []string
	cmd       *exec.Cmd
}

func (s *cocreateServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, append([]string{"serve", "--addr", s.addr, "--data", s.data, "--flush-interval", "50ms"}, s.flags...)...)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, os.Stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server on %s not ready: %v", s.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *cocreateServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// e2eSetup checks what the browser tests need, builds the binary and
// returns it, the Chromium path and the artifacts directory.
func e2eSetup(t *testing.T) (bin, chromium, artifacts string) {
	t.Helper()
	if _, built := web.Files(); !built {
		t.Fatal("the UI is not built: run `make ui` (npm ci and esbuild in client/web)")
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: run scripts/ensure-chromium.sh (make test does)", chromium)
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		t.Fatal("playwright-core is not installed: run `make ui` (npm ci in client/web)")
	}
	artifacts = os.Getenv("E2E_ARTIFACTS")
	if artifacts == "" {
		artifacts, _ = filepath.Abs("artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(t.TempDir(), "cocreate")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/cocreate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin, chromium, artifacts
}

// serve starts the built binary on a free port with its own data and
// flags; it is stopped when the test ends.
func serve(t *testing.T, bin string, flags ...string) *cocreateServer {
	t.Helper()
	srv := &cocreateServer{t: t, bin: bin, addr: freeAddr(t), data: filepath.Join(t.TempDir(), "data"), flags: flags}
	srv.start()
	t.Cleanup(srv.stop)
	return srv
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// e2eSteps is how many "ok" lines a complete run of e2e.mjs prints.
const e2eSteps = 24

// TestE2E drives the built UI in headless Chromium (e2e/e2e.mjs,
// access.mjs, meeting.mjs, after.mjs) with three people (a host at
// 1280×800, a member on a 375×812 phone, a third who becomes a viewer): a
// space made and a session planned in it with the keyboard only; an
// invite link copied in the room; the second guest, before accepting,
// sees nothing in the lobby and "You need an invitation" at the session
// URL, then accepts on the invite page and sets their name, which the
// host sees on the caret, among the participants and in the record; a
// space invite for the third, whose role the host changes in the lobby's
// member list (and who is removed there at the end); typing with carets; the toolbar; the meeting
// from start (first item current) through hands, votes and agenda moves
// (focus asserted to stay put), "Next" on the last item, a custom timer
// running out, a poll, a role change, a server restart, to the confirmed
// end; then the reader, the Markdown, search and versions (save,
// compare, download, restore). axe-core runs on the lobby, the room
// (live and ended), the reader, the invite page and the no-access page in
// light and dark; no page may scroll
// sideways at 375 px. Screenshots of each state at both sizes go to
// artifacts/ (or $E2E_ARTIFACTS).
func TestE2E(t *testing.T) {
	bin, chromium, artifacts := e2eSetup(t)
	srv := serve(t, bin)
	addr := srv.addr

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	node := exec.CommandContext(ctx, "node", "e2e/e2e.mjs", "http://"+addr, artifacts)
	node.Env = append(os.Environ(), "CHROMIUM="+chromium)
	stdin, _ := node.StdinPipe()
	stdout, _ := node.StdoutPipe()
	var stderr strings.Builder
	node.Stderr = &stderr
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	var steps []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "STOP":
			srv.stop()
			io.WriteString(stdin, "DOWN\n")
		case line == "START":
			srv.start()
			io.WriteString(stdin, "UP\n")
		case strings.HasPrefix(line, "ok "):
			steps = append(steps, line[3:])
			t.Log(line)
		default:
			t.Log(line)
		}
	}
	stdin.Close()
	if err := node.Wait(); err != nil {
		t.Fatalf("e2e failed after %d steps: %v\n%s", len(steps), err, stderr.String())
	}
	if len(steps) != e2eSteps {
		t.Fatalf("%d of %d steps reported: %v\n%s", len(steps), e2eSteps, steps, stderr.String())
	}
	t.Logf("screenshots in %s", artifacts)
}

// TestE2ETokens: with --auth-secret, pages opened with ?token= (tokens
// minted by POST /api/tokens) carry it to the API and the sockets; a page
// without one shows the refusal.
func TestE2ETokens(t *testing.T) {
	bin, chromium, artifacts := e2eSetup(t)
	const secret, admin = "e2e-secret-0123456789abcdefghijklmnop", "e2e-admin-key-0123456789"
	addr := serve(t, bin, "--auth-secret", secret, "--admin-key", admin).addr
	mint := func(sub string) string {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/tokens",
			strings.NewReader(`{"sub":"`+sub+`","name":"`+sub+`","ttl_seconds":600}`))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Token string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
			t.Fatalf("mint %s: %d %v", sub, resp.StatusCode, err)
		}
		return out.Token
	}
	runScript(t, chromium, 2, "e2e/tokens.mjs", "http://"+addr, artifacts, mint("alice"), mint("bob"))
}

// runScript runs a browser scenario that needs no help from the test
// while it runs, and checks it reported each of its steps ("ok …").
func runScript(t *testing.T, chromium string, steps int, script string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	node.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := node.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("%s failed: %v", script, err)
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ok ") {
			n++
		}
	}
	if n != steps {
		t.Fatalf("%s: %d of %d steps reported", script, n, steps)
	}
}

// TestE2EZones (e2e/zones.mjs): three people in Berlin, New York and
// Tokyo (Playwright timezoneId) see the same session, planned for 15:00
// Europe/Berlin, each in their own zone, labelled, with the session's
// zone alongside — in the lobby, the room (planned start and length),
// the live room ("since"), the reader (when it actually happened,
// attendee and version times) and the Past list. The Markdown names its
// zone; a session planned with the form in New York summer time reads
// EDT there and CET in Berlin; "Add to calendar" downloads the .ics;
// "Subscribe" makes a feed link that reads without cookies until it is
// revoked; a zone chosen under "Your name" is the one times are shown
// in. axe-core on each page; screenshots zones-*.png in artifacts/.
func TestE2EZones(t *testing.T) {
	bin, chromium, artifacts := e2eSetup(t)
	srv := serve(t, bin)
	runScript(t, chromium, 9, "e2e/zones.mjs", "http://"+srv.addr, artifacts)
}

// TestE2ETasks (e2e/tasks.mjs): follow-through in the browser. Task
// items added with the editor's checkbox button in a weekly series'
// first occurrence are listed in the space's Tasks view (lobby) by owner
// (member names) and by session, due dates, overdue in words; the
// meeting ends and they are carried into the next occurrence once,
// under "From last time", linked back; ticked there, the task is ticked
// in the first occurrence and leaves the Tasks view. axe-core on the
// Tasks view; screenshots tasks-*.png in artifacts/.
func TestE2ETasks(t *testing.T) {
	bin, chromium, artifacts := e2eSetup(t)
	srv := serve(t, bin)
	runScript(t, chromium, 6, "e2e/tasks.mjs", "http://"+srv.addr, artifacts)
}

// TestE2ERSVP (e2e/rsvp.mjs): a member answers Going in the room with
// toggle buttons (aria-pressed) and sees the count and her answer; the
// host sees the counts and who answered by member name; another member
// answers on the lobby's upcoming row and only looks into the room
// before the start (no attendance); once the meeting has ended the
// answers close, and the reader and the Markdown show the host who said
// going and came, said going and did not come, and came without
// answering (a member sees none of it). axe-core on the room, the lobby
// and the reader; screenshots rsvp-*.png in artifacts/.
func TestE2ERSVP(t *testing.T) {
	bin, chromium, artifacts := e2eSetup(t)
	srv := serve(t, bin)
	runScript(t, chromium, 7, "e2e/rsvp.mjs", "http://"+srv.addr, artifacts)
}

// TestE2ESeries (e2e/series.mjs): a host plans a weekly series
// "Community call" ending after 4 times with the lobby's form, keyboard
// only; the Monthly choice names the weekday ("on the first Thursday");
// the lobby confirms the first occurrence with "Repeats weekly" and lists
// it under Upcoming and on its space's card; the API reads
// FREQ=WEEKLY;COUNT=4. axe-core on the repeating form; screenshots
// series-*.png in artifacts/.
func TestE2ESeries(t *testing.T) {
	bin, chromium, artifacts := e2eSetup(t)
	srv := serve(t, bin)
	runScript(t, chromium, 5, "e2e/series.mjs", "http://"+srv.addr, artifacts)
}
