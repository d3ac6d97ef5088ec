// Package freeport finds a loopback port no one listens on, for tests
// that start a process (cocreate, Redis, PostgreSQL, nginx) that must be
// told its port. The port is free when returned; another process may
// take it before the caller binds it, which the loopback of a test
// machine makes unlikely.
package freeport

import (
	"net"
	"strconv"
	"testing"
)

// Port returns a free port of 127.0.0.1.
func Port(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Addr returns a free "127.0.0.1:port".
func Addr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(Port(t))
}
