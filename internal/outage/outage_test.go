package outage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/internal/clienttest"
	"github.com/cocreate/cocreate/internal/interoptest"
	"github.com/cocreate/cocreate/internal/pgtest"
	"github.com/cocreate/cocreate/internal/proctest"
)

const doc = "outage/notes"

// editor is a writing client and an observer on one document; every
// token it types is confirmed by the server (the observer saw it).
type editor struct {
	t      *testing.T
	w, o   *client.Client
	tokens []string
}

func newEditor(t *testing.T, s *proctest.Server) *editor {
	return &editor{t: t, w: dial(t, s.SyncURL(), doc), o: dial(t, s.SyncURL(), doc)}
}

func (e *editor) typ(tok string) {
	typeToken(e.t, e.w, e.o, tok)
	e.tokens = append(e.tokens, tok)
}

// close closes both clients, like closed browser tabs: nothing will send
// these edits again.
func (e *editor) close() {
	e.w.Close()
	e.o.Close()
}

// readBack reads doc through a fresh stock yjs client and fails the test
// unless it holds every token typed.
func (e *editor) readBack(s *proctest.Server) {
	e.t.Helper()
	st := interoptest.Run(e.t, "read", s.SyncURL(), doc)
	if m := clienttest.Missing(st.Text, e.tokens); len(m) > 0 {
		e.t.Fatalf("after restart the document lacks %d of %d confirmed edits (%q…); text %q", len(m), len(e.tokens), m[0], st.Text)
	}
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "spool-*.wal"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// PostgreSQL stops under a running server: edits go on (applied and
// echoed), /readyz answers 503 naming the store, SIGTERM spools what the
// store refused and exits 0, and after PostgreSQL returns a restarted
// server stores the spool before serving: a fresh stock client reads
// every edit.
func TestPostgresOutage(t *testing.T) {
	interoptest.Need(t)
	pg := pgtest.StartCluster(t)
	data := t.TempDir()
	args := []string{"--data", data, "--postgres", pg.DSN()}
	s := serve(t, args...)
	e := newEditor(t, s)
	for i := range 3 {
		e.typ(fmt.Sprintf("before.%d;", i))
	}

	pg.Stop()
	for i := range 5 {
		e.typ(fmt.Sprintf("during.%d;", i))
	}
	if body := s.WaitReady(http.StatusServiceUnavailable); !strings.Contains(body, "store") {
		t.Fatalf("/readyz during the outage: %s, want a reason naming the store", body)
	}
	waitMetric(t, s, "cocreate_unsaved_docs 1")
	e.close()
	if code := s.Term(); code != 0 {
		t.Fatalf("SIGTERM during the outage: exit %d, want 0 (edits spooled)", code)
	}
	if files := spoolFiles(t, filepath.Join(data, "spool")); len(files) != 1 {
		t.Fatalf("spool files after shutdown: %v, want one", files)
	}

	pg.Start()
	s2 := serve(t, args...)
	e.readBack(s2)
	if files := spoolFiles(t, filepath.Join(data, "spool")); len(files) != 0 {
		t.Fatalf("spool files after the restart: %v, want none", files)
	}
	if code := s2.Term(); code != 0 {
		t.Fatalf("second server: exit %d", code)
	}
}

// mountTmpfs mounts a tmpfs of size in a temp dir, unmounted when the
// test ends: a disk the test can fill.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (the full-disk test needs root): %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file into dir until the disk is full (ENOSPC) and returns
// its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v, want ENOSPC", dir, err)
			}
			// Fill the last partial page too.
			for _, err := f.Write(chunk[:1]); err == nil; _, err = f.Write(chunk[:1]) {
			}
			return path
		}
	}
}

// typeUntilRefused types on a full disk until /readyz reports the store
// refusing writes (SQLite may still have room in pages it allocated), then
// a few more edits.
func typeUntilRefused(t *testing.T, s *proctest.Server, e *editor) string {
	t.Helper()
	for i := range 500 {
		e.typ(fmt.Sprintf("full.%d;", i))
		if code, body := s.Get("/readyz"); code == http.StatusServiceUnavailable {
			t.Logf("/readyz 503 after %d edits on the full disk: %s", i+1, body)
			for j := range 3 {
				e.typ(fmt.Sprintf("after.%d;", j))
			}
			return body
		}
	}
	t.Fatal("500 edits on a full disk and /readyz still 200")
	return ""
}

