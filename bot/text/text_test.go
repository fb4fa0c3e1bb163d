package text

import (
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "ascii", in: "NASpI Ciao", want: "naspi ciao"},
		{name: "accents", in: "Perché È già così", want: "perche e gia cosi"},
		{name: "combining marks", in: "cafe\u0301", want: "cafe"},
		{name: "invisible characters", in: "stro\u200bnzo\u00ad", want: "stronzo"},
		{name: "fullwidth", in: "ＩＮＰＳ", want: "inps"},
		{name: "math letters", in: "𝐦𝐞𝐫𝐝𝐚", want: "merda"},
		{name: "ligature", in: "ﬁne", want: "fine"},
		{name: "empty", in: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.want {
				t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzFoldMatchesFullChain(f *testing.F) {
	for _, s := range []string{"Perché", "ＩＮＰＳ", "àèìòù ÀÈÌÒÙ ç ñ", "ǅ ǈ ǋ", "İstanbul"} {
		f.Add(s)
	}
	// Long ASCII runs, read eight bytes at a time, with a capital or a
	// non-ASCII letter at each offset of a block.
	for k := range 9 {
		f.Add("buongiorno@[`{"[:k] + "Z" + "abcdefghijklmnop")
		f.Add("BUONGIORNO INPS"[:k] + "é" + "QUANDO PAGATE LA NASPI")
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got, want := Fold(s), foldSlow(s); got != want {
			t.Errorf("Fold(%q) = %q, full chain gives %q", s, got, want)
		}
	})
}

func TestDisplay(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "Ciao INPS", want: "Ciao INPS"},
		{name: "mastodon html", in: `<p><span class="h-card"><a href="https://mastodon.uno/@inps_it" class="u-url mention">@<span>inps_it</span></a></span> Quando pagano l&#39;assegno?</p>`,
			want: "@inps_it Quando pagano l'assegno?"},
		{name: "line breaks", in: "<p>uno<br>due</p><p>tre</p>", want: "uno\ndue\ntre"},
		{name: "entities in plain text", in: "A &amp; B", want: "A & B"},
		{name: "less-than in plain text", in: "ISEE < 15.000 euro", want: "ISEE < 15.000 euro"},
		{name: "decomposed accent composed", in: "perche\u0301 non e\u0300 arrivata", want: "perché non è arrivata"},
		{name: "entity to a decomposed accent", in: "pi&ugrave; e\u0301", want: "più é"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Display(tc.in); got != tc.want {
				t.Errorf("Display(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsASCII(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{"a", true},
		{"Buongiorno INPS, quando pagano?", true},
		{"\x7f\x00\x01 ciao a tutti voi", true},
		{"è", false},
		{"abcdefgè", false},
		{"abcdefghè", false},
		{"è abcdefghijklmnop", false},
		{"abcdefghijklmnopqrstuvwx\xff", false},
		{"abcdefg\x80abcdefg", false},
	}
	for _, tc := range tests {
		if got := IsASCII(tc.in); got != tc.want {
			t.Errorf("IsASCII(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	s := "Buongiorno, perché la NASpI di marzo non è ancora arrivata? Sono già passati più di 30 giorni"
	for b.Loop() {
		Fold(s)
	}
}
