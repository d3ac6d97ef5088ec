package hub

import (
	"context"
	"sync/atomic"
	"time"
)

// persister writes one room's updates to the store in its own goroutine,
// so the room's run loop never waits for the disk except when it asks to
// (on unload and shutdown).
type persister struct {
	rm      *room
	reqs    chan persistReq
	done    chan struct{}
	carried atomic.Bool // a failed batch waits for a retry

	// owned by the persister goroutine
	carry        [][]byte
	sinceCompact int
	lastCompact  time.Time
}

type persistReq struct {
	updates [][]byte
	compact bool
	reply   chan error // nil: nobody waits
}

func newPersister(rm *room) *persister {
	p := &persister{rm: rm, reqs: make(chan persistReq), done: make(chan struct{}), lastCompact: time.Now()}
	go p.run()
	return p
}

func (p *persister) hasCarry() bool { return p.carried.Load() }

// offer hands updates over if the persister is idle.
func (p *persister) offer(updates [][]byte) bool {
	select {
	case p.reqs <- persistReq{updates: updates}:
		return true
	default:
		return false
	}
}

// sync hands updates over, compacts, and waits for both.
func (p *persister) sync(updates [][]byte) error {
	reply := make(chan error, 1)
	p.reqs <- persistReq{updates: updates, compact: true, reply: reply}
	return <-reply
}

func (p *persister) stop() {
	close(p.reqs)
	<-p.done
}

func (p *persister) run() {
	defer close(p.done)
	for req := range p.reqs {
		err := p.write(req)
		if req.reply != nil {
			req.reply <- err
		}
	}
}

func (p *persister) write(req persistReq) error {
	rm := p.rm
	m := rm.reg.metrics
	batch := append(p.carry, req.updates...)
	p.carry = nil
	if len(batch) > 0 {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := rm.reg.cfg.Store.Append(ctx, rm.name, batch...)
		cancel()
		m.StoreSeconds.WithLabelValues("append").Observe(time.Since(start).Seconds())
		if err != nil {
			m.StoreErrors.Inc()
			rm.log.Error("store append failed; will retry", "updates", len(batch), "err", err)
			p.carry = batch
			p.carried.Store(true)
			return err
		}
		p.carried.Store(false)
		p.sinceCompact += len(batch)
	}
	due := req.compact || p.sinceCompact >= rm.reg.cfg.CompactEvery ||
		time.Since(p.lastCompact) >= rm.reg.cfg.CompactAfter
	if p.sinceCompact == 0 || !due {
		return nil
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	_, err := rm.reg.cfg.Store.Compact(ctx, rm.name)
	cancel()
	m.StoreSeconds.WithLabelValues("compact").Observe(time.Since(start).Seconds())
	if err != nil {
		// The log is intact; compaction is retried after more updates.
		m.StoreErrors.Inc()
		rm.log.Error("compaction failed", "err", err)
		return nil
	}
	p.sinceCompact = 0
	p.lastCompact = time.Now()
	return nil
}
