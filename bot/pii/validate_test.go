package pii

import "testing"

func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{name: "iban it", fn: ValidIBAN, in: "IT60 X054 2811 1010 0000 0123 456", want: true},
		{name: "iban lower", fn: ValidIBAN, in: "it60x0542811101000000123456", want: true},
		{name: "iban de", fn: ValidIBAN, in: "DE89 3704 0044 0532 0130 00", want: true},
		{name: "iban gb", fn: ValidIBAN, in: "GB29NWBK60161331926819", want: true},
		{name: "iban be", fn: ValidIBAN, in: "BE68539007547034", want: true},
		{name: "iban bad check", fn: ValidIBAN, in: "IT61X0542811101000000123456", want: false},
		{name: "iban bad length", fn: ValidIBAN, in: "IT60X054281110100000012345", want: false},
		{name: "iban unknown country", fn: ValidIBAN, in: "ZZ60X0542811101000000123456", want: false},
		{name: "iban junk", fn: ValidIBAN, in: "IT60X05428111010000001234!6", want: false},
		{name: "cf", fn: ValidTaxCode, in: "RSSMRA80A01H501U", want: true},
		{name: "cf lower", fn: ValidTaxCode, in: "rssmra80a01h501u", want: true},
		{name: "cf omocodic", fn: ValidTaxCode, in: "RSSMRA80A01H50MM", want: true},
		{name: "cf bad check", fn: ValidTaxCode, in: "RSSMRA80A01H501A", want: false},
		{name: "cf bad month", fn: ValidTaxCode, in: "RSSMRA80F01H501U", want: false},
		{name: "cf day 32", fn: ValidTaxCode, in: "RSSMRA80A32H501U", want: false},
		{name: "cf short", fn: ValidTaxCode, in: "RSSMRA80A01H501", want: false},
		{name: "vat", fn: ValidVAT, in: "01234567897", want: true},
		{name: "vat it", fn: ValidVAT, in: "IT01234567897", want: true},
		{name: "vat inps", fn: ValidVAT, in: "02121151001", want: true},
		{name: "vat bad", fn: ValidVAT, in: "01234567890", want: false},
		{name: "vat zeros", fn: ValidVAT, in: "00000000000", want: false},
		{name: "vat short", fn: ValidVAT, in: "0123456789", want: false},
		{name: "luhn visa", fn: Luhn, in: "4111111111111111", want: true},
		{name: "luhn amex", fn: Luhn, in: "378282246310005", want: true},
		{name: "luhn bad", fn: Luhn, in: "4111111111111112", want: false},
		{name: "luhn empty", fn: Luhn, in: "", want: false},
		{name: "luhn letters", fn: Luhn, in: "41111111a1111111", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("%s(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
			}
		})
	}
}

func TestTaxCodeShape(t *testing.T) {
	if !TaxCodeShape("RSSMRA80A01H501A") {
		t.Error("shape of a code with a wrong check should hold")
	}
	if TaxCodeShape("RSSMRA8XA01H501U") {
		t.Error("X is no omocodia letter")
	}
}

func TestIBANLength(t *testing.T) {
	if IBANLength("IT") != 27 || IBANLength("VA") != 22 || IBANLength("XX") != 0 {
		t.Error("IBAN length table")
	}
}

func TestByteClasses(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		upper, lower, digit := 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9'
		if isAlpha(b) != (upper || lower) || isAlnum(b) != (upper || lower || digit) ||
			isUpper(b) != upper || isLower(b) != lower || isDigit(b) != digit {
			t.Errorf("byte %#x: isAlpha %v isAlnum %v isUpper %v isLower %v isDigit %v", c,
				isAlpha(b), isAlnum(b), isUpper(b), isLower(b), isDigit(b))
		}
	}
}
