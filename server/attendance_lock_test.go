package server

import (
	"context"
	"testing"
	"time"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/internal/redistest"
)

// TestSocketNotHeldByMeetingLock: while another instance holds the
// session's meeting lock, a new socket to the session is still served
// at once (attendance is recorded when the lock frees, in the
// background), where it used to wait for the lock before its first read.
func TestSocketNotHeldByMeetingLock(t *testing.T) {
	rs := redistest.Start(t)
	ts := startServer(t, t.TempDir(), func(c *Config) { c.Redis = rs.URL() })
	ts.mkSession(t, "locked")
	other, err := hub.NewRedisLock(hub.RedisLockOptions{URL: rs.URL(), TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- other.Run(context.Background(), "meeting:locked", func([]byte) ([]byte, error) {
			close(held)
			<-release
			return nil, nil
		})
	}()
	<-held
	wc := dialDoc(t, ts, "locked/notes")
	wc.synced() // within dialDoc's 10s, while the lock stays held
	wc.insert(0, "served")
	wc.echoed()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
