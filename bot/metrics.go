package bot

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the transport's Prometheus series. They are registered on a
// registry the caller owns, so several bots can run in one test process.
type Metrics struct {
	Envelopes       *prometheus.CounterVec
	AckLatency      *prometheus.HistogramVec
	HandlerDuration *prometheus.HistogramVec
	APICalls        *prometheus.CounterVec
	RateLimited     *prometheus.CounterVec
	Connected       prometheus.Gauge
	Reconnects      prometheus.Counter
}

// NewMetrics creates and registers the series.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "releasebot_envelopes_total",
			Help: "Socket Mode envelopes received, by type and outcome.",
		}, []string{"type", "outcome"}),
		AckLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "releasebot_ack_latency_seconds",
			Help:    "Time from receiving an envelope to acknowledging it (Slack allows 3 s).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 2.5, 3, 5},
		}, []string{"type"}),
		HandlerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "releasebot_handler_duration_seconds",
			Help:    "Time a handler took, by envelope type.",
			Buckets: prometheus.DefBuckets,
		}, []string{"type"}),
		APICalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "releasebot_slack_api_calls_total",
			Help: "Slack Web API calls, by method and result (ok, ratelimited, retryable, or Slack's error code).",
		}, []string{"method", "result"}),
		RateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "releasebot_slack_api_ratelimited_total",
			Help: "HTTP 429 answers from Slack, by method.",
		}, []string{"method"}),
		Connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "releasebot_socket_connected",
			Help: "1 while the Socket Mode link is up.",
		}),
		Reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "releasebot_socket_connections_total",
			Help: "Socket Mode connections made (the first one and every reconnection).",
		}),
	}
	reg.MustRegister(m.Envelopes, m.AckLatency, m.HandlerDuration, m.APICalls, m.RateLimited, m.Connected, m.Reconnects)
	return m
}
