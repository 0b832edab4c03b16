package bot

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack/socketmode"

	"github.com/releasebot/releasebot/buildinfo"
)

// CalledMethods are the names API counts calls under: every Web API method
// the bot calls, plus response_url. Their series exist from the start, and
// the manifest test checks the app's scopes against this list.
var CalledMethods = []string{
	"auth.test", "chat.getPermalink", "chat.postEphemeral", "chat.postMessage", "chat.update",
	"conversations.history", "conversations.info", "conversations.replies",
	"usergroups.list", "usergroups.users.list", "users.conversations", "users.info",
	"views.open", "views.publish", "views.update", "response_url",
}

// envelopeTypes are the Socket Mode envelopes that reach handlers, and
// envelopeOutcomes what the listener records for them.
var (
	envelopeTypes    = []string{socketmode.RequestTypeSlashCommands, socketmode.RequestTypeInteractive, socketmode.RequestTypeEventsAPI}
	envelopeOutcomes = []string{"ok", "refused", "error", "panic", "duplicate", "unrouted", "unsupported", "unreadable"}
	// apiResults are the bounded results; Slack's own error codes are not
	// known in advance and appear when they first happen.
	apiResults = []string{"ok", "ratelimited", "retryable"}
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
	BuildInfo       *prometheus.GaugeVec
}

// NewMetrics creates and registers the series. Every bounded label
// combination is created at zero, so dashboards and alerts (rate(),
// absent()) see the series before the first envelope or call.
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
		BuildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "releasebot_build_info",
			Help: "Always 1; its labels name the running build.",
		}, []string{"version", "commit", "goversion"}),
	}
	reg.MustRegister(m.Envelopes, m.AckLatency, m.HandlerDuration, m.APICalls, m.RateLimited, m.Connected, m.Reconnects, m.BuildInfo)
	build := buildinfo.Get()
	m.BuildInfo.WithLabelValues(build.Version, build.Commit, build.GoVersion).Set(1)
	m.precreate()
	return m
}

func (m *Metrics) precreate() {
	for _, t := range envelopeTypes {
		for _, o := range envelopeOutcomes {
			m.Envelopes.WithLabelValues(t, o)
		}
		m.AckLatency.WithLabelValues(t)
		m.HandlerDuration.WithLabelValues(t)
	}
	for _, method := range CalledMethods {
		for _, r := range apiResults {
			m.APICalls.WithLabelValues(method, r)
		}
		m.RateLimited.WithLabelValues(method)
	}
}
