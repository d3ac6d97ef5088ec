package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// durability is the registry's account of what the store has not taken:
// how many documents hold updates it refused (the unsaved gauge,
// Registry.StoreErr for /readyz), and at shutdown which documents went to
// the spool and which could be neither stored nor spooled (Close's
// error).
type durability struct {
	unsaved atomic.Int64 // rooms whose last store write failed
	spool   spoolWriter

	mu      sync.Mutex
	lastErr error    // the last refused write
	lost    []string // documents neither stored nor spooled at shutdown
}

// failed notes a refused write.
func (d *durability) failed(err error) {
	d.mu.Lock()
	d.lastErr = err
	d.mu.Unlock()
}

// StoreErr reports why the store is not taking writes: non-nil while at
// least one loaded document holds updates the store refused (they are
// retried every FlushInterval). The server's /readyz answers 503 with it.
func (r *Registry) StoreErr() error {
	n := r.dur.unsaved.Load()
	if n == 0 {
		return nil
	}
	r.dur.mu.Lock()
	last := r.dur.lastErr
	r.dur.mu.Unlock()
	return fmt.Errorf("the store refuses writes: %d document(s) hold unsaved edits: %w", n, last)
}

// ErrUnsaved is wrapped by Close's error when documents could be neither
// stored nor spooled: their last edits are lost when the process exits.
var ErrUnsaved = errors.New("hub: edits neither stored nor spooled")

// lostErr is Close's verdict on what could not be kept.
func (d *durability) lostErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.lost) == 0 {
		return nil
	}
	lost := slices.Clone(d.lost)
	slices.Sort(lost)
	return fmt.Errorf("%w: %s (%v)", ErrUnsaved, strings.Join(lost, ", "), d.lastErr)
}

// persister writes one room's updates to the store in its own goroutine,
// so the room's run loop never waits for the disk except when it asks to
// (on unload and shutdown).
type persister struct {
	rm      *room
	reqs    chan persistReq
	done    chan struct{}
	carried atomic.Bool // a failed batch waits for a retry
	// stored is the encoded state vector of what the store holds, set
	// after each successful write; the room's run loop reads it on its
	// tick to tell ConnOptions.SavedAcks connections (room.announceSaved).
	stored atomic.Pointer[[]byte]
	// failingSince is when the store started refusing this document's
	// writes (zero while it takes them); loggedAt paces the log lines.
	failingSince, loggedAt time.Time

	// owned by the persister goroutine
	carry        [][]byte
	sinceCompact int
	lastCompact  time.Time
}

type persistReq struct {
	updates [][]byte
	// sv is the document's state vector when updates were cut: once they
	// (and any carried batch, which is older) are stored, the store holds
	// the document up to sv.
	sv      []byte
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
func (p *persister) offer(updates [][]byte, sv []byte) bool {
	select {
	case p.reqs <- persistReq{updates: updates, sv: sv}:
		return true
	default:
		return false
	}
}

// sync hands updates over, compacts, and waits for both.
func (p *persister) sync(updates [][]byte, sv []byte) error {
	reply := make(chan error, 1)
	p.reqs <- persistReq{updates: updates, sv: sv, compact: true, reply: reply}
	return <-reply
}

func (p *persister) stop() {
	close(p.reqs)
	<-p.done
}

func (p *persister) run() {
	defer close(p.done)
	// A room exits holding refused updates only when its session was
	// deleted (otherwise it stored or spooled them): they are not owed.
	defer p.setCarried(false)
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
		if err := p.append(batch, req.reply != nil); err != nil {
			if req.reply != nil && rm.reg.shuttingDown() {
				// The last chance: the room is about to exit.
				return p.spool(batch, err)
			}
			p.carry = batch
			p.setCarried(true)
			return err
		}
		p.setCarried(false)
		p.sinceCompact += len(batch)
		if req.sv != nil {
			p.stored.Store(&req.sv)
		}
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

// append writes a batch to the store. At shutdown it waits less: a store
// that hangs must leave time to spool before the shutdown timeout.
func (p *persister) append(batch [][]byte, final bool) error {
	rm := p.rm
	m := rm.reg.metrics
	timeout := 10 * time.Second
	if final && rm.reg.shuttingDown() {
		timeout = 3 * time.Second
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	err := rm.reg.cfg.Store.Append(ctx, rm.name, batch...)
	cancel()
	m.StoreSeconds.WithLabelValues("append").Observe(time.Since(start).Seconds())
	if err == nil {
		if !p.failingSince.IsZero() {
			rm.log.Info("the store takes writes again; unsaved edits stored", "updates", len(batch), "outage", time.Since(p.failingSince).Round(time.Millisecond))
			p.failingSince = time.Time{}
		}
		return nil
	}
	m.StoreErrors.Inc()
	rm.reg.dur.failed(err)
	now := time.Now()
	// One line when the outage starts and one every 30s while it lasts,
	// not one per retry.
	if p.failingSince.IsZero() {
		p.failingSince, p.loggedAt = now, now
		rm.log.Error("store append failed; edits are kept in memory and retried", "updates", len(batch), "err", err)
	} else if now.Sub(p.loggedAt) >= 30*time.Second {
		p.loggedAt = now
		rm.log.Error("store append still failing", "updates", len(batch), "since", p.failingSince, "err", err)
	}
	return err
}

// setCarried records whether the document holds refused updates, in the
// registry's count and the unsaved-documents gauge.
func (p *persister) setCarried(c bool) {
	if p.carried.Swap(c) == c {
		return
	}
	d := p.rm.reg.dur
	if c {
		d.unsaved.Add(1)
		p.rm.reg.metrics.UnsavedDocs.Inc()
	} else {
		d.unsaved.Add(-1)
		p.rm.reg.metrics.UnsavedDocs.Dec()
	}
}

// spool writes a batch the store refused at shutdown to the local spool
// file, for ReplaySpool on the next start. If even that fails the
// document is recorded as lost, and Close says so.
func (p *persister) spool(batch [][]byte, storeErr error) error {
	rm := p.rm
	d := rm.reg.dur
	if err := d.spool.write(rm.name, batch); err != nil {
		rm.log.Error("edits could be neither stored nor spooled: they are lost", "updates", len(batch), "store_err", storeErr, "spool_err", err)
		d.mu.Lock()
		d.lost = append(d.lost, rm.name)
		d.lastErr = fmt.Errorf("store: %v; spool: %w", storeErr, err)
		d.mu.Unlock()
		p.setCarried(false)
		return err
	}
	rm.reg.metrics.Spooled.Add(float64(len(batch)))
	rm.log.Warn("store unavailable at shutdown: edits spooled, to be stored on the next start", "updates", len(batch), "spool", d.spool.dir, "err", storeErr)
	p.setCarried(false)
	return nil
}

// shuttingDown reports whether Close has been called.
func (r *Registry) shuttingDown() bool {
	select {
	case <-r.shutdown:
		return true
	default:
		return false
	}
}
