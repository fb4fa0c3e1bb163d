package pii

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// swarSamples are texts whose every tail goes through the word loops at
// each alignment.
func swarSamples() []string {
	var every []byte
	for c := range 256 {
		every = append(every, byte(c))
	}
	samples := []string{
		"",
		"@",
		"Chiamatemi al 347 123 4567, scrivete a mario.rossi@example.it",
		"NESSUN NUMERO QUI, SOLO LETTERE MAIUSCOLE E minuscole",
		"perché la NASpI non è arrivata? @INPS_it 🙂",
		"\x7f\x80\xbf\xc0\xff/0123456789:?@AZ[`az{",
		string(every),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			const alphabet = "aZ09@ \x80\xc3/:?[`{"
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		samples = append(samples, string(b))
	}
	return samples
}

func TestScanText(t *testing.T) {
	for _, s := range swarSamples() {
		for i := range len(s) + 1 {
			tail := s[i:]
			ascii, digit, at := scanText(tail)
			wantASCII := true
			for j := 0; j < len(tail); j++ {
				if tail[j] >= 0x80 {
					wantASCII = false
				}
			}
			wantDigit := strings.ContainsAny(tail, "0123456789")
			wantAt := strings.Contains(tail, "@")
			if ascii != wantASCII || digit != wantDigit || at != wantAt {
				t.Errorf("scanText(%q) = %v, %v, %v, want %v, %v, %v", tail, ascii, digit, at, wantASCII, wantDigit, wantAt)
			}
		}
	}
}

func TestLowerASCII(t *testing.T) {
	for _, s := range swarSamples() {
		for i := range len(s) + 1 {
			tail := s[i:]
			want := string(lowerBytes(tail))
			st := new(state)
			if got := st.lowerASCII(tail); got != want {
				t.Errorf("lowerASCII(%q) = %q, want %q", tail, got, want)
			}
			wantAt := strings.IndexFunc(tail, func(r rune) bool { return r >= 'A' && r <= 'Z' })
			if got := indexUpper(tail); got != wantAt {
				t.Errorf("indexUpper(%q) = %d, want %d", tail, got, wantAt)
			}
		}
	}
}

// lowerBytes lower-cases the ASCII capitals of s byte by byte, leaving
// any other byte (valid UTF-8 or not) as it is.
func lowerBytes(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

func TestNextDigit(t *testing.T) {
	for _, s := range swarSamples() {
		for i := range len(s) + 1 {
			want := strings.IndexAny(s[i:], "0123456789")
			if want < 0 {
				want = len(s)
			} else {
				want += i
			}
			if got := nextDigit(s, i); got != want {
				t.Errorf("nextDigit(%q, %d) = %d, want %d", s, i, got, want)
			}
		}
	}
}
