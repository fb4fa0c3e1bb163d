package pii

import "strings"

// token is a maximal run of ASCII letters and digits [st, en).
type token struct{ st, en int }

// nextToken returns the alphanumeric run starting at or after i.
func nextToken(s string, i int) (token, bool) {
	for i < len(s) && !isAlnum(s[i]) {
		i++
	}
	if i >= len(s) {
		return token{}, false
	}
	j := i
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	return token{i, j}, true
}

// findTaxCodes finds codici fiscali of persons: 16 characters, compact or
// in groups separated by single spaces, dots or dashes, any case. A code
// whose check character is wrong counts only with context.
func (d *Detector) findTaxCodes(st *state) {
	s := st.s
	var buf [16]byte
	for i := 0; i+16 <= len(s); i++ {
		if !isAlpha(s[i]) {
			continue
		}
		if wordCharBefore(s, i) {
			// Inside a word: no code starts before its end.
			for i+1 < len(s) && isAlnum(s[i+1]) {
				i++
			}
			continue
		}
		// Quick reject: the first three characters are letters, and the
		// first word is the whole code or one of its groups (see
		// cfGroupsOK: a separator falls after the 3rd, 6th, 8th, 9th, 11th
		// or 15th character).
		if !isAlpha(s[i+1]) || !isAlpha(s[i+2]) {
			for i < len(s) && isAlnum(s[i]) {
				i++
			}
			continue
		}
		if l := alnumRun(s, i); l > 16 || cfFirstGroup&(1<<l) == 0 {
			i += l
			continue
		}
		n := 0
		j := i
		groups := 0
		for j < len(s) && n < 16 {
			c := s[j]
			if isAlnum(c) {
				if (n < 6 && !isAlpha(c)) || ((n == 6 || n == 7) && !isDigit(c) && strings.IndexByte("lmnpqrstuvLMNPQRSTUV", c) < 0) {
					break
				}
				buf[n] = c
				n++
				j++
				continue
			}
			if (c == ' ' || c == '.' || c == '-') && n > 0 && j+1 < len(s) && isAlnum(s[j+1]) && groups < 6 {
				groups++
				j++
				continue
			}
			break
		}
		if n != 16 || wordCharAt(s, j) {
			// skip the rest of this word
			for i < len(s) && isAlnum(s[i]) {
				i++
			}
			continue
		}
		code := string(buf[:])
		if !TaxCodeShape(code) {
			for i < len(s) && isAlnum(s[i]) {
				i++
			}
			continue
		}
		if groups > 0 && !cfGroupsOK(s[i:j]) {
			continue
		}
		ok := ValidTaxCode(code)
		if !ok {
			ok = hasTaxContext(st.lo, i, j)
		}
		if ok && st.claim(TaxCode, i, j) {
			i = j - 1
		}
	}
}

// cfFirstGroup has bit n set for the lengths a codice fiscale's first
// word may have: the whole code, or a group cfGroupsOK accepts.
const cfFirstGroup = 1<<3 | 1<<6 | 1<<8 | 1<<9 | 1<<11 | 1<<15 | 1<<16

// alnumRun is the length of the run of ASCII letters and digits at s[i].
func alnumRun(s string, i int) int {
	j := i
	for j < len(s) && isAlnum(s[j]) {
		j++
	}
	return j - i
}

// cfGroupsOK accepts the usual ways of splitting a codice fiscale: the
// separators must fall at the boundaries of surname, name, birth and
// town+check groups (3/3/5/5, 6/10, 3/3/2/1/2/4/1 and similar).
func cfGroupsOK(x string) bool {
	pos := 0
	for i := 0; i < len(x); i++ {
		if isAlnum(x[i]) {
			pos++
			continue
		}
		switch pos {
		case 3, 6, 8, 9, 11, 15:
		default:
			return false
		}
	}
	return true
}

// hasTaxContext reports whether a codice fiscale keyword is near [a, b).
func hasTaxContext(lo string, a, b int) bool {
	return hasWordIn(lo, clampBack(lo, a, 50), a, "codice fiscale", "cod. fisc.", "cod. fiscale", "cod.fisc.", "c.f.", "c.f", "cf", "c. f.", "fiscale", "tax code") ||
		hasWordIn(lo, b, clampFwd(lo, b, 20), "codice fiscale", "c.f.", "cf")
}

// docKeywords introduce an identity document number.
var docKeywords = []string{
	"carta d'identit", "carta di identit", "carta identit", "c.i.", "c. i.", "documento", "documenti",
	"passaporto", "passport", "espatrio", "patente", "driving licence", "driver's license",
	"identity card", "id card", "cie", "c.i.e.", "permesso di soggiorno", "doc.", "n. documento",
}

