package notes

import (
	"context"
	"testing"
)

func TestDocSizes(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.fresh(t)(t)
			ctx := context.Background()
			s.Append(ctx, "a/x", []byte("12345"), []byte("678"))
			s.Append(ctx, "a/y", []byte("1"))
			s.Append(ctx, "ab/z", []byte("1234567890"))
			got, err := s.(Sizer).DocSizes(ctx, "a/")
			if err != nil || len(got) != 2 || got["a/x"] != 8 || got["a/y"] != 1 {
				t.Fatalf("DocSizes(a/) = %v, %v", got, err)
			}
		})
	}
}
