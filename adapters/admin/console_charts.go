package admin

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/bot"
)

// The window of the activity charts, and the rhythm of their counts. The
// counts are kept by a goroutine of the console, never by a request: every
// statsRefresh (or sooner, at most every statsMinGap, when a page asks) it
// reads the rows added since the last count; every statsRebuild it reads
// the whole window again, so that purged or erased rows drop out.
const (
	chartDays    = 30
	statsRefresh = 2 * time.Minute
	statsRebuild = 15 * time.Minute
	statsMinGap  = 5 * time.Second
)

// dayCounts are the decisions of one day.
type dayCounts struct {
	posts, replies, hides, escalations int
	escByLabel                         map[string]int
	escByIntent                        map[string]int
}

// dayTotals are the figures of one day on the charts.
type dayTotals struct {
	posts, replies, hides, escalations int
}

// statsCache counts the decisions of the last days from the audit trail.
// Counting is serialised; the result is published as an immutable view
// that requests read without waiting.
type statsCache struct {
	mu    sync.Mutex // held while counting
	built time.Time  // when the whole window was last read
	maxID int64      // the newest row counted
	days  map[string]*dayCounts

	view atomic.Pointer[statsView] // the last counts; nil before the first
}

// statsView is a snapshot of the counts over the window, oldest day first.
// It is never changed once published.
type statsView struct {
	at          time.Time // when the counts were taken
	days        []time.Time
	counts      []dayTotals
	escByLabel  map[string]int
	escByIntent map[string]int
}

// current returns the last counts published, nil before the first.
func (c *statsCache) current() *statsView { return c.view.Load() }

// refresh brings the counts up to date and publishes them: the rows added
// since the last count, or the whole window when that is due. On an error
// the counts stay as they were.
func (c *statsCache) refresh(ctx context.Context, st bot.Store, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	first := startOfDay(now).AddDate(0, 0, -(chartDays - 1))
	full := c.days == nil || now.Sub(c.built) > statsRebuild || now.Before(c.built)
	stopAt := c.maxID
	if full {
		stopAt = 0
	}
	// The rows are read first and counted after, so that a failure half
	// way leaves the counts as they were.
	var rows []bot.AuditEntry
	var before int64
	limit := maxLimit
	if !full {
		limit = 50 // only the rows since the last read: usually a few
	}
	for {
		page, err := st.AuditTrail(ctx, bot.AuditFilter{Event: "decision", Since: first, Before: before, Limit: limit})
		if err != nil {
			return err
		}
		done := len(page) < limit
		for i, row := range page {
			if row.ID <= stopAt {
				page, done = page[:i], true
				break
			}
		}
		rows = append(rows, page...)
		if done || len(page) == 0 {
			break
		}
		before, limit = page[len(page)-1].ID, maxLimit
	}

	days := c.days
	if full {
		days = make(map[string]*dayCounts)
		c.maxID = 0
	}
	for _, row := range rows {
		c.maxID = max(c.maxID, row.ID)
		count(days, row)
	}
	for k := range days {
		if d, err := time.ParseInLocation(time.DateOnly, k, time.Local); err != nil || d.Before(first) {
			delete(days, k)
		}
	}
	c.days = days
	if full {
		c.built = now
	}

	v := &statsView{at: now, escByLabel: map[string]int{}, escByIntent: map[string]int{}}
	for i := range chartDays {
		d := first.AddDate(0, 0, i)
		v.days = append(v.days, d)
		var t dayTotals
		if x := days[d.Format(time.DateOnly)]; x != nil {
			t = dayTotals{posts: x.posts, replies: x.replies, hides: x.hides, escalations: x.escalations}
			for k, n := range x.escByLabel {
				v.escByLabel[k] += n
			}
			for k, n := range x.escByIntent {
				v.escByIntent[k] += n
			}
		}
		v.counts = append(v.counts, t)
	}
	c.view.Store(v)
	return nil
}

// statsWorker is the console's goroutine that keeps the chart counts. It
// runs while the server serves: the server's listener starts it when
// Serve begins (through the http.Server's BaseContext) and stops it when
// closed, which Serve does on its way out; closing the listener waits for
// the goroutine to end, so Serve returns only after it has.
type statsWorker struct {
	cache *statsCache
	store bot.Store
	now   func() time.Time
	log   zerolog.Logger
	wake  chan struct{}

	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{} // closed when the goroutine ends; nil before start
	stopped bool
}

func newStatsWorker(st bot.Store, now func() time.Time, log zerolog.Logger) *statsWorker {
	return &statsWorker{cache: &statsCache{}, store: st, now: now, log: log, wake: make(chan struct{}, 1)}
}

// start runs the goroutine, once; not after stop.
func (w *statsWorker) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done != nil || w.stopped {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan struct{})
	go w.run(ctx, w.done)
}

