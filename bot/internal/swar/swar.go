// Package swar holds the byte tests the classifier runs on eight bytes at
// a time ("SIMD within a register"): a text is read as 64-bit words and
// each byte's class is read off its high bit.
package swar

// Ones has 1 in every byte; Highs has every byte's high bit.
const (
	Ones  = 0x0101010101010101
	Highs = 0x8080808080808080
)

// Load reads s[0:8] as a little-endian word (the compiler makes it one
// load).
func Load(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// InRange marks, with their high bit, the ASCII bytes of x within
// [lo, hi] (hi < 0x80); every other bit of the result is zero.
func InRange(x uint64, lo, hi byte) uint64 {
	low := x &^ Highs // seven bits a byte: the sums below carry into no other byte
	ge := low + (0x80-uint64(lo))*Ones
	gt := low + (0x80-uint64(hi)-1)*Ones
	return ge &^ gt &^ x & Highs
}

// Upper marks the ASCII capitals of x; Upper(x)>>2 is 'a'-'A' in each of
// them, so that x + Upper(x)>>2 is x lower-cased.
func Upper(x uint64) uint64 { return InRange(x, 'A', 'Z') }
