//go:build corpus

package rules

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/inps-social/inpsbot/bot/text"
)

// TestCorpusViolations measures the violation rules on the labelled corpus
// named by INPSBOT_CORPUS: precision, recall and F1 per label (but
// personal_data and repeated), and the mismatches.
func TestCorpusViolations(t *testing.T) {
	path := os.Getenv("INPSBOT_CORPUS")
	if path == "" {
		t.Skip("INPSBOT_CORPUS not set")
	}
	rs, err := Load(os.DirFS("../../configs"), "rules")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type row struct {
		ID         string   `json:"id"`
		Text       string   `json:"text"`
		Violations []string `json:"violations"`
	}
	labels := []Violation{Shouting, Profanity, Hate, Insult, Political, Advertising, Illegal}
	tp, fp, fn := map[Violation]int{}, map[Violation]int{}, map[Violation]int{}
	var misses []string
	cleanHidden := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		d := text.Display(r.Text)
		got, ev := rs.violations.find(prepare(Input{Display: d, Redacted: d}))
		slices.Sort(got)
		got = slices.Compact(got)
		var want []Violation
		for _, v := range r.Violations {
			if slices.Contains(labels, Violation(v)) {
				want = append(want, Violation(v))
			}
		}
		for _, l := range labels {
			g, w := slices.Contains(got, l), slices.Contains(want, l)
			switch {
			case g && w:
				tp[l]++
			case g:
				fp[l]++
				if len(want) == 0 && l != Shouting && l != Political && l != Illegal {
					cleanHidden++
				}
				misses = append(misses, fmt.Sprintf("FP %-11s %s %v | %.150s", l, r.ID, evidenceFor(ev, l), flat(d)))
			case w:
				fn[l]++
				misses = append(misses, fmt.Sprintf("FN %-11s %s | %.150s", l, r.ID, flat(d)))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var sTP, sFP, sFN int
	for _, l := range labels {
		p, r := frac(tp[l], tp[l]+fp[l]), frac(tp[l], tp[l]+fn[l])
		t.Logf("%-12s P %.3f R %.3f F1 %.3f (tp %d fp %d fn %d)", l, p, r, f1(p, r), tp[l], fp[l], fn[l])
		sTP, sFP, sFN = sTP+tp[l], sFP+fp[l], sFN+fn[l]
	}
	p, r := frac(sTP, sTP+sFP), frac(sTP, sTP+sFN)
	t.Logf("micro        P %.3f R %.3f F1 %.3f", p, r, f1(p, r))
	t.Logf("clean posts given a hiding violation: %d", cleanHidden)
	slices.Sort(misses)
	for _, m := range misses {
		t.Log(m)
	}
}

func evidenceFor(ev []Evidence, l Violation) []string {
	var out []string
	for _, e := range ev {
		if e.Label == string(l) {
			out = append(out, e.Rule+"="+e.Match)
		}
	}
	return out
}

func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
