package admin

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/inps-social/inpsbot/bot"
)

// noViolation is the violation label of a post that broke no rule.
const noViolation = "none"

// Metrics exposes what the engine and the scheduler do as Prometheus
// collectors on a registry of its own. It implements bot.Metrics and
// schedule.Observer. Every label value is a platform, source, label,
// kind, outcome or job name: never a text, a handle or an author id.
type Metrics struct {
	reg *prometheus.Registry

	posts         *prometheus.CounterVec
	violations    *prometheus.CounterVec
	personalData  *prometheus.CounterVec
	decision      *prometheus.HistogramVec
	actions       *prometheus.CounterVec
	actionLatency *prometheus.HistogramVec
	backlog       prometheus.Gauge
	up            *prometheus.GaugeVec
	jobRuns       *prometheus.CounterVec
	jobDuration   *prometheus.HistogramVec
}

var _ bot.Metrics = (*Metrics)(nil)

// NewMetrics returns Metrics registered on a new registry, together with
// the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "inpsbot", Name: "posts_total",
			Help: "Posts decided, by platform and intent.",
		}, []string{"platform", "intent"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "inpsbot", Name: "post_violations_total",
			Help: `Posts decided, by platform and violation ("none" for a post that broke no rule); a post with two violations counts once under each.`,
		}, []string{"platform", "violation"}),
		personalData: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "inpsbot", Name: "post_personal_data_total",
			Help: "Posts holding personal data, by platform and kind of datum (the kind only, never the datum).",
		}, []string{"platform", "kind"}),
		decision: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "inpsbot", Name: "decision_seconds",
			Help:    "Time to decide and record one post.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"platform"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "inpsbot", Name: "actions_total",
			Help: "Outbox attempts, by platform, kind (reply, hide, notify) and outcome (sent, gone, retry, failed).",
		}, []string{"platform", "kind", "outcome"}),
		actionLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "inpsbot", Name: "action_delay_seconds",
			Help:    "Time from recording an action to the end of an attempt at it.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600},
		}, []string{"platform", "kind"}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "inpsbot", Name: "outbox_backlog",
			Help: "Actions still to send (pending or being sent).",
		}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "inpsbot", Name: "platform_up",
			Help: "1 when the source of a platform account (platform/account) is receiving, else 0.",
		}, []string{"source"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "inpsbot", Name: "job_runs_total",
			Help: "Scheduled job runs, by job and outcome (ok, error).",
		}, []string{"job", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "inpsbot", Name: "job_duration_seconds",
			Help:    "Duration of scheduled job runs.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900},
		}, []string{"job"}),
	}
	m.reg.MustRegister(m.posts, m.violations, m.personalData, m.decision, m.actions, m.actionLatency,
		m.backlog, m.up, m.jobRuns, m.jobDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the collectors are on, for other
// components to add theirs.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// PostHandled counts a decided post by its labels and observes how long
// deciding and recording it took.
func (m *Metrics) PostHandled(platform string, v *bot.Verdict, latency time.Duration) {
	m.decision.WithLabelValues(platform).Observe(latency.Seconds())
	if v == nil {
		return
	}
	m.posts.WithLabelValues(platform, string(v.Intent)).Inc()
	if len(v.Violations) == 0 {
		m.violations.WithLabelValues(platform, noViolation).Inc()
	}
	for _, x := range v.Violations {
		m.violations.WithLabelValues(platform, string(x)).Inc()
	}
	for _, k := range v.PII {
		m.personalData.WithLabelValues(platform, string(k)).Inc()
	}
}

// ActionDone counts an attempt at an outbox action and observes the time
// since the action was recorded.
func (m *Metrics) ActionDone(platform string, kind bot.OutboxKind, outcome string, sinceRecorded time.Duration) {
	m.actions.WithLabelValues(platform, string(kind), outcome).Inc()
	m.actionLatency.WithLabelValues(platform, string(kind)).Observe(sinceRecorded.Seconds())
}

// Backlog sets the number of actions still to send.
func (m *Metrics) Backlog(n int) { m.backlog.Set(float64(n)) }

// PlatformUp sets whether a platform account's source is receiving.
func (m *Metrics) PlatformUp(source string, up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.up.WithLabelValues(source).Set(v)
}

// JobRun counts a scheduled job's run by outcome and observes its
// duration.
func (m *Metrics) JobRun(job string, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.jobRuns.WithLabelValues(job, outcome).Inc()
	m.jobDuration.WithLabelValues(job).Observe(d.Seconds())
}
