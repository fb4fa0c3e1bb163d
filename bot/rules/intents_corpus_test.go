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

// intentRow is the part of a corpus line the intent measure reads.
type intentRow struct {
	ID         string   `json:"id"`
	Text       string   `json:"text"`
	PII        []string `json:"pii"`
	Violations []string `json:"violations"`
	Intent     string   `json:"intent"`
	Personal   bool     `json:"personal"`
}

// TestCorpusIntents measures the intent matcher and the personal flag on
// the labelled corpus named by INPSBOT_CORPUS. To measure the matcher on
// its own, it is given the corpus's expected violations (without
// personal_data and repeated) and expected personal-data kinds.
func TestCorpusIntents(t *testing.T) {
	ir, err := loadIntents(os.DirFS("../../configs"), "rules")
	if err != nil {
		t.Fatal(err)
	}
	measureIntents(t, func(r intentRow, d string) (Intent, bool) {
		var viol []Violation
		for _, v := range r.Violations {
			if v != string(PersonalData) && v != string(Repeated) {
				viol = append(viol, Violation(v))
			}
		}
		got, personal, _ := ir.classify(prepare(Input{Display: d, Redacted: d, PII: r.PII}), viol)
		return got, personal
	})
}

// TestCorpusIntentsPipeline measures the intents through Analyze, with the
// violations the ruleset finds itself (the corpus still gives the PII).
func TestCorpusIntentsPipeline(t *testing.T) {
	rs, err := Load(os.DirFS("../../configs"), "rules")
	if err != nil {
		t.Skipf("rules do not load: %v", err)
	}
	measureIntents(t, func(r intentRow, d string) (Intent, bool) {
		res := rs.Analyze(Input{Display: d, Redacted: d, PII: r.PII})
		return res.Intent, res.Personal
	})
}

func measureIntents(t *testing.T, classify func(r intentRow, display string) (Intent, bool)) {
	path := os.Getenv("INPSBOT_CORPUS")
	if path == "" {
		t.Skip("INPSBOT_CORPUS not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	var n, okIntent, okPersonal int
	var misses, pmisses []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r intentRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		d := text.Display(r.Text)
		got, personal := classify(r, d)
		n++
		if string(got) == r.Intent {
			okIntent++
			tp[r.Intent]++
		} else {
			fp[string(got)]++
			fn[r.Intent]++
			misses = append(misses, fmt.Sprintf("%s want %-20s got %-20s %v | %.140s", r.ID, r.Intent, got, r.Violations, oneLine(d)))
		}
		if personal == r.Personal {
			okPersonal++
		} else {
			pmisses = append(pmisses, fmt.Sprintf("%s want personal=%v (%s/%s) | %.140s", r.ID, r.Personal, r.Intent, got, oneLine(d)))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var macro float64
	for _, in := range AllIntents {
		l := string(in)
		p := ratio(tp[l], tp[l]+fp[l])
		r := ratio(tp[l], tp[l]+fn[l])
		f1 := 0.0
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		macro += f1
		t.Logf("%-22s P %.3f R %.3f F1 %.3f (tp %d fp %d fn %d)", l, p, r, f1, tp[l], fp[l], fn[l])
	}
	macro /= float64(len(AllIntents))
	slices.Sort(misses)
	for _, m := range misses {
		t.Log("MISS ", m)
	}
	for _, m := range pmisses {
		t.Log("PERS ", m)
	}
	t.Logf("posts %d  intent accuracy %.3f  macro-F1 %.3f  personal accuracy %.3f",
		n, ratio(okIntent, n), macro, ratio(okPersonal, n))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
