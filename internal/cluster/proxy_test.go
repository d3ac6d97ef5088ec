package cluster

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// proxy is a TCP proxy the test controls: each accepted connection goes
// to the first backend, in order from prefer, that accepts it. Cut
// closes every connection and refuses new ones until Restore (as a
// dropped network link would, seen from both ends).
type proxy struct {
	t        *testing.T
	ln       net.Listener
	backends []string
	prefer   int

	frozen atomic.Bool // bytes are read and dropped, connections stay open

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newProxy(t *testing.T, prefer int, backends ...string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, backends: backends, prefer: prefer, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.track(c)
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(c)
	}
}

// track records c; p.mu is held.
func (p *proxy) track(c net.Conn) { p.conns[c] = struct{}{} }

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		c.Close()
	}
}

func (p *proxy) serve(c net.Conn) {
	defer p.wg.Done()
	var back net.Conn
	for k := range p.backends {
		addr := p.backends[(p.prefer+k)%len(p.backends)]
		b, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			back = b
			break
		}
	}
	if back == nil {
		p.untrack(c)
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		back.Close()
		p.untrack(c)
		return
	}
	p.track(back)
	p.mu.Unlock()
	var once sync.Once
	done := func() { once.Do(func() { p.untrack(c, back) }) }
	var pipes sync.WaitGroup
	pipes.Go(func() { p.copy(back, c); done() })
	pipes.Go(func() { p.copy(c, back); done() })
	pipes.Wait()
}

// copy forwards src to dst, dropping what it reads while frozen.
func (p *proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Freeze makes the link silent without closing anything, as a network
// partition does: bytes are read and dropped in both directions.
func (p *proxy) Freeze() { p.frozen.Store(true) }

// Thaw forwards bytes again.
func (p *proxy) Thaw() { p.frozen.Store(false) }

// Cut closes every connection through the proxy and refuses new ones.
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore accepts connections again.
func (p *proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

func (p *proxy) close() {
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}
