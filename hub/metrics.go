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
		Connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cocreate_connections", Help: "Open client connections."}),
		Docs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cocreate_loaded_docs", Help: "Documents loaded in memory."}),
		MessagesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cocreate_messages_in_total", Help: "y-protocols messages received, by type."}, []string{"type"}),
		MessagesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_messages_out_total", Help: "y-protocols messages sent."}),
		BytesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_bytes_in_total", Help: "Message bytes received."}),
		BytesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_bytes_out_total", Help: "Message bytes sent."}),
		ApplySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cocreate_update_apply_seconds", Help: "Time to apply one client update.",
			Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10)}),
		StoreSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cocreate_store_seconds", Help: "Store operation latency, by operation.",
			Buckets: prometheus.ExponentialBuckets(1e-4, 4, 10)}, []string{"op"}),
		StoreErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_store_errors_total", Help: "Failed store operations."}),
		SlowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_slow_consumer_disconnects_total", Help: "Connections closed because their outbound queue was full."}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cocreate_refused_total", Help: "Refused inputs and connections, by reason."}, []string{"reason"}),
		BusMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cocreate_bus_messages_total", Help: "Messages between instances, by direction (in, out) and kind (update, awareness, state, diff; in: dropped, invalid)."},
			[]string{"dir", "kind"}),
		Coalesced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_coalesced_messages_total", Help: "Queued outbound messages merged into others before writing (updates merged, awareness reduced to the latest state per client)."}),
		Resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_resyncs_total", Help: "Outbound update backlogs over their bound replaced by one diff from the receiver's known state."}),
		Step1Cached: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_sync_step1_cached_total", Help: "Sync step 1 answers served from the document's cached encoding."}),
		UnsavedDocs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cocreate_unsaved_docs", Help: "Loaded documents holding edits the store refused (retried every flush interval)."}),
		Spooled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cocreate_spooled_updates_total", Help: "Updates written to the local spool because the store refused them at shutdown."}),
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
