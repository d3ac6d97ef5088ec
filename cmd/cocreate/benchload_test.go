package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBenchLoadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--url is required"},
		{[]string{"--url", "ws://127.0.0.1:1/x", "--protocol", "mqtt"}, `--protocol: unknown protocol "mqtt"`},
		{[]string{"--url", "ws://127.0.0.1:1/x", "extra"}, `unexpected argument "extra"`},
		{[]string{"--url", "ws://10.1.2.3:80/x"}, "loopback"},
		{[]string{"--bogus"}, ""},
	} {
		var out, errOut bytes.Buffer
		err := runBenchLoad(tc.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bench load %q: err %v, want one with %q", tc.args, err, tc.want)
		}
	}
}

func TestBenchLoadDispatch(t *testing.T) {
	code, _, stderr := runCLI(t, "bench", "load")
	if code != 2 || !strings.Contains(stderr, "--url is required") {
		t.Errorf("cocreate bench load: code %d, stderr %q; want 2 and --url is required", code, stderr)
	}
}
