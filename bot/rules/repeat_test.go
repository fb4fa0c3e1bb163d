package rules

import (
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadDefault(t testing.TB) *Ruleset {
	t.Helper()
	rs, err := Load(os.DirFS("../../configs"), "rules")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestIsRepeat(t *testing.T) {
	rs := loadDefault(t)
	const q = "Buongiorno, ho presentato la domanda di NASpI a gennaio e non ho ancora ricevuto nessun pagamento, come mai?"
	tests := []struct {
		name    string
		earlier string
		later   string
		want    bool
	}{
		{name: "same text", earlier: q, later: q, want: true},
		{name: "repost with a nudge", earlier: q, later: q + " Ma… ???", want: true},
		{name: "sollecito prefix", earlier: q, later: "SOLLECITO: " + q, want: true},
		{name: "case and accents", earlier: q, later: "BUONGIORNO, HO PRESENTATO LA DOMANDA DI NASPI A GENNAIO E NON HO ANCORA RICEVUTO NESSUN PAGAMENTO, COME MAI?", want: true},
		{name: "a different phone number is masked alike", earlier: "Richiamatemi al [telefono] per la NASpI di gennaio, grazie mille davvero",
			later: "Richiamatemi al [telefono] per la NASpI di gennaio, grazie mille davvero!!", want: true},
		{name: "same sentence, other benefit", earlier: q,
			later: "Buongiorno, ho presentato la domanda di assegno unico a marzo e non mi è arrivato nulla, perché?", want: false},
		{name: "paraphrase", earlier: q, later: "La NASpI chiesta a gennaio non è mai stata pagata: che succede?", want: false},
		{name: "short posts repeat only when identical", earlier: "Quando pagano?", later: "Quando pagano?", want: true},
		{name: "short posts that differ", earlier: "Quando pagano?", later: "Quando pagate?", want: false},
		{name: "empty", earlier: "", later: "", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rs.IsRepeat(rs.Fingerprint(tc.later), []Fingerprint{rs.Fingerprint(tc.earlier)})
			if got != tc.want {
				t.Errorf("IsRepeat(%q after %q) = %v, want %v", tc.later, tc.earlier, got, tc.want)
			}
		})
	}
}

func TestFingerprintRoundTrip(t *testing.T) {
	rs := loadDefault(t)
	fp := rs.Fingerprint("Quando arriva la NASpI di marzo? Sono in attesa da settimane")
	b, err := fp.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Fingerprint
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fp.Settled(), got, cmp.AllowUnexported(Fingerprint{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := got.UnmarshalBinary([]byte{1, 2, 3}); err == nil {
		t.Error("a malformed fingerprint decodes without error")
	}
}

func TestPolicyActions(t *testing.T) {
	p := loadDefault(t).Policy()
	tests := []struct {
		name       string
		violations []Violation
		intent     Intent
		want       []Action
	}{
		{name: "topic", intent: Naspi, want: []Action{ActReply}},
		{name: "thanks", intent: Thanks, want: []Action{}},
		{name: "personal data", violations: []Violation{PersonalData}, intent: None, want: []Action{ActHide, ActReply}},
		{name: "hate", violations: []Violation{Hate}, intent: None, want: []Action{ActEscalate, ActHide}},
		{name: "forget me", intent: ForgetMe, want: []Action{ActEscalate, ActReply}},
		{name: "repeated topic", violations: []Violation{Repeated}, intent: Naspi, want: []Action{}},
		{name: "political complaint", violations: []Violation{Political}, intent: Complaint, want: []Action{ActEscalate, ActReply}},
		{name: "shouting alone", violations: []Violation{Shouting}, intent: None, want: []Action{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.Actions(tc.violations, tc.intent)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Actions(%v, %s) (-want +got):\n%s", tc.violations, tc.intent, diff)
			}
		})
	}
}

func BenchmarkFingerprint(b *testing.B) {
	rs := loadDefault(b)
	for b.Loop() {
		rs.Fingerprint("Buongiorno, ho presentato la domanda di NASpI a gennaio e non ho ancora ricevuto nessun pagamento, come mai?")
	}
}

func TestFingerprintASCIIAndOtherScriptsAgree(t *testing.T) {
	rs := loadDefault(t)
	base := "Buongiorno, ho presentato la domanda di NASpI a gennaio e non ho ancora ricevuto nulla"
	withGreek := base + " λ"
	if !rs.IsRepeat(rs.Fingerprint(withGreek), []Fingerprint{rs.Fingerprint(base)}) {
		t.Error("one non-Latin letter changes every shingle of the post")
	}
}

func TestFingerprintSettled(t *testing.T) {
	rs := loadDefault(t)
	tests := []string{
		"Buongiorno, ho presentato la domanda di NASpI a gennaio e non ho ancora ricevuto nessun pagamento, come mai?",
		"ciao ciao ciao ciao ciao ciao ciao ciao",
		"Привет, где мой платёж? Жду уже три месяца, спасибо",
		"La pensione di ottobre è arrivata, ma quella di novembre no: 2025 e 2026",
		"breve",
		"no",
		"",
	}
	for _, text := range tests {
		fp := rs.Fingerprint(text)
		raw := slices.Clone(fp.Shingles)
		want := slices.Compact(slices.Sorted(slices.Values(raw)))
		got := fp.Settled()
		if !slices.Equal(got.Shingles, want) && !(len(got.Shingles) == 0 && len(want) == 0) {
			t.Errorf("Settled(%q).Shingles = %x, want %x", text, got.Shingles, want)
		}
		if !slices.Equal(fp.Shingles, raw) {
			t.Errorf("Settled(%q) changed the fingerprint it was called on", text)
		}
		if again := got.Settled(); !slices.Equal(again.Shingles, got.Shingles) {
			t.Errorf("Settled(%q) is not idempotent", text)
		}
	}
}

// FuzzNormASCII: on ASCII text the one-pass normaliser writes what the
// general one does.
func FuzzNormASCII(f *testing.F) {
	for _, s := range []string{
		"buongiorno, ho fatto domanda di naspi: quando pagate??? vedi https://www.inps.it/x e www.inps.it",
		"@inps_it #naspi ciao a:b c://d e:/f ::// 2024/25 l'assegno", "", " ", "a", "x://", "\t\v\f\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		for i := range b {
			b[i] &= 0x7f
		}
		s = string(b)
		want, wantTokens := appendNorm(nil, s)
		got, gotTokens := appendNormASCII(nil, s)
		if string(got) != string(want) || gotTokens != wantTokens {
			t.Fatalf("appendNormASCII(%q) = %q, %d; appendNorm = %q, %d", s, got, gotTokens, want, wantTokens)
		}
	})
}
