package hub

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the hub's Prometheus collectors. Register them once with
// Register; an unregistered Metrics works and counts into the void.
type Metrics struct {
	Connections   prometheus.Gauge
	Docs          prometheus.Gauge
	MessagesIn    *prometheus.CounterVec
	MessagesOut   prometheus.Counter
	BytesIn       prometheus.Counter
	BytesOut      prometheus.Counter
	ApplySeconds  prometheus.Histogram
	StoreSeconds  *prometheus.HistogramVec
	StoreErrors   prometheus.Counter
	SlowConsumers prometheus.Counter
	Refused       *prometheus.CounterVec
	BusMessages   *prometheus.CounterVec
	// Coalesced counts queued messages folded into others (updates merged,
	// awareness reduced to the latest state per client) before writing.
	Coalesced prometheus.Counter
	// Resyncs counts backlogs of updates replaced by one diff.
	Resyncs prometheus.Counter
	// Step1Cached counts sync step 1 answers served from the room's cache.
	Step1Cached prometheus.Counter
	// UnsavedDocs counts loaded documents holding edits the store refused.
	UnsavedDocs prometheus.Gauge
	// Spooled counts updates written to the local spool at shutdown.
	Spooled prometheus.Counter
}

// NewMetrics returns a fresh set of collectors.
func NewMetrics() *Metrics {
	return &Metrics{
		Connections: gauge("cocreate_connections",
			"Open client connections."),
		Docs: gauge("cocreate_loaded_docs",
			"Documents loaded in memory."),
		MessagesIn: counterVec("cocreate_messages_in_total",
			"y-protocols messages received, by type.", "type"),
		MessagesOut: counter("cocreate_messages_out_total",
			"y-protocols messages sent."),
		BytesIn: counter("cocreate_bytes_in_total",
			"Message bytes received."),
		BytesOut: counter("cocreate_bytes_out_total",
			"Message bytes sent."),
		ApplySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cocreate_update_apply_seconds", Help: "Time to apply one client update.",
			Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10)}),
		StoreSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cocreate_store_seconds", Help: "Store operation latency, by operation.",
			Buckets: prometheus.ExponentialBuckets(1e-4, 4, 10)}, []string{"op"}),
		StoreErrors: counter("cocreate_store_errors_total",
			"Failed store operations."),
		SlowConsumers: counter("cocreate_slow_consumer_disconnects_total",
			"Connections closed because their outbound queue was full."),
		Refused: counterVec("cocreate_refused_total",
			"Refused inputs and connections, by reason.", "reason"),
		BusMessages: counterVec("cocreate_bus_messages_total",
			"Messages between instances, by direction (in, out) and kind (update, awareness, state, diff; in: dropped, invalid).", "dir", "kind"),
		Coalesced: counter("cocreate_coalesced_messages_total",
			"Queued outbound messages merged into others before writing (updates merged, awareness reduced to the latest state per client)."),
		Resyncs: counter("cocreate_resyncs_total",
			"Outbound update backlogs over their bound replaced by one diff from the receiver's known state."),
		Step1Cached: counter("cocreate_sync_step1_cached_total",
			"Sync step 1 answers served from the document's cached encoding."),
		UnsavedDocs: gauge("cocreate_unsaved_docs",
			"Loaded documents holding edits the store refused (retried every flush interval)."),
		Spooled: counter("cocreate_spooled_updates_total",
			"Updates written to the local spool because the store refused them at shutdown."),
	}
}

// Register registers every collector with r.
func (m *Metrics) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.Connections, m.Docs, m.MessagesIn, m.MessagesOut,
		m.BytesIn, m.BytesOut, m.ApplySeconds, m.StoreSeconds, m.StoreErrors, m.SlowConsumers, m.Refused, m.BusMessages, m.Coalesced, m.Resyncs, m.Step1Cached, m.UnsavedDocs, m.Spooled} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// counter, gauge and counterVec are the constructors NewMetrics repeats:
// a collector from its name and help (and a CounterVec's labels).
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}
