// Package servertest runs a cocreate server in the test's process, for
// the tests of other packages (the client, the nginx check) that need a
// real one: Serve serves it on a loopback port until the test ends, and
// SeedSession stores a session beforehand, as POST /api/sessions would,
// for a server with --auth-secret (which serves only the documents of
// known sessions).
package servertest

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/server"
)

// SeedSession stores session id (hosted by "nobody", so tokens' grants
// decide the roles) in the SQLite store of the data directory dir; a
// session already there is kept.
func SeedSession(t testing.TB, dir, id string) {
	t.Helper()
	st, err := notes.OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateSession(context.Background(), notes.Session{
		ID: id, Title: id, Host: "nobody", State: notes.StateScheduled,
		CreatedAt: time.Now().UTC(), Agenda: []notes.AgendaItem{}, TimeZone: "UTC",
	})
	st.Close()
	if err != nil && !errors.Is(err, notes.ErrSessionExists) {
		t.Fatal(err)
	}
}

// Serve makes a server of cfg and serves it on addr ("127.0.0.1:0": a
// free port; a port just closed is retried for a second) until the test
// ends or stop is called. It returns the address it listens on.
func Serve(t testing.TB, cfg server.Config, addr string) (listening string, stop func()) {
	t.Helper()
	s, err := server.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; ; i++ { // a just-closed port may take a moment to be free
		ln, err = net.Listen("tcp", addr)
		if err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}
