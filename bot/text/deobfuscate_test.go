package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var testLex = NewWordSet([]string{"cazzo", "merda", "stronzo", "stronzi", "coglione", "minchia", "vaffanculo", "fucking", "porcodio"})

func norms(s string) []string {
	var out []string
	for _, t := range Analyze(s, testLex) {
		out = append(out, t.Norm)
	}
	return out
}

func TestAnalyzeDeobfuscates(t *testing.T) {
	cases := []struct{ in, want string }{
		{"sta c4zz0 di pensione", "sta cazzo di pensione"},
		{"m*rda di servizio", "merda di servizio"},
		{"C***o, scaduto", "cazzo scaduto"},
		{"s t r o n z i, ridatemi", "stronzi ridatemi"},
		{"s.t.r.o.n.z.o", "stronzo"},
		{"sei uno st.ronzo", "sei uno stronzo"},
		{"merdaaa totale", "merda totale"},
		{"cazzzzzo", "cazzo"},
		{"сazzo", "cazzo"},             // Cyrillic с
		{"ѕtrοnzο", "stronzo"},         // Cyrillic ѕ, Greek ο
		{"c0gl1one", "coglione"},       // 1 read as i
		{"m!nch!a", "minchia"},         // ! read as i
		{"vaff********", "vaffanculo"}, // trailing mask
		{"this f***ing app", "this fucking app"},
		{"ＣＡＺＺＯ", "cazzo"},       // fullwidth
		{"caz\u200bzo", "cazzo"}, // zero-width space
		{"Perché È così", "perche e cosi"},
		{"l'assegno dell'INPS", "l assegno dell inps"},
	}
	for _, c := range cases {
		if got := strings.Join(norms(c.in), " "); got != c.want {
			t.Errorf("Analyze(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAnalyzeLeavesOrdinaryText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"chiamate 803 164 o 06 164 164", "chiamate 803 164 o 06 164 164"},
		{"legge 104 e 75.000€", "legge 104 e 75 000 €"},
		{"a e i o u", "a e i o u"}, // spaced letters that hit nothing
		{"verifica accesso stipendio", "verifica accesso stipendio"},
		{"la P.IVA del CAF", "la p iva del caf"},
		{"DIS-COLL e co.co.co", "dis coll e co.co.co"},
		{"stronzio", "stronzio"},
		{"h24 e 3mesi", "h24 e 3mesi"},
	}
	for _, c := range cases {
		if got := strings.Join(norms(c.in), " "); got != c.want {
			t.Errorf("Analyze(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAnalyzeKinds(t *testing.T) {
	toks := Analyze("@mario_r guarda https://www.inps.it/x e wa.me/39333 #VotaTutti scrivi a a.b@c.it 🖕🏻!", testLex)
	want := []struct {
		norm string
		kind Kind
	}{
		{"@mario_r", Mention}, {"guarda", Word}, {"www.inps.it/x", URL}, {"e", Word}, {"wa.me/39333", URL},
		{"votatutti", Hashtag}, {"scrivi", Word}, {"a", Word}, {"a.b@c.it", Email}, {"🖕", Emoji},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens %+v", len(toks), toks)
	}
	for i, w := range want {
		if toks[i].Norm != w.norm || toks[i].Kind != w.kind {
			t.Errorf("token %d = %q/%d, want %q/%d", i, toks[i].Norm, toks[i].Kind, w.norm, w.kind)
		}
	}
	if m := Analyze("@inps_it@mastodon.uno ciao", nil); m[0].Norm != "@inps_it" {
		t.Errorf("mention %q", m[0].Norm)
	}
}

func TestAnalyzeSentences(t *testing.T) {
	toks := Analyze("Uno due. Tre!\nquattro cinque? sei", nil)
	want := []int{0, 0, 1, 2, 2, 3}
	for i, w := range want {
		if toks[i].Sentence != w {
			t.Errorf("%q sentence %d, want %d", toks[i].Raw, toks[i].Sentence, w)
		}
	}
}

func TestHelpers(t *testing.T) {
	if a, b := Unleet("c4zz0"); a != "cazzo" || b != "cazzo" {
		t.Errorf("Unleet c4zz0 = %q %q", a, b)
	}
	if a, b := Unleet("1dio7a"); a != "idiota" || b != "ldiota" {
		t.Errorf("Unleet 1dio7a = %q %q", a, b)
	}
	if a, _ := Unleet("803164"); a != "803164" {
		t.Errorf("Unleet changed digits: %q", a)
	}
	if got := SqueezeRuns("merdaaaa", 2); got != "merdaa" {
		t.Errorf("SqueezeRuns = %q", got)
	}
	if got := SqueezeRuns("cazzo", 2); got != "cazzo" {
		t.Errorf("SqueezeRuns = %q", got)
	}
	if got, ok := Unconfuse("сazzo"); !ok || got != "cazzo" {
		t.Errorf("Unconfuse = %q %v", got, ok)
	}
	if got, ok := Unconfuse("спасибо"); ok || got != "спасибо" {
		t.Errorf("Unconfuse changed a Cyrillic word: %q", got)
	}
	if w, ok := testLex.MatchMask("m?rda"); !ok || w != "merda" {
		t.Errorf("MatchMask m?rda = %q %v", w, ok)
	}
	if _, ok := testLex.MatchMask("??rda"); ok {
		t.Error("MatchMask accepted a masked first letter")
	}
	if w, ok := testLex.MatchMask("vaff*"); !ok || w != "vaffanculo" {
		t.Errorf("MatchMask vaff* = %q %v", w, ok)
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"c4zz0", "m*rda", "s t r o n z o", "сazzo", "merdaaa", "vaff****", "@a@b.c #x wa.me/1",
		"\u200b\ufe0f🖕🏻", "ｆｕｌｌ", "....", "*", "a.b.c.d.e.f.g.h", "'''", "€$!@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Analyze(s, testLex)
		for _, tk := range toks {
			if tk.Raw == "" && tk.Norm == "" {
				t.Fatalf("empty token in %q", s)
			}
			if utf8.ValidString(s) && !utf8.ValidString(tk.Norm) {
				t.Fatalf("invalid UTF-8 norm %q from %q", tk.Norm, s)
			}
		}
		Unleet(s)
		SqueezeRuns(s, 2)
		Unconfuse(s)
		testLex.MatchMask(s)
	})
}

var benchTexts = []string{
	"@inps_it Buongiorno, ho presentato la domanda di NASpI il 3 marzo e non ho ancora ricevuto nessuna comunicazione. Quanto bisogna aspettare di solito?",
	"Con 41 anni di contributi e 62 di età posso andare in pensione con Quota 103? Grazie mille per la risposta",
	"Il nostro patronato offre assistenza gratuita, scrivici in privato su wa.me/393331234567",
}

func BenchmarkAnalyze(b *testing.B) {
	var toks []Token
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		toks = AppendAnalyze(toks, benchTexts[i%len(benchTexts)], testLex)
	}
}
