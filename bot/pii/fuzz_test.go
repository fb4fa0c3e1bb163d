package pii

import (
	"testing"
	"unicode/utf8"
)

func FuzzRedact(f *testing.F) {
	for _, s := range benchPosts {
		f.Add(s)
	}
	for _, s := range []string{
		"", "+", "@", "a@b.it", "INPS.1.1/1/1.1", "via Roma 1", "nato il 1/1/1", "3 3 3 1 2 3 4 5 6 7",
		"IT60 X054 2811 1010 0000 0123 456", "\u200b3\u200b4\u200b7\u200b1234567", "０３４７１２３４５６７",
		"mario punto rossi chiocciola gmail punto com", "tre tre tre uno due tre quattro cinque sei sette",
	} {
		f.Add(s)
	}
	d := New()
	f.Fuzz(func(t *testing.T, s string) {
		spans := d.Find(s)
		last := 0
		for _, sp := range spans {
			if sp.Start < last || sp.End <= sp.Start || sp.End > len(s) {
				t.Fatalf("bad span %v in %q (spans %v)", sp, s, spans)
			}
			if utf8.ValidString(s) && (!utf8.RuneStart(s[sp.Start]) || (sp.End < len(s) && !utf8.RuneStart(s[sp.End]))) {
				t.Fatalf("span %v splits a rune in %q", sp, s)
			}
			last = sp.End
		}
		if len(s) > MaxScan {
			return
		}
		r := Redact(s, spans)
		if again := d.Find(r); len(again) > 0 {
			t.Fatalf("Find(Redact(%q)) = %v on %q", s, again, r)
		}
	})
}