// SQLite on a full disk, with --spool on another disk: edits go on,
// /readyz answers 503, SIGTERM spools the refused edits, and once there is
// room again a restarted server stores them before serving.
func TestSQLiteFullDisk(t *testing.T) {
	interoptest.Need(t)
	data, spool := mountTmpfs(t, "8m"), t.TempDir()
	args := []string{"--data", data, "--spool", spool}
	s := serve(t, args...)
	e := newEditor(t, s)
	for i := range 3 {
		e.typ(fmt.Sprintf("before.%d;", i))
	}
	filler := fill(t, data)
	if body := typeUntilRefused(t, s, e); !strings.Contains(body, "full") {
		t.Fatalf("/readyz on a full disk: %s, want the store's reason (disk full)", body)
	}
	waitMetric(t, s, "cocreate_unsaved_docs 1")
	e.close()
	code := s.Term()
	if files := spoolFiles(t, spool); len(files) != 1 {
		t.Fatalf("spool files after shutdown (exit %d): %v, want one", code, files)
	}
	if code != 0 {
		t.Fatalf("SIGTERM on a full disk with the edits spooled: exit %d, want 0", code)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	s2 := serve(t, args...)
	e.readBack(s2)
	if files := spoolFiles(t, spool); len(files) != 0 {
		t.Fatalf("spool files after the restart: %v, want none", files)
	}
	if code := s2.Term(); code != 0 {
		t.Fatalf("second server: exit %d", code)
	}
}

// SQLite on a full disk with the spool on the same disk: nothing can keep
// the refused edits, and the server says so — exit status non-zero and a
// message naming the document.
func TestSQLiteFullDiskSpoolFails(t *testing.T) {
	data := mountTmpfs(t, "8m")
	s := serve(t, "--data", data)
	e := newEditor(t, s)
	e.typ("before;")
	fill(t, data)
	typeUntilRefused(t, s, e)
	e.close()
	code := s.Term()
	out := s.Output()
	if code == 0 {
		t.Fatalf("exit 0 although the edits could be neither stored nor spooled:\n%s", out)
	}
	last := out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:]
	if !strings.Contains(last, doc) || !strings.Contains(last, "neither stored nor spooled") {
		t.Fatalf("the last line does not name the unsaved document %q: %q", doc, last)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// waitMetric polls /metrics until a line reads want (the store's refusal
// may come a flush after /readyz turned 503 on a failed ping).
func waitMetric(t *testing.T, s *proctest.Server, want string) {
	t.Helper()
	var m string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, m = s.Get("/metrics"); strings.Contains(m, want) {
			return
		}
	}
	t.Fatalf("/metrics lacks %q:\n%s", want, grepLines(m, "cocreate_unsaved"))
}

func TestMain(m *testing.M) { proctest.Main(m, true) }

// serve starts `cocreate serve` with a short flush interval, open rooms
// (the tests edit documents of no session) and args.
func serve(t *testing.T, args ...string) *proctest.Server {
	return proctest.Start(t, append([]string{"--flush-interval", "50ms", "--public-rooms"}, args...)...)
}

// dial connects a Go client to doc and waits for its sync.
func dial(t *testing.T, url, doc string) *client.Client {
	t.Helper()
	return clienttest.Dial(t, 10*time.Second, url, doc, client.Options{})
}

// typeToken appends tok to the text "t" of w's document and waits until
// the observer o sees it: the server has applied it (and echoed it), so
// it is an edit the server confirmed.
func typeToken(t *testing.T, w, o *client.Client, tok string) {
	t.Helper()
	clienttest.AppendText(w, tok)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clienttest.WaitText(ctx, o, func(s string) bool { return strings.Contains(s, tok) }); err != nil {
		t.Fatalf("the server did not relay %q: %v", tok, err)
	}
}
