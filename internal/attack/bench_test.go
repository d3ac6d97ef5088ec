package attack

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// attacks run against doc on s until ctx is done.
var attacks = map[string]func(ctx context.Context, b *testing.B, s *server, doc string){
	"quiet": func(ctx context.Context, b *testing.B, s *server, doc string) { <-ctx.Done() },
	"step1": func(ctx context.Context, b *testing.B, s *server, doc string) {
		rng := rand.New(rand.NewPCG(3, 3))
		for ctx.Err() == nil {
			a := dial(b, s, doc, false, 0)
			for range 30 {
				sv := crdt.StateVector{uint64(rng.Uint32()): 1 + rng.Uint64N(1<<20)}.Encode()
				if a.send(yproto.SyncStep1Message(sv)) != nil {
					break
				}
			}
			a.c.CloseNow()
		}
	},
	"awareness": func(ctx context.Context, b *testing.B, s *server, doc string) {
		for ctx.Err() == nil {
			a := dial(b, s, doc, true, 0)
			for i := range 1000 {
				if a.send(awareness(uint64(1e6+i%50), uint64(i+1), `{"pad":"`+strings.Repeat("x", 2000)+`"}`)) != nil {
					break
				}
			}
			a.c.CloseNow()
		}
	},
	"slow-readers": func(ctx context.Context, b *testing.B, s *server, doc string) {
		for range 20 {
			dial(b, s, doc, false, 0) // never read
		}
		w := dial(b, s, doc, true, 0)
		for i := 0; ctx.Err() == nil; i++ {
			w.do(func(d *crdt.Doc) { d.GetText("noise").Insert(0, strings.Repeat("n", 1000), nil) })
			time.Sleep(time.Millisecond)
		}
	},
}

// BenchmarkBystander measures a bystander editor's round trip (its edit
// seen by another bystander) on a 2 MB document while an attack runs:
//
//	go test ./internal/attack -run '^$' -bench Bystander -benchtime 200x
func BenchmarkBystander(b *testing.B) {
	for _, name := range []string{"quiet", "step1", "awareness", "slow-readers"} {
		b.Run(name, func(b *testing.B) {
			s := start(b)
			const doc = "atk/bench"
			bigDocB(b, s, doc)
			w := dial(b, s, doc, true, 0)
			by := dial(b, s, doc, true, 0)
			roundTrip(w, by)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Go(func() { attacks[name](ctx, b, s, doc) })
			time.Sleep(300 * time.Millisecond) // let the attack start
			lat := make([]float64, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				roundTrip(w, by)
				lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			cancel()
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(lat[len(lat)/2], "p50-ms")
			b.ReportMetric(lat[len(lat)*99/100], "p99-ms")
			b.ReportMetric(lat[len(lat)-1], "max-ms")
		})
	}
}

func bigDocB(b *testing.B, s *server, doc string) {
	w := dial(b, s, doc, true, 0)
	chunk := strings.Repeat("0123456789", 1000)
	for range 200 {
		w.do(func(d *crdt.Doc) { txt := d.GetText("t"); txt.Insert(txt.Len()/2, chunk, nil) })
	}
	check := dial(b, s, doc, true, 0)
	check.wait("the document", func(d *crdt.Doc, _ map[uint64]string) bool { return d.GetText("t").Len() == 200*len(chunk) })
}
