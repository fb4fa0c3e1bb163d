package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
)

// labelled is one corpus line: a post and its expected labels.
type labelled struct {
	ID         string   `json:"id"`
	PII        []string `json:"pii"`
	Violations []string `json:"violations"`
	Intent     string   `json:"intent"`
	Personal   *bool    `json:"personal"`
	Actions    []string `json:"actions"`
}

// counts are one label's confusion counts.
type counts struct{ tp, fp, fn int }

func (c counts) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c counts) recall() float64    { return ratio(c.tp, c.tp+c.fn) }
func (c counts) f1() float64 {
	p, r := c.precision(), c.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// evaluation accumulates the measures of a corpus run.
type evaluation struct {
	groups map[string]map[string]*counts // group → label → counts
	lines  int
	errors int

	personalRight, personalTotal int
	piiPosts, piiHidden          int // posts with personal data, and of those hidden
	cleanPII, cleanPIIHidden     int // posts without personal data, and of those flagged for it
	cleanPosts, cleanHidden      int // posts with no violation, and of those hidden
	replies, repliesBad          int // replies written, and those naming no channel or holding data
	wrong                        []string
}

func newEvaluation() *evaluation {
	ev := &evaluation{groups: map[string]map[string]*counts{}}
	for _, g := range []string{"pii", "violations", "intent", "personal", "actions"} {
		ev.groups[g] = map[string]*counts{}
	}
	for _, k := range pii.AllKinds {
		ev.label("pii", string(k))
	}
	for _, v := range rules.AllViolations {
		ev.label("violations", string(v))
	}
	for _, i := range rules.AllIntents {
		ev.label("intent", string(i))
	}
	for _, a := range []bot.ActionKind{bot.ActEscalate, bot.ActHide, bot.ActReply} {
		ev.label("actions", string(a))
	}
	ev.label("personal", "true")
	return ev
}

func (ev *evaluation) label(group, l string) *counts {
	c := ev.groups[group][l]
	if c == nil {
		c = &counts{}
		ev.groups[group][l] = c
	}
	return c
}

// compare counts one group's labels of one line; it reports whether they
// agree.
func (ev *evaluation) compare(group string, want, got []string) bool {
	same := true
	for _, w := range want {
		if slices.Contains(got, w) {
			ev.label(group, w).tp++
		} else {
			ev.label(group, w).fn++
			same = false
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			ev.label(group, g).fp++
			same = false
		}
	}
	return same
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

var channelMarks = []string{"803 164", "06 164 164", "URP", "INPS Risponde"}

// add measures one line.
func (ev *evaluation) add(want labelled, v *bot.Verdict, det *pii.Detector) {
	ev.lines++
	var diffs []string
	note := func(group string, w, g []string) {
		if !ev.compare(group, w, g) {
			diffs = append(diffs, fmt.Sprintf("%s want %v got %v", group, w, g))
		}
	}
	note("pii", want.PII, strs(v.PII))
	note("violations", want.Violations, strs(v.Violations))
	note("intent", []string{want.Intent}, []string{string(v.Intent)})
	note("actions", want.Actions, strs(v.Actions))
	if want.Personal != nil {
		ev.personalTotal++
		w, g := []string{}, []string{}
		if *want.Personal {
			w = []string{"true"}
		}
		if v.Personal {
			g = []string{"true"}
		}
		if *want.Personal == v.Personal {
			ev.personalRight++
		} else {
			diffs = append(diffs, fmt.Sprintf("personal want %v got %v", *want.Personal, v.Personal))
		}
		ev.compare("personal", w, g)
	}
	hidden := v.Has(bot.ActHide)
	if len(want.PII) > 0 {
		ev.piiPosts++
		if hidden {
			ev.piiHidden++
		}
	} else {
		ev.cleanPII++
		if len(v.PII) > 0 {
			ev.cleanPIIHidden++
		}
	}
	if len(want.Violations) == 0 {
		ev.cleanPosts++
		if hidden {
			ev.cleanHidden++
		}
	}
	if v.Reply != "" {
		ev.replies++
		named := false
		for _, m := range channelMarks {
			named = named || strings.Contains(v.Reply, m)
		}
		if !named || len(det.Find(v.Reply)) > 0 {
			ev.repliesBad++
			diffs = append(diffs, "reply names no channel or holds personal data")
		}
	}
	if len(diffs) > 0 {
		ev.wrong = append(ev.wrong, fmt.Sprintf("%s: %s\n    %s", want.ID, strings.Join(diffs, "; "),
			strings.ReplaceAll(v.Redacted, "\n", " ")))
	}
}

func (ev *evaluation) micro(group string, skip ...string) counts {
	var c counts
	for l, x := range ev.groups[group] {
		if slices.Contains(skip, l) {
			continue
		}
		c.tp += x.tp
		c.fp += x.fp
		c.fn += x.fn
	}
	return c
}

func (ev *evaluation) macroF1(group string) float64 {
	var sum float64
	n := 0
	for _, x := range ev.groups[group] {
		if x.tp+x.fn == 0 {
			continue
		}
		sum += x.f1()
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// report writes the table per label, the summary figures and the lines it
// got wrong (redacted text only).
func (ev *evaluation) report(w io.Writer, maxWrong int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, g := range []string{"pii", "violations", "intent", "personal", "actions"} {
		fmt.Fprintf(tw, "%s\tprecision\trecall\tF1\tsupport\t\n", g)
		labels := make([]string, 0, len(ev.groups[g]))
		for l := range ev.groups[g] {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			c := ev.groups[g][l]
			fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%.3f\t%d\t\n", l, c.precision(), c.recall(), c.f1(), c.tp+c.fn)
		}
		fmt.Fprintln(tw, "\t\t\t\t\t")
	}
	tw.Flush()
	mv := ev.micro("violations")
	mp := ev.micro("pii")
	fmt.Fprintf(w, "lines: %d (malformed: %d)\n", ev.lines, ev.errors)
	fmt.Fprintf(w, "pii micro: precision %.3f recall %.3f F1 %.3f\n", mp.precision(), mp.recall(), mp.f1())
	fmt.Fprintf(w, "violations micro-F1: %.3f\n", mv.f1())
	fmt.Fprintf(w, "intent macro-F1: %.3f\n", ev.macroF1("intent"))
	fmt.Fprintf(w, "personal accuracy: %.3f\n", ratio(ev.personalRight, ev.personalTotal))
	fmt.Fprintf(w, "posts with personal data hidden: %.3f (%d/%d)\n", ratio(ev.piiHidden, ev.piiPosts), ev.piiHidden, ev.piiPosts)
	fmt.Fprintf(w, "posts without personal data flagged for it: %.3f (%d/%d)\n", ratio(ev.cleanPIIHidden, ev.cleanPII), ev.cleanPIIHidden, ev.cleanPII)
	fmt.Fprintf(w, "clean posts hidden: %.3f (%d/%d)\n", ratio(ev.cleanHidden, ev.cleanPosts), ev.cleanHidden, ev.cleanPosts)
	fmt.Fprintf(w, "replies naming no channel or holding personal data: %d of %d\n", ev.repliesBad, ev.replies)
	fmt.Fprintf(w, "lines with a difference: %d\n", len(ev.wrong))
	for i, l := range ev.wrong {
		if maxWrong >= 0 && i >= maxWrong {
			fmt.Fprintf(w, "… %d more (use --wrong -1 to list all)\n", len(ev.wrong)-i)
			break
		}
		fmt.Fprintln(w, l)
	}
}

func cmdEval(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $INPSBOT_CONFIG)")
	maxWrong := fs.Int("wrong", 200, "how many wrong lines to list (-1 for all)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: inpsbot eval [--config FILE] [--wrong N] FILE.jsonl")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"eval: one corpus file is required"}
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	resp, err := newResponder(cfg)
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	ev, err := evaluate(resp, f, stderr)
	if err != nil {
		return err
	}
	ev.report(stdout, *maxWrong)
	return nil
}

// evaluate runs the classify path over a labelled corpus, in order (the
// repeated rule judges the stream), and measures it.
func evaluate(resp *bot.Responder, r io.Reader, stderr io.Writer) (*evaluation, error) {
	det := pii.New()
	hist := bot.NewHistory(resp.Rules().Repeats())
	ev := newEvaluation()
	lr := newLineReader(r)
	var buf []byte
	for {
		line, n, err := lr.next(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("eval: read line %d: %w", n+1, err)
		}
		buf = line[:0]
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		p, _, perr := parsePost(line)
		var want labelled
		if perr == nil && !lr.long {
			perr = json.Unmarshal(line, &want)
		}
		if perr != nil || lr.long {
			ev.errors++
			fmt.Fprintf(stderr, "eval: line %d skipped: malformed\n", n)
			continue
		}
		v := resp.Decide(p, hist.Earlier(p))
		hist.Add(p, v.Fingerprint)
		ev.add(want, v, det)
	}
	return ev, nil
}
