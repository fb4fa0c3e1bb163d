package swar

import "testing"

func TestInRangeAndLoad(t *testing.T) {
	var every [256]byte
	for c := range every {
		every[c] = byte(c)
	}
	s := string(every[:]) + string(every[:8])
	ranges := [][2]byte{{'A', 'Z'}, {'0', '9'}, {'a', 'z'}, {0, 0x1f}, {'@', '@'}, {0x7f, 0x7f}}
	for i := 0; i+8 <= len(s); i++ {
		x := Load(s[i : i+8])
		for k := range 8 {
			if got := byte(x >> (8 * k)); got != s[i+k] {
				t.Fatalf("Load(%q) byte %d = %#x, want %#x", s[i:i+8], k, got, s[i+k])
			}
		}
		for _, r := range ranges {
			m := InRange(x, r[0], r[1])
			for k := range 8 {
				c := s[i+k]
				want := c < 0x80 && c >= r[0] && c <= r[1]
				if got := m>>(8*k+7)&1 == 1; got != want {
					t.Fatalf("InRange(%q, %#x, %#x) byte %#x = %v, want %v", s[i:i+8], r[0], r[1], c, got, want)
				}
			}
			if m&^Highs != 0 {
				t.Fatalf("InRange(%q) sets low bits", s[i:i+8])
			}
		}
		if lower := x + Upper(x)>>2; true {
			for k := range 8 {
				c, got := s[i+k], byte(lower>>(8*k))
				want := c
				if c >= 'A' && c <= 'Z' {
					want = c + 'a' - 'A'
				}
				if got != want {
					t.Fatalf("lower-casing %#x gave %#x", c, got)
				}
			}
		}
	}
}
