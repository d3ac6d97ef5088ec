package hub

import (
	"fmt"
	"strings"
	"time"
)

// busHandler routes what the bus delivers to the rooms, as events in
// their inboxes. It never blocks: a room whose inbox is full loses the
// message and heals with a state exchange on its next tick.
type busHandler struct{ r *Registry }

func (h busHandler) Message(channel string, data []byte) {
	r := h.r
	if channel == controlChannel {
		m, err := decodeBusMsg(data)
		if err != nil || m.sender == r.instance {
			return
		}
		switch m.kind {
		case busGone:
			r.markGone(string(m.body))
		case busAccess:
			if a, err := decodeAccess(m.body); err == nil {
				r.applyAccessAsync(a)
			}
		}
		return
	}
	if strings.HasPrefix(channel, checkChannelPrefix) {
		if m, err := decodeBusMsg(data); err == nil && m.kind == busProbe && m.sender == r.instance {
			r.lastProbe.Store(time.Now().UnixNano())
		}
		return
	}
	doc, ok := strings.CutPrefix(channel, docChannelPrefix)
	if !ok {
		return
	}
	m, err := decodeBusMsg(data)
	if err != nil {
		r.metrics.BusMessages.WithLabelValues("in", "invalid").Inc()
		r.log.Warn("invalid message from the bus; dropped", "doc", doc, "err", err)
		return
	}
	if m.sender == r.instance {
		return // our own, echoed by the bus
	}
	h.deliver(doc, event{kind: evBus, x: &eventExt{bus: m}})
}

func (h busHandler) Subscribed(channel string) {
	if doc, ok := strings.CutPrefix(channel, docChannelPrefix); ok {
		h.deliver(doc, event{kind: evBusSubscribed})
	}
}

func (h busHandler) deliver(doc string, ev event) {
	r := h.r
	r.mu.Lock()
	rm := r.rooms[doc]
	r.mu.Unlock()
	if rm == nil {
		return
	}
	select {
	case rm.inbox <- ev:
	default:
		r.metrics.BusMessages.WithLabelValues("in", "dropped").Inc()
		rm.busLost.Store(true)
	}
}

// StartBus starts the bus and its self-check, unless the registry is
// closing or they run already. Serve and BusErr call it on first use; a
// server calls it when it starts, so its bus is watched from then on.
// (New starts no goroutine: a Registry that never serves needs no Close.)
func (r *Registry) StartBus() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.startBusLocked()
}

func (r *Registry) startBusLocked() {
	if r.busStarted || r.closing {
		return
	}
	r.busStarted = true
	r.lastProbe.Store(time.Now().UnixNano()) // a grace period at start
	if err := r.bus.Start(busHandler{r}); err != nil {
		panic("hub: Config.Bus: " + err.Error()) // a Bus given to two Registries
	}
	r.bus.Subscribe(checkChannelPrefix + r.instance.String())
	r.bus.Subscribe(controlChannel)
	r.checkWG.Add(1)
	go r.checkLoop()
}

// checkLoop publishes a probe on this instance's check channel every
// CheckInterval; busHandler notes when one comes back.
func (r *Registry) checkLoop() {
	defer r.checkWG.Done()
	ch := checkChannelPrefix + r.instance.String()
	tick := time.NewTicker(r.cfg.CheckInterval)
	defer tick.Stop()
	reconnector, _ := r.bus.(interface{ Reconnect() })
	var seq uint64
	var lastReconnect time.Time
	for {
		seq++
		r.bus.Publish(ch, encodeProbe(r.instance, seq))
		now := time.Now()
		if reconnector != nil && now.Sub(time.Unix(0, r.lastProbe.Load())) > r.cfg.CheckTimeout &&
			now.Sub(lastReconnect) > r.cfg.CheckTimeout {
			// Probes are lost although the bus may think it is connected:
			// start its subscriber connection afresh.
			lastReconnect = now
			r.log.Warn("bus probes lost; reconnecting the bus subscriber")
			reconnector.Reconnect()
		}
		select {
		case <-tick.C:
		case <-r.stopCheck:
			return
		}
	}
}

// BusErr reports why the bus path of this instance is broken: the bus's
// own error (Redis unreachable), or its probes not coming back within
// CheckTimeout. It returns nil while messages travel.
func (r *Registry) BusErr() error {
	r.StartBus()
	since := time.Since(time.Unix(0, r.lastProbe.Load()))
	err := r.bus.Err()
	switch {
	case err != nil && since > r.cfg.CheckTimeout:
		return fmt.Errorf("bus: %w (no probe back for %v)", err, since.Round(time.Millisecond))
	case err != nil:
		return fmt.Errorf("bus: %w", err)
	case since > r.cfg.CheckTimeout:
		return fmt.Errorf("bus: no probe came back for %v", since.Round(time.Millisecond))
	}
	return nil
}

// Instance returns this instance's id on the bus.
func (r *Registry) Instance() string { return r.instance.String() }
