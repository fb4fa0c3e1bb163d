package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inps-social/inpsbot/bot/pii"
)

// TestQualityOnHeldOutSets runs the classifier on the labelled sets in
// testdata — written from the specification by people who did not see the
// rules — and holds it to floors under the figures it reaches today, so
// that a change to the rules that costs quality on unseen posts fails.
func TestQualityOnHeldOutSets(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation skipped in -short mode")
	}
	resp := defaultResponder(t)
	files, err := filepath.Glob("testdata/heldout*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled sets in testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ev, err := evaluate(resp, f, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			pii := ev.micro("pii")
			checks := []struct {
				name       string
				got, floor float64
				atMost     bool
			}{
				{name: "personal-data precision", got: pii.precision(), floor: 0.98},
				{name: "personal-data recall", got: pii.recall(), floor: 0.97},
				{name: "posts with personal data hidden", got: ratio(ev.piiHidden, ev.piiPosts), floor: 0.97},
				{name: "posts without personal data flagged for it", got: ratio(ev.cleanPIIHidden, ev.cleanPII), floor: 0.01, atMost: true},
				{name: "clean posts hidden", got: ratio(ev.cleanHidden, ev.cleanPosts), floor: 0.01, atMost: true},
				{name: "violations micro-F1", got: ev.micro("violations").f1(), floor: 0.90},
				{name: "intent macro-F1", got: ev.macroF1("intent"), floor: 0.82},
				{name: "personal accuracy", got: ratio(ev.personalRight, ev.personalTotal), floor: 0.80},
				{name: "replies naming no channel or holding personal data", got: float64(ev.repliesBad), floor: 0, atMost: true},
			}
			for _, c := range checks {
				if (c.atMost && c.got > c.floor) || (!c.atMost && c.got < c.floor) {
					t.Errorf("%s = %.3f, want %s %.3f", c.name, c.got, map[bool]string{true: "≤", false: "≥"}[c.atMost], c.floor)
				}
			}
			if ev.errors > 0 {
				t.Errorf("%d malformed lines", ev.errors)
			}
		})
	}
}

// TestEvalReportShowsRedactedTextOnly: the report lists every label with
// its figures, and the wrong lines with their personal data masked.
func TestEvalReportShowsRedactedTextOnly(t *testing.T) {
	out, _, err := runCmd(t, "", env(nil), "eval", "--wrong", "-1", "testdata/heldout2.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"precision", "recall", "support", "tax_code", "profanity", "naspi", "personal", "escalate",
		"violations micro-F1", "intent macro-F1", "personal accuracy"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if spans := pii.New().Find(out); len(spans) > 0 {
		s := spans[0]
		t.Errorf("the report shows personal data (%s): %q", s.Kind, out[max(0, s.Start-40):min(len(out), s.End+10)])
	}
}
