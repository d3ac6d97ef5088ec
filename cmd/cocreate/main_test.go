package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDispatch(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{nil, 2, "", "usage: cocreate"},
		{[]string{"help"}, 0, "", "bench-crdt"},
		{[]string{"nope"}, 2, "", `unknown command "nope"`},
		{[]string{"version"}, 0, "cocreate ", ""},
		{[]string{"version", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"serve", "--redis", "localhost:6379"}, 2, "", "--redis: \"localhost:6379\" is not a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL"},
		{[]string{"serve", "--bogus"}, 2, "", "-bogus"},
		{[]string{"serve", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"bench-trace"}, 2, "", "want exactly one trace file"},
		{[]string{"bench-trace", "--bogus", "x"}, 2, "", "-bogus"},
		{[]string{"bench-trace", "/does/not/exist.json.gz"}, 1, "", "no such file"},
		{[]string{"bench-crdt", "--traces", "/does/not/exist"}, 2, "", "--traces /does/not/exist"},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("cocreate %q: code %d, stdout %q, stderr %q; want code %d, stdout with %q, stderr with %q",
				tc.args, code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
}

// writeTrace writes a small gzip'd trace with astral characters, so that
// code-point positions differ from UTF-16 ones.
func writeTrace(t *testing.T, dir, name string) string {
	t.Helper()
	tr := map[string]any{
		"startContent": "",
		"endContent":   "a😀c𝄞!",
		"txns": []any{
			map[string]any{"patches": []any{[]any{0, 0, "ab"}, []any{2, 0, "c"}}},
			map[string]any{"patches": []any{[]any{1, 1, "😀"}}},
			map[string]any{"patches": []any{[]any{3, 0, "x𝄞"}, []any{3, 1, ""}, []any{4, 0, "!"}}},
		},
	}
	raw, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	path := filepath.Join(dir, name+".json.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBenchTrace(t *testing.T) {
	path := writeTrace(t, t.TempDir(), "tiny")
	code, stdout, stderr := runCLI(t, "bench-trace", path)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	if !regexp.MustCompile(`^ops=6 ms=\d+(\.\d)? final_len=5 ok=true\n$`).MatchString(stdout) {
		t.Errorf("output %q", stdout)
	}
}

func TestBenchCRDTGoOnly(t *testing.T) {
	dir := t.TempDir()
	writeTrace(t, dir, "tiny")
	code, stdout, stderr := runCLI(t, "bench-crdt", "--traces", dir, "--no-node")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	for _, want := range []string{"tiny: 6 ops in 3 txns", "local_ms", "encoded_bytes", "updates_per_s"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^\s+ok\s+true\s+-`).MatchString(stdout) {
		t.Errorf("output has no passing ok row:\n%s", stdout)
	}
}
