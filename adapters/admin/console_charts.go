package admin

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/inps-social/inpsbot/bot"
)

// The window of the activity charts, and how long counts are kept before
// they are read again from scratch (so that purged or erased rows drop
// out); in between, only the rows added since are read.
const (
	chartDays    = 30
	statsRebuild = 15 * time.Minute
)

// dayCounts are the decisions of one day.
type dayCounts struct {
	posts, replies, hides, escalations int
	escByLabel                         map[string]int
	escByIntent                        map[string]int
}

// statsCache counts the decisions of the last days from the audit trail,
// reading the whole window at most every statsRebuild and otherwise only
// the rows newer than those counted.
type statsCache struct {
	mu    sync.Mutex
	built time.Time
	maxID int64
	days  map[string]*dayCounts // by local date
}

// statsView is a snapshot of the counts over the window, oldest day first.
type statsView struct {
	days        []time.Time
	counts      []dayCounts
	escByLabel  map[string]int
	escByIntent map[string]int
}

func (c *statsCache) get(ctx context.Context, st bot.Store, now time.Time) (statsView, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	first := startOfDay(now).AddDate(0, 0, -(chartDays - 1))
	full := c.days == nil || now.Sub(c.built) > statsRebuild || now.Before(c.built)
	days := c.days
	stopAt := c.maxID
	if full {
		days, stopAt = make(map[string]*dayCounts), 0
	}
	maxID := c.maxID
	var before int64
	limit := maxLimit
	if !full {
		limit = 50 // only the rows since the last read: usually a few
	}
	for {
		rows, err := st.AuditTrail(ctx, bot.AuditFilter{Event: "decision", Since: first, Before: before, Limit: limit})
		if err != nil {
			return statsView{}, err
		}
		done := len(rows) < limit
		for _, row := range rows {
			if row.ID <= stopAt {
				done = true
				break
			}
			maxID = max(maxID, row.ID)
			count(days, row)
		}
		if done || len(rows) == 0 {
			break
		}
		before, limit = rows[len(rows)-1].ID, maxLimit
	}
	for k := range days {
		if d, err := time.ParseInLocation(time.DateOnly, k, time.Local); err != nil || d.Before(first) {
			delete(days, k)
		}
	}
	c.days, c.maxID = days, maxID
	if full {
		c.built = now
	}

	v := statsView{escByLabel: map[string]int{}, escByIntent: map[string]int{}}
	for i := range chartDays {
		d := first.AddDate(0, 0, i)
		v.days = append(v.days, d)
		var dc dayCounts
		if x := days[d.Format(time.DateOnly)]; x != nil {
			dc = *x
			for k, n := range x.escByLabel {
				v.escByLabel[k] += n
			}
			for k, n := range x.escByIntent {
				v.escByIntent[k] += n
			}
		}
		v.counts = append(v.counts, dc)
	}
	return v, nil
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

func (c *console) charts(v statsView) []chart {
	series := []struct {
		id, key string
		pick    func(dayCounts) int
	}{
		{"posts", "chart_posts", func(d dayCounts) int { return d.posts }},
		{"replies", "chart_replies", func(d dayCounts) int { return d.replies }},
		{"hides", "chart_hides", func(d dayCounts) int { return d.hides }},
		{"escalations", "chart_escalations", func(d dayCounts) int { return d.escalations }},
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
