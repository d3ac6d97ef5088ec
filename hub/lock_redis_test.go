package hub

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cocreate/cocreate/internal/redistest"
)

// TestRedisLock: a holder's value is handed to the next holder; a
// caller that cannot get the lock within Wait gets ErrLockBusy and its
// function never runs; a holder that outlives the TTL keeps its lock.
func TestRedisLock(t *testing.T) {
	rs := redistest.Start(t)
	newLock := func(wait time.Duration) *RedisLock {
		l, err := NewRedisLock(RedisLockOptions{URL: rs.URL(), TTL: 100 * time.Millisecond, Wait: wait})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	a, b := newLock(time.Second), newLock(300*time.Millisecond)
	ctx := context.Background()
	if err := a.Run(ctx, "k", func(latest []byte) ([]byte, error) {
		if latest != nil {
			t.Errorf("first holder got %q", latest)
		}
		return []byte("one"), nil
	}); err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Run(ctx, "k", func(latest []byte) ([]byte, error) {
			if string(latest) != "one" {
				t.Errorf("second holder got %q, want one", latest)
			}
			close(held)
			<-release // held for 3x Wait and many TTLs
			return []byte("two"), nil
		})
	}()
	<-held
	ran := false
	if err := b.Run(ctx, "k", func([]byte) ([]byte, error) { ran = true; return nil, nil }); !errors.Is(err, ErrLockBusy) || ran {
		t.Fatalf("while held: %v, ran %v; want ErrLockBusy, not run", err, ran)
	}
	if err := b.Run(ctx, "k", func([]byte) ([]byte, error) { ran = true; return nil, nil }); !errors.Is(err, ErrLockBusy) || ran {
		t.Fatalf("still held: %v, ran %v; want ErrLockBusy, not run", err, ran)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := b.Run(ctx, "k", func(latest []byte) ([]byte, error) {
		if string(latest) != "two" {
			t.Errorf("third holder got %q, want two", latest)
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
}
