package hub

import (
	"errors"
	"sync"
)

// MemoryNetwork connects the MemoryBus endpoints made from it, as one
// Redis server connects its clients: several Registries in one process
// (tests, benchmarks) share documents through one network.
type MemoryNetwork struct {
	mu   sync.Mutex
	subs map[string]map[*MemoryBus]struct{}
}

// NewMemoryNetwork returns an empty network.
func NewMemoryNetwork() *MemoryNetwork {
	return &MemoryNetwork{subs: map[string]map[*MemoryBus]struct{}{}}
}

// memoryQueueMax bounds an endpoint's undelivered messages; beyond it
// messages are dropped, as a Redis client too slow to read is cut off.
const memoryQueueMax = 1 << 16

// MemoryBus is the in-process Bus: one endpoint of a MemoryNetwork. It
// delivers from its own goroutine, so Publish never waits for a handler.
type MemoryBus struct {
	net *MemoryNetwork

	mu      sync.Mutex
	h       BusHandler
	queue   []memoryDelivery
	wake    chan struct{}
	closed  bool
	done    chan struct{}
	dropped int
}

type memoryDelivery struct {
	channel    string
	data       []byte
	subscribed bool // a Subscribed notice rather than a message
}

// NewMemoryBus returns an endpoint of network; nil makes it the only
// endpoint of a network of its own (a single instance).
func NewMemoryBus(network *MemoryNetwork) *MemoryBus {
	if network == nil {
		network = NewMemoryNetwork()
	}
	return &MemoryBus{net: network, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Start implements Bus.
func (b *MemoryBus) Start(h BusHandler) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.h != nil {
		return errors.New("memory bus: already started")
	}
	if b.closed {
		return errors.New("memory bus: closed")
	}
	b.h = h
	go b.deliver()
	return nil
}

// Subscribe implements Bus.
func (b *MemoryBus) Subscribe(channel string) {
	b.net.mu.Lock()
	set := b.net.subs[channel]
	if set == nil {
		set = map[*MemoryBus]struct{}{}
		b.net.subs[channel] = set
	}
	set[b] = struct{}{}
	b.net.mu.Unlock()
	b.push(memoryDelivery{channel: channel, subscribed: true})
}

// Unsubscribe implements Bus.
func (b *MemoryBus) Unsubscribe(channel string) {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	if set := b.net.subs[channel]; set != nil {
		delete(set, b)
		if len(set) == 0 {
			delete(b.net.subs, channel)
		}
	}
}

// Publish implements Bus.
func (b *MemoryBus) Publish(channel string, data []byte) {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	for sub := range b.net.subs[channel] {
		sub.push(memoryDelivery{channel: channel, data: data})
	}
}

// Err implements Bus: an in-process bus is never disconnected.
func (b *MemoryBus) Err() error { return nil }

// Close implements Bus.
func (b *MemoryBus) Close() error {
	b.net.mu.Lock()
	for ch, set := range b.net.subs {
		delete(set, b)
		if len(set) == 0 {
			delete(b.net.subs, ch)
		}
	}
	b.net.mu.Unlock()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	started := b.h != nil
	b.mu.Unlock()
	b.signal()
	if started {
		<-b.done
	}
	return nil
}

func (b *MemoryBus) push(d memoryDelivery) {
	b.mu.Lock()
	if b.closed || len(b.queue) >= memoryQueueMax {
		if !b.closed {
			b.dropped++
		}
		b.mu.Unlock()
		return
	}
	b.queue = append(b.queue, d)
	b.mu.Unlock()
	b.signal()
}

func (b *MemoryBus) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func (b *MemoryBus) deliver() {
	defer close(b.done)
	for range b.wake {
		b.mu.Lock()
		batch, closed, h := b.queue, b.closed, b.h
		b.queue = nil
		b.mu.Unlock()
		if closed {
			return
		}
		for _, d := range batch {
			if d.subscribed {
				h.Subscribed(d.channel)
			} else {
				h.Message(d.channel, d.data)
			}
		}
	}
}
