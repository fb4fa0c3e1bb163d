package pii

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"google.golang.org/protobuf/proto"
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

// TestNumberTypeAgreesWithLibrary: numberType is phonenumbers.GetNumberType
// on Italian numbers of every shape and on numbers of every calling code.
func TestNumberTypeAgreesWithLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var nums []*phonenumbers.PhoneNumber
	prefixes := []string{"3", "31", "33", "34", "35", "36", "37", "38", "39", "0", "00", "02", "06", "08", "5", "55", "8", "80", "84", "89", "1", "4", "7", "9"}
	for range 20000 {
		d := prefixes[r.IntN(len(prefixes))]
		for n := 4 + r.IntN(9); len(d) < n; {
			d += strconv.Itoa(r.IntN(10))
		}
		if num, err := parseDigits(d, false); err == nil {
			nums = append(nums, num)
		}
	}
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		for range 40 {
			d := strconv.Itoa(1 + r.IntN(9))
			for n := 2 + r.IntN(13); len(d) < n; {
				d += strconv.Itoa(r.IntN(10))
			}
			if num, err := parseDigits(strconv.Itoa(cc)+d, true); err == nil {
				nums = append(nums, num)
			}
		}
	}
	// Regions that share a calling code: the Vatican's numbers within +39,
	// the Crown dependencies within +44, Kazakhstan within +7, NANPA.
	for _, d := range []string{"390669812345", "3906698123", "390669", "447781123456", "441481123456",
		"447624123456", "77011234567", "77172123456", "12025550123", "12642351234", "18762345678"} {
		if num, err := parseDigits(d, true); err == nil {
			nums = append(nums, num)
		}
	}
	// Calling codes the library does not know.
	for _, cc := range []int32{0, 999, 42} {
		nums = append(nums, &phonenumbers.PhoneNumber{CountryCode: proto.Int32(cc), NationalNumber: proto.Uint64(123456789)})
	}
	types := map[phonenumbers.PhoneNumberType]int{}
	for _, num := range nums {
		want := phonenumbers.GetNumberType(num)
		if got := numberType(num); got != want {
			t.Fatalf("numberType(%v) = %v, GetNumberType = %v", num, got, want)
		}
		types[want]++
	}
	// The sample reaches the types the detector tells apart.
	for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.UNKNOWN, phonenumbers.MOBILE, phonenumbers.FIXED_LINE,
		phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.UAN, phonenumbers.FIXED_LINE_OR_MOBILE} {
		if types[typ] == 0 {
			t.Errorf("no number of type %v in the sample", typ)
		}
	}
}
