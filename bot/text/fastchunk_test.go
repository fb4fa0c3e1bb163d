package text

import (
	"fmt"
	"strings"
	"testing"
)

// TestAnalyzeWordChunks holds the tokens of plain word chunks: split at
// apostrophes, punctuation around dropped, and chunks the fast path must
// leave to the full analysis (runs of three, apostrophe runs, digits).
func TestAnalyzeWordChunks(t *testing.T) {
	tests := []struct{ in, want string }{
		{"l'assegno", "[l/l assegno/assegno]"},
		{"dell'INPS!", "[dell/dell INPS/inps]"},
		{"(Quota)", "[Quota/quota]"},
		{"''a", "[a/a]"},
		{"a'", "[a/a]"},
		{"c'è", "[c/c è/e]"},
		{"aaa", "[aaa/aaa]"},
		{"a'''b", "[a/a b/b]"},
		{"nooo", "[nooo/nooo]"},
		{"grazie...", "[grazie/grazie]"},
		{"x1y", "[x1y/x1y]"},
	}
	for _, tc := range tests {
		var got []string
		for _, tk := range Analyze(tc.in, nil) {
			got = append(got, tk.Raw+"/"+tk.Norm)
		}
		if s := fmt.Sprint(got); s != tc.want {
			t.Errorf("Analyze(%q) = %s, want %s", tc.in, s, tc.want)
		}
	}
}

// TestFastChunkAgreesWithAnalyzeChunk: on every chunk it takes, the fast
// path emits exactly the tokens of the full analysis, whatever the
// lexicon holds.
func TestFastChunkAgreesWithAnalyzeChunk(t *testing.T) {
	lex := NewWordSet([]string{"perche", "cosi", "citta", "ee", "e", "aa", "merda", "nooo", "l", "da", "2024"})
	chunks := []string{
		"perché?", "Perché", "PERCHÉ!!", "è", "È", "più", "lì,", "città.", "invalidità,", "c'è", "dell'è",
		"ñandú", "Ça", "façade", "aèe", "eèe", "èèè", "eeè", "ee'e", "l'aaa", "già'", "'è'", "(più)",
		"164", "803", "2024.", "(06)", "00100", "103?", "0,5", "1'000", "2.024", "12a", "a12", "'90",
		"æsir", "straße", "5×3", "ª", "naïve", "Ümlaut", "ÀÉÌÒÙ", "àáâäãå", "x\u0301", "caffè\u200b",
		"ciao", "CIAO", "l'assegno", "nooo", "no",
		"a" + string([]byte{0xC3}), string([]byte{0xC3, 0x28}) + "a", "a" + string([]byte{0xC3, 0xA8, 0xC3}),
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzè",
	}
	for _, chunk := range chunks {
		var fast []Token
		if !fastChunk(&fast, chunk, asciiLower(chunk), 3) {
			if len(fast) != 0 {
				t.Errorf("fastChunk(%q) gave up but left %v", chunk, fast)
			}
			continue
		}
		slow := analyzeChunk(nil, chunk, 3, lex)
		if fmt.Sprint(fast) != fmt.Sprint(slow) {
			t.Errorf("fastChunk(%q) = %v, analyzeChunk = %v", chunk, fast, slow)
		}
	}
}

// TestFastChunkTakesTheCommonChunks: plain numbers and accented words do
// not fall to the full analysis.
func TestFastChunkTakesTheCommonChunks(t *testing.T) {
	for _, chunk := range []string{"perché?", "è", "più", "invalidità,", "164", "2024.", "(06)", "c'è", "CITTÀ"} {
		var toks []Token
		if !fastChunk(&toks, chunk, asciiLower(chunk), 0) {
			t.Errorf("fastChunk(%q) leaves it to the full analysis", chunk)
		}
	}
}

// FuzzFastChunk: whatever chunk the fast path takes, it emits the tokens
// of the full analysis.
func FuzzFastChunk(f *testing.F) {
	for _, s := range []string{"perché?", "c'è", "164", "èèè", "l'aaa", "(06)", "ÀÉÌ", "x1y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, chunk string) {
		if strings.ContainsAny(chunk, " \t\r\n") || chunk == "" {
			return
		}
		var fast []Token
		if fastChunk(&fast, chunk, asciiLower(chunk), 1) {
			if slow := analyzeChunk(nil, chunk, 1, testLex); fmt.Sprint(fast) != fmt.Sprint(slow) {
				t.Fatalf("fastChunk(%q) = %v, analyzeChunk = %v", chunk, fast, slow)
			}
		}
	})
}

func TestASCIILower(t *testing.T) {
	var every []byte
	for c := range 256 {
		every = append(every, byte(c))
	}
	for _, s := range []string{"", "A", "ciao", "Ciao INPS, PERCHÉ la NASpI?", "@[\\`{Zz\x80\xc3\x89ABCDEFGHIJKLMNOPQRSTUVWXYZ", string(every)} {
		for i := range len(s) + 1 {
			tail := s[i:]
			want := []byte(tail)
			for k, c := range want {
				if c >= 'A' && c <= 'Z' {
					want[k] = c + 'a' - 'A'
				}
			}
			if got := asciiLower(tail); got != string(want) {
				t.Errorf("asciiLower(%q) = %q, want %q", tail, got, want)
			}
		}
	}
}
