//go:build corpus

package pii

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

// TestCorpus measures per-kind precision and recall on a labelled corpus
// (JSON lines with "id", "text" and "pii"), read from $INPSBOT_CORPUS.
func TestCorpus(t *testing.T) {
	path := os.Getenv("INPSBOT_CORPUS")
	if path == "" {
		t.Skip("INPSBOT_CORPUS not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := New()
	type counts struct{ tp, fp, fn int }
	per := map[Kind]*counts{}
	for _, k := range AllKinds {
		per[k] = &counts{}
	}
	cleanLines, cleanHit := 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			ID   string `json:"id"`
			Text string `json:"text"`
			PII  []Kind `json:"pii"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		disp := text.Display(rec.Text)
		spans := d.Find(disp)
		got := Kinds(spans)
		if len(rec.PII) == 0 {
			cleanLines++
			if len(got) > 0 {
				cleanHit++
			}
		}
		bad := false
		for _, k := range AllKinds {
			g, w := slices.Contains(got, k), slices.Contains(rec.PII, k)
			switch {
			case g && w:
				per[k].tp++
			case g && !w:
				per[k].fp++
				bad = true
			case !g && w:
				per[k].fn++
				bad = true
			}
		}
		if bad {
			var parts []string
			for _, s := range spans {
				parts = append(parts, fmt.Sprintf("%s=%q", s.Kind, disp[s.Start:s.End]))
			}
			t.Logf("%s want %v got %v [%s]\n    %q", rec.ID, rec.PII, got, strings.Join(parts, " "), disp)
		}
		if again := d.Find(Redact(disp, spans)); len(again) > 0 {
			t.Errorf("%s: spans survive redaction: %v in %q", rec.ID, again, Redact(disp, spans))
		}
	}
	for _, k := range AllKinds {
		c := per[k]
		p := ratio(c.tp, c.tp+c.fp)
		r := ratio(c.tp, c.tp+c.fn)
		f1 := 0.0
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		t.Logf("%-13s P=%.3f R=%.3f F1=%.3f (tp=%d fp=%d fn=%d)", k, p, r, f1, c.tp, c.fp, c.fn)
	}
	t.Logf("clean lines with a span: %d/%d", cleanHit, cleanLines)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
