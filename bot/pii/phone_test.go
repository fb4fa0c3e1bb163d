package pii

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestParseDigitsAgreesWithParse holds the direct construction of Italian
// numbers to the library's own parser: the same number, the same type,
// the same E.164 form, for the numbers people write and for random ones.
func TestParseDigitsAgreesWithParse(t *testing.T) {
	cases := []struct {
		digits string
		intl   bool
	}{
		{"3331234567", false}, {"333123456", false}, {"0612345678", false}, {"06164164", false},
		{"803164", false}, {"800123456", false}, {"899123456", false}, {"5512345678", false},
		{"0039061234567", false}, {"390612345678", false}, {"3912345678", false}, {"0000000", false},
		{"00000000", true}, {"393331234567", true}, {"39061234567", true}, {"3900612345", true},
		{"4420794601234", true}, {"4402079460123", true}, {"33612345678", true}, {"12025550123", true},
		{"390000000000", true}, {"39", true}, {"3", true},
	}
	r := rand.New(rand.NewPCG(1, 2))
	prefixes := []string{"3", "31", "32", "33", "34", "35", "36", "37", "38", "39", "0", "00", "01", "02", "06", "08", "5", "55", "8", "80", "84", "89", "1", "4", "7", "9"}
	for range 20000 {
		d := prefixes[r.IntN(len(prefixes))]
		for n := 4 + r.IntN(12); len(d) < n; {
			d += strconv.Itoa(r.IntN(10))
		}
		cases = append(cases, struct {
			digits string
			intl   bool
		}{d, r.IntN(3) == 0})
	}
	for _, c := range cases {
		in := c.digits
		if c.intl {
			in = "+" + in
		}
		want, werr := phonenumbers.Parse(in, "IT")
		got, gerr := parseDigits(c.digits, c.intl)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("parseDigits(%q, %v) error %v, Parse error %v", c.digits, c.intl, gerr, werr)
		}
		if werr != nil {
			continue
		}
		if phonenumbers.GetNumberType(got) != phonenumbers.GetNumberType(want) ||
			phonenumbers.Format(got, phonenumbers.E164) != phonenumbers.Format(want, phonenumbers.E164) ||
			phonenumbers.GetNationalSignificantNumber(got) != phonenumbers.GetNationalSignificantNumber(want) ||
			phonenumbers.GetRegionCodeForNumber(got) != phonenumbers.GetRegionCodeForNumber(want) {
			t.Fatalf("parseDigits(%q, %v) = %v, Parse = %v", c.digits, c.intl, got, want)
		}
	}
}
