package hub

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

// BenchmarkFanOut measures one writer's updates reaching every receiver
// of a document through the hub (in-memory transports, no sockets).
func BenchmarkFanOut(b *testing.B) {
	for _, receivers := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("receivers=%d", receivers), func(b *testing.B) {
			b.ReportAllocs()
			r := New(Config{Store: notes.NewMemoryStore(), QueueSize: 1 << 16})
			defer r.Close(context.Background())

			// Pre-encode b.N one-character updates.
			src := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
			msgs := make([][]byte, 0, b.N)
			src.OnUpdate(func(u []byte, _ any, _ *crdt.Transaction) { msgs = append(msgs, yproto.UpdateMessage(u)) })
			for i := range b.N {
				src.GetText("t").Insert(i, "x", nil)
			}

			var got atomic.Int64
			var joined sync.WaitGroup // every receiver has the hub's step 1
			var wg sync.WaitGroup
			pipes := make([]*pipe, receivers)
			for i := range pipes {
				p := newPipe(1024)
				pipes[i] = p
				joined.Add(1)
				wg.Go(func() {
					<-p.out
					joined.Done()
					for {
						select {
						case m := <-p.out:
							if len(m) > 1 && m[0] == 0 && m[1] == 2 {
								got.Add(1)
							}
						case <-p.closed:
							return
						}
					}
				})
				go r.Serve(context.Background(), "bench", p, ConnOptions{})
			}
			writer := newPipe(1024)
			go r.Serve(context.Background(), "bench", writer, ConnOptions{})
			joined.Wait()
			<-writer.out // the writer has joined too
			wg.Go(func() {
				for {
					select {
					case <-writer.out:
					case <-writer.closed:
						return
					}
				}
			})
			want := int64(b.N) * int64(receivers)
			b.ResetTimer()
			for _, m := range msgs {
				writer.in <- m
			}
			for got.Load() < want {
				runtime.Gosched()
			}
			b.StopTimer()
			b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "deliveries/s")
			for _, p := range pipes {
				p.CloseNow()
			}
			writer.CloseNow()
			wg.Wait()
		})
	}
}
