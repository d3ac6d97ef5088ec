package defaults

import (
	"testing"
	"time"
)

func TestPositiveAndZero(t *testing.T) {
	for _, c := range []struct{ in, want time.Duration }{{0, time.Second}, {-1, time.Second}, {2, 2}} {
		got := c.in
		Positive(&got, time.Second)
		if got != c.want {
			t.Errorf("Positive(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want float64 }{{0, 5}, {-1, -1}, {2, 2}} {
		got := c.in
		Zero(&got, 5)
		if got != c.want {
			t.Errorf("Zero(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