// stop ends the goroutine and waits for it. It may be called more than
// once, and before start.
func (w *statsWorker) stop() {
	w.mu.Lock()
	w.stopped = true
	cancel, done := w.cancel, w.done
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// nudge asks for fresh counts without waiting for them.
func (w *statsWorker) nudge() {
	select {
	case w.wake <- struct{}{}:
	default: // one is pending already
	}
}

// current returns the last counts, nil while the first are being taken.
func (w *statsWorker) current() *statsView { return w.cache.current() }

func (w *statsWorker) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(statsRefresh)
	defer tick.Stop()
	for {
		last := time.Now()
		if err := w.cache.refresh(ctx, w.store, w.now()); err != nil && ctx.Err() == nil {
			w.log.Error().Err(err).Msg("console: activity counts not updated")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-w.wake:
			if wait := statsMinGap - time.Since(last); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
	}
}

// workerListener is the server's listener once the console is on: it
// starts the console's goroutine when Serve begins, and stops it (waiting
// for it) when Serve closes the listener.
type workerListener struct {
	net.Listener
	stop func()
}

func (l *workerListener) Close() error {
	err := l.Listener.Close()
	l.stop()
	return err
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Local().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

// count adds one decision row to its day.
func count(days map[string]*dayCounts, row bot.AuditEntry) {
	key := row.At.Local().Format(time.DateOnly)
	d := days[key]
	if d == nil {
		d = &dayCounts{escByLabel: map[string]int{}, escByIntent: map[string]int{}}
		days[key] = d
	}
	d.posts++
	for _, a := range row.Actions {
		switch bot.ActionKind(a) {
		case bot.ActReply:
			d.replies++
		case bot.ActHide:
			d.hides++
		case bot.ActEscalate:
			d.escalations++
			for _, l := range row.Labels {
				d.escByLabel[l]++
			}
			if row.Intent != "" {
				d.escByIntent[row.Intent]++
			}
		}
	}
}

// chart is one chart of the activity page: an inline SVG drawn here, and
// the same figures as a table for screen readers and keyboards.
type chart struct {
	ID    string
	Title string
	SVG   template.HTML
	Rows  []chartRow
}

// chartRow is one bar.
type chartRow struct {
	Label string
	Value int
}

func (c *console) charts(v *statsView) []chart {
	series := []struct {
		id, key string
		pick    func(dayTotals) int
	}{
		{"posts", "chart_posts", func(d dayTotals) int { return d.posts }},
		{"replies", "chart_replies", func(d dayTotals) int { return d.replies }},
		{"hides", "chart_hides", func(d dayTotals) int { return d.hides }},
		{"escalations", "chart_escalations", func(d dayTotals) int { return d.escalations }},
	}
	var out []chart
	for _, s := range series {
		rows := make([]chartRow, len(v.days))
		for i, d := range v.days {
			rows[i] = chartRow{Label: d.Format("02/01"), Value: s.pick(v.counts[i])}
		}
		ch := chart{ID: "chart-" + s.id, Title: c.t[s.key], Rows: rows}
		ch.SVG = columnChart(ch.ID, ch.Title, c.t["chart_desc_days"], rows)
		out = append(out, ch)
	}
	for _, s := range []struct {
		id, key string
		m       map[string]int
	}{
		{"esc-rule", "chart_esc_rule", v.escByLabel},
		{"esc-intent", "chart_esc_intent", v.escByIntent},
	} {
		rows := ranked(s.m)
		ch := chart{ID: "chart-" + s.id, Title: c.t[s.key], Rows: rows}
		ch.SVG = barChart(ch.ID, ch.Title, c.t["chart_desc_total"], c.t["chart_none"], rows)
		out = append(out, ch)
	}
	return out
}

// ranked sorts counts by value, then by label.
func ranked(m map[string]int) []chartRow {
	rows := make([]chartRow, 0, len(m))
	for k, n := range m {
		if n > 0 {
			rows = append(rows, chartRow{Label: k, Value: n})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Value != rows[j].Value {
			return rows[i].Value > rows[j].Value
		}
		return rows[i].Label < rows[j].Label
	})
	return rows
}

// columnChart draws one column per day. Every text in it is escaped.
func columnChart(id, title, desc string, rows []chartRow) template.HTML {
	const (
		w, h             = 640, 200
		left, right      = 48, 8
		top, bottom      = 12, 30
		plotW, plotH     = w - left - right, h - top - bottom
		tickCount    int = 4
	)
	top1 := 1
	for _, r := range rows {
		top1 = max(top1, r.Value)
	}
	scale := niceCeil(top1)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet">`, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
	for i := 0; i <= tickCount; i++ {
		val := scale * i / tickCount
		y := top + plotH - plotH*i/tickCount
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%d" y2="%d"/>`, left, w-right, y, y)
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">%d</text>`, left-4, y+4, val)
	}
	n := max(len(rows), 1)
	slot := float64(plotW) / float64(n)
	for i, r := range rows {
		bh := float64(plotH) * float64(r.Value) / float64(scale)
		x := float64(left) + slot*float64(i) + slot*0.15
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
			x, float64(top+plotH)-bh, slot*0.7, bh, html.EscapeString(r.Label), r.Value)
		if i%5 == 0 || i == len(rows)-1 {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`,
				x+slot*0.35, h-bottom+16, html.EscapeString(r.Label))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every interpolated text is escaped above
}

// barChart draws one horizontal bar per label.
func barChart(id, title, desc, empty string, rows []chartRow) template.HTML {
	const (
		w         = 640
		labelW    = 190
		valueW    = 50
		rowH      = 26
		top       = 6
		maxRows   = 12
		plotWidth = w - labelW - valueW
	)
	rows = rows[:min(len(rows), maxRows)]
	h := top*2 + rowH*max(len(rows), 1)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet">`, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
	if len(rows) == 0 {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">%s</text></svg>`, 8, top+15, html.EscapeString(empty))
		return template.HTML(b.String()) // escaped above
	}
	top1 := slices.MaxFunc(rows, func(a, b chartRow) int { return a.Value - b.Value }).Value
	for i, r := range rows {
		y := top + i*rowH
		bw := float64(plotWidth) * float64(r.Value) / float64(max(top1, 1))
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-6, y+18, html.EscapeString(r.Label))
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d"><title>%s: %d</title></rect>`,
			labelW, y+3, bw, rowH-6, html.EscapeString(r.Label), r.Value)
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d">%d</text>`, float64(labelW)+bw+4, y+18, r.Value)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // escaped above
}

// niceCeil rounds a maximum up to four round steps (1, 2 or 5 times a
// power of ten each), the top of the axis.
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if 4*m*p >= n {
				return 4 * m * p
			}
		}
	}
}