func hasDocContext(lo string, a, b int) bool {
	w := lo[sentenceStart(lo, a, 90):a]
	for _, k := range docKeywords {
		if j := strings.LastIndex(w, k); j >= 0 {
			return true
		}
	}
	after := lo[b:clampFwd(lo, b, 25)]
	for _, k := range [...]string{"passaporto", "carta d'identit", "documento", "patente", "passport"} {
		if strings.Contains(after, k) {
			return true
		}
	}
	return false
}

// findDocuments finds identity document numbers: CIE 3.0 (CA00000AA)
// anywhere; paper identity cards and passports (AA 1234567), CIE 2.0
// (1234567AA), foreign passports and driving licences with context.
func (d *Detector) findDocuments(st *state) {
	s := st.s
	last := -1
	for ci := range st.buildChains() {
		c := &st.chains[ci]
		for _, g := range c.g {
			// the alphanumeric token around this digit run
			a, e := g.st, g.en
			for a > 0 && isAlnum(s[a-1]) {
				a--
			}
			for e < len(s) && isAlnum(s[e]) {
				e++
			}
			if a <= last {
				continue
			}
			last = a
			// "AA 1234567": the letters are a token of their own.
			if a == g.st && e-a == 7 && a >= 3 && s[a-1] == ' ' && isAlpha(s[a-2]) && isAlpha(s[a-3]) && !wordCharBefore(s, a-3) {
				a -= 3
			}
			st.docToken(a, e)
		}
	}
}

// docToken checks the token at [a, e) (or a two-letter token, a space
// and seven digits) for a document number.
func (st *state) docToken(a, e int) {
	s, lo := st.s, st.lo
	t := token{a, e}
	{
		if wordCharBefore(s, t.st) || wordCharAt(s, t.en) {
			return
		}
		w := s[t.st:t.en]
		n := len(w)
		if n == 10 && w[2] == ' ' {
			// "AA 1234567"
			if allDigitsStr(w[3:]) && hasDocContext(lo, t.st, t.en) && !legalBefore(lo, t.st) {
				st.claim(IDDocument, t.st, t.en)
			}
			return
		}
		if n < 6 || n > 11 {
			return
		}
		letters, digits := 0, 0
		for k := 0; k < n; k++ {
			if isDigit(w[k]) {
				digits++
			} else {
				letters++
			}
		}
		if digits == 0 || letters == 0 {
			return
		}
		switch {
		case n == 9 && isCIE(w):
			st.claim(IDDocument, t.st, t.en)
		case isPatente(w):
			from := sentenceStart(lo, t.st, 90)
			if w[0] == 'U' || w[0] == 'u' {
				// The U1 form is distinctive: a document named in the
				// sentence before is context enough.
				from = max(0, t.st-120)
			}
			if hasWordIn(lo, from, t.st, "patente", "licence", "license", "documento", "carta d'identit") {
				st.claim(IDDocument, t.st, t.en)
			}
		case shapeDoc(w):
			if hasDocContext(lo, t.st, t.en) {
				st.claim(IDDocument, t.st, t.en)
			}
		}
	}
}

func allDigitsStr(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// isCIE reports whether w has the shape of a CIE 3.0 number: C, a
// letter, five digits, two letters (upper case).
func isCIE(w string) bool {
	if w[0] != 'C' || !isUpper(w[1]) || !isUpper(w[7]) || !isUpper(w[8]) {
		return false
	}
	return allDigitsStr(w[2:7])
}

// isPatente reports whether w has the shape of an Italian driving
// licence number: U1 + 7 alphanumerics + a letter, or 2 letters + 7
// digits + a letter.
func isPatente(w string) bool {
	if len(w) != 10 {
		return false
	}
	u := strings.ToUpper(w)
	if u[0] == 'U' && u[1] == '1' && isUpper(u[9]) {
		return true
	}
	return isUpper(u[0]) && isUpper(u[1]) && allDigitsStr(u[2:9]) && isUpper(u[9])
}

// shapeDoc reports whether w looks like a document number that needs
// context: 1–2 letters + 6–8 digits (paper ID card, passports), or 7
// digits + 2 letters (CIE 2.0).
func shapeDoc(w string) bool {
	n := len(w)
	l := 0
	for l < n && isAlpha(w[l]) {
		l++
	}
	if l >= 1 && l <= 2 && n-l >= 6 && n-l <= 8 && allDigitsStr(w[l:]) {
		return true
	}
	if n == 9 && allDigitsStr(w[:7]) && isAlpha(w[7]) && isAlpha(w[8]) {
		return true
	}
	return false
}
