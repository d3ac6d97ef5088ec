package client

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestBackoffCeilingsDoubleToCap drives the backoff with a source that
// always returns its largest value, so every wait is the ceiling itself.
func TestBackoffCeilingsDoubleToCap(t *testing.T) {
	var asked []int64
	b := backoff{min: 100 * time.Millisecond, max: 5 * time.Second, randN: func(n int64) int64 {
		asked = append(asked, n)
		return n - 1
	}}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}
	for i, w := range want {
		w *= time.Millisecond
		if got := b.next(); got != w {
			t.Fatalf("attempt %d: wait %v, want %v", i, got, w)
		}
		// The wait is drawn from [0, ceiling]: both ends included.
		if asked[i] != int64(w)+1 {
			t.Fatalf("attempt %d: drew from [0, %d), want [0, %d)", i, asked[i], int64(w)+1)
		}
	}
	b.reset()
	if got := b.next(); got != 100*time.Millisecond {
		t.Fatalf("after reset: wait %v, want 100ms", got)
	}
}

// TestBackoffFullJitter checks, for seeded sources, that every wait is
// within [0, min(max, min·2^n)], that the lower part of the range is used
// (full jitter, not "equal jitter" in [ceiling/2, ceiling]) and that a
// seed replays the same sequence.
func TestBackoffFullJitter(t *testing.T) {
	const lo, hi = 20 * time.Millisecond, 3 * time.Second
	for seed := range uint64(5) {
		run := func() []time.Duration {
			r := rand.New(rand.NewPCG(seed, 42))
			b := backoff{min: lo, max: hi, randN: r.Int64N}
			var ws []time.Duration
			for range 400 {
				ws = append(ws, b.next())
			}
			return ws
		}
		ws := run()
		low := 0
		for n, w := range ws {
			ceil := hi
			if n < 20 {
				ceil = min(hi, lo<<n)
			}
			if w < 0 || w > ceil {
				t.Fatalf("seed %d attempt %d: wait %v outside [0, %v]", seed, n, w, ceil)
			}
			if n >= 10 && w < ceil/2 {
				low++
			}
		}
		// Of 390 capped attempts about half fall below ceiling/2; fewer
		// than 100 would mean the jitter is not full.
		if low < 100 {
			t.Fatalf("seed %d: only %d of 390 waits below half the cap", seed, low)
		}
		for i, w := range run() {
			if w != ws[i] {
				t.Fatalf("seed %d attempt %d: replay gave %v, first run %v", seed, i, w, ws[i])
			}
		}
	}
}

// TestBackoffNoOverflow: many attempts with a large cap stay at the cap.
func TestBackoffNoOverflow(t *testing.T) {
	b := backoff{min: time.Second, max: time.Duration(1) << 62, randN: func(n int64) int64 { return n - 1 }}
	for i := range 200 {
		w := b.next()
		if w <= 0 || w > b.max {
			t.Fatalf("attempt %d: wait %v outside (0, %v]", i, w, b.max)
		}
	}
	b = backoff{min: time.Second, max: time.Second, randN: func(n int64) int64 { return n - 1 }}
	for i := range 5 {
		if w := b.next(); w != time.Second {
			t.Fatalf("min = max, attempt %d: wait %v", i, w)
		}
	}
}
