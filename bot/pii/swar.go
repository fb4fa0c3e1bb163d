package pii

import "encoding/binary"

// Byte-class tests on eight bytes at a time. Each returns a word with the
// high bit of a byte set where the byte is in the class; the low seven
// bits of every byte are zero.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load8 reads s[0:8] as a little-endian word.
func load8(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// inRange8 marks the ASCII bytes of x within [lo, hi] (hi < 0x80).
func inRange8(x uint64, lo, hi byte) uint64 {
	low := x &^ highs // seven bits a byte: the sums below carry into no other byte
	ge := low + (0x80-uint64(lo))*ones
	gt := low + (0x80-uint64(hi)-1)*ones
	return ge &^ gt &^ x & highs
}

// scanText reports whether t is all ASCII, and whether it holds an ASCII
// digit or an '@'.
func scanText(t string) (ascii, digit, at bool) {
	var hi, dg, ats uint64
	i := 0
	for ; i+8 <= len(t); i += 8 {
		x := load8(t[i : i+8])
		hi |= x
		dg |= inRange8(x, '0', '9')
		y := x ^ '@'*ones
		ats |= (y - ones) &^ y // a zero byte (an '@') leaves its high bit set
	}
	ascii, digit, at = hi&highs == 0, dg != 0, ats&highs != 0
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
		if inRange8(load8(s[i:i+8]), 'A', 'Z') != 0 {
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
		binary.LittleEndian.PutUint64(b[i:], x+inRange8(x, 'A', 'Z')>>2) // 0x80>>2 is 'a'-'A'
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
		if inRange8(load8(s[i:i+8]), '0', '9') != 0 {
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
