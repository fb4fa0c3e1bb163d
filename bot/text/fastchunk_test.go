package text

import (
	"fmt"
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
