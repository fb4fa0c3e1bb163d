package pii

import (
	"encoding/binary"

	"github.com/inps-social/inpsbot/bot/internal/swar"
)

// scanText reports whether t is all ASCII, and whether it holds an ASCII
// digit or an '@'.
func scanText(t string) (ascii, digit, at bool) {
	var hi, dg, ats uint64
	i := 0
	for ; i+8 <= len(t); i += 8 {
		x := swar.Load(t[i : i+8])
		hi |= x
		dg |= swar.InRange(x, '0', '9')
		y := x ^ '@'*swar.Ones
		ats |= (y - swar.Ones) &^ y // a zero byte (an '@') leaves its high bit set
	}
	ascii, digit, at = hi&swar.Highs == 0, dg != 0, ats&swar.Highs != 0
	for ; i < len(t); i++ {
		switch c := t[i]; {
		case c >= 0x80:
			ascii = false
		case isDigit(c):
			digit = true
		case c == '@':
			at = true
		}
	}
	return ascii, digit, at
}

// indexUpper returns the index of the first ASCII capital of s, or -1.
func indexUpper(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if swar.Upper(swar.Load(s[i:i+8])) != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if isUpper(s[i]) {
			return i
		}
	}
	return -1
}

// lowerFrom lower-cases the ASCII capitals of b from index i on.
func lowerFrom(b []byte, i int) {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(b[i:], x+swar.Upper(x)>>2) // 0x80>>2 is 'a'-'A'
	}
	for ; i < len(b); i++ {
		if isUpper(b[i]) {
			b[i] += 'a' - 'A'
		}
	}
}

// nextDigit returns the index of the first ASCII digit of s at or after
// i, or len(s).
func nextDigit(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if swar.InRange(swar.Load(s[i:i+8]), '0', '9') != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if isDigit(s[i]) {
			return i
		}
	}
	return len(s)
}
