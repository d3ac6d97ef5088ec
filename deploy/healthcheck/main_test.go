package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		addr, want string
		err        string
	}{
		{nil, "", "http://127.0.0.1:8080/readyz", ""},
		{nil, "0.0.0.0:9000", "http://127.0.0.1:9000/readyz", ""},
		{nil, ":7000", "http://127.0.0.1:7000/readyz", ""},
		{nil, "[::]:7001", "http://127.0.0.1:7001/readyz", ""},
		{[]string{"http://x:1/healthz"}, "0.0.0.0:9000", "http://x:1/healthz", ""},
		{nil, "nonsense", "", "is not host:port"},
		{[]string{"a", "b"}, "", "", "usage"},
	} {
		got, err := target(tc.args, tc.addr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("target(%q, %q) = %q, %v; want error %q", tc.args, tc.addr, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("target(%q, %q) = %q, %v; want %q", tc.args, tc.addr, got, err, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	}))
	defer ts.Close()
	if err := check(ts.URL+"/readyz", time.Second); err != nil {
		t.Fatalf("ready server: %v", err)
	}
	ready.Store(false)
	if err := check(ts.URL+"/readyz", time.Second); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("draining server: %v, want a 503 error", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/readyz"
	ln.Close()
	if err := check(dead, time.Second); err == nil {
		t.Fatal("closed port: no error")
	}
}
