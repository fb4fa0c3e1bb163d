package pii

// ibanLength is the IBAN length of each country of the IBAN registry.
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
	"BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
	"CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20,
	"EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22,
	"GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
	"IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30,
	"KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
	"MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
	"PL": 28, "PS": 29, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23,
	"ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22,
	"VG": 24, "XK": 20, "YE": 30,
}

// IBANLength returns the IBAN length of a country (ISO 3166 alpha-2, upper
// case), or 0 when the country has no IBAN.
func IBANLength(country string) int { return ibanLength[country] }

// ValidIBAN reports whether s is a valid IBAN: spaces and dashes are
// ignored, case is not significant, the length must match the country and
// the mod-97 check must give 1.
func ValidIBAN(s string) bool {
	b := compactUpper(s, true)
	if len(b) < 15 || len(b) > 34 {
		return false
	}
	if !isUpper(b[0]) || !isUpper(b[1]) || !isDigit(b[2]) || !isDigit(b[3]) {
		return false
	}
	if ibanLength[string(b[:2])] != len(b) {
		return false
	}
	return ibanMod97(b) == 1
}

// ibanMod97 computes the ISO 13616 remainder of an upper-case,
// separator-free IBAN; it returns -1 on a character that is not
// alphanumeric.
func ibanMod97(b []byte) int {
	r := 0
	add := func(c byte) bool {
		switch {
		case isDigit(c):
			r = (r*10 + int(c-'0')) % 97
		case isUpper(c):
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range b[4:] {
		if !add(c) {
			return -1
		}
	}
	for _, c := range b[:4] {
		if !add(c) {
			return -1
		}
	}
	return r
}

// compactUpper returns s upper-cased without spaces and, when dashes is
// set, without dashes and dots.
func compactUpper(s string, dashes bool) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || (dashes && (c == '-' || c == '.')) {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// Luhn reports whether the digit string s passes the Luhn check. Any
// character other than an ASCII digit makes it fail; so does an empty
// string.
func Luhn(s string) bool {
	if s == "" {
		return false
	}
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if !isDigit(c) {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// ValidVAT reports whether s is a valid Italian partita IVA: 11 digits,
// optionally after "IT", not all zeros, with a right check digit.
func ValidVAT(s string) bool {
	if len(s) == 13 && (s[0] == 'I' || s[0] == 'i') && (s[1] == 'T' || s[1] == 't') {
		s = s[2:]
	}
	if len(s) != 11 {
		return false
	}
	sum := 0
	zero := true
	for i := 0; i < 11; i++ {
		c := s[i]
		if !isDigit(c) {
			return false
		}
		d := int(c - '0')
		if d != 0 {
			zero = false
		}
		if i == 10 {
			break
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return !zero && int(s[10]-'0') == (10-sum%10)%10
}

// omocodia maps the letters that replace digits in an omocodic codice
// fiscale back to their digit.
func omocodia(c byte) (byte, bool) {
	switch c {
	case 'L':
		return '0', true
	case 'M':
		return '1', true
	case 'N':
		return '2', true
	case 'P':
		return '3', true
	case 'Q':
		return '4', true
	case 'R':
		return '5', true
	case 'S':
		return '6', true
	case 'T':
		return '7', true
	case 'U':
		return '8', true
	case 'V':
		return '9', true
	}
	return 0, false
}

// cfOdd is the value of the characters in odd positions (1-based) of a
// codice fiscale, indexed by digit or letter.
var cfOdd = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// TaxCodeShape reports whether s (16 characters, any case, no separators)
// has the structure of a person's codice fiscale: letters and digits (or
// their omocodia letters) in place, a valid month letter and a valid day.
// It does not check the control character.
func TaxCodeShape(s string) bool {
	if len(s) != 16 {
		return false
	}
	var b [16]byte
	for i := 0; i < 16; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	for _, i := range [...]int{0, 1, 2, 3, 4, 5, 8, 11, 15} {
		if !isUpper(b[i]) {
			return false
		}
	}
	var d [16]byte
	for _, i := range [...]int{6, 7, 9, 10, 12, 13, 14} {
		c := b[i]
		if isDigit(c) {
			d[i] = c
		} else if v, ok := omocodia(c); ok {
			d[i] = v
		} else {
			return false
		}
	}
	if !contains("ABCDEHLMPRST", b[8]) {
		return false
	}
	day := int(d[9]-'0')*10 + int(d[10]-'0')
	if !(day >= 1 && day <= 31) && !(day >= 41 && day <= 71) {
		return false
	}
	return true
}

// ValidTaxCode reports whether s is a codice fiscale of a person with a
// right control character: the shape of TaxCodeShape plus the check.
// Case is not significant; omocodic codes are accepted.
func ValidTaxCode(s string) bool {
	if !TaxCodeShape(s) {
		return false
	}
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		var v int
		if isDigit(c) {
			v = int(c - '0')
		} else {
			v = int(c - 'A')
		}
		if i%2 == 0 {
			sum += cfOdd[v]
		} else {
			sum += v
		}
	}
	c := s[15]
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	return c == byte('A'+sum%26)
}

func contains(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' } // setting 0x20 lower-cases exactly the capitals
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
