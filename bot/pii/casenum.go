package pii

import "strings"

// caseKeys introduce an INPS practice, application, protocol or pension
// number.
var caseKeys = []string{
	"domanda", "pratica", "protocollo", "prot.", "ricevuta", "certificato di pensione",
	"pensione n", "pensione numero", "pensione cat", "categoria vo", "categoria so", "categoria io",
	"matricola", "posizione assicurativa", "posizione inps", "verbale n", "verbale numero",
	"identificativo", "id domanda", "numero pensione", "codice pratica", "n. pensione",
}

// caseStop are words after which a number is not a practice number.
var caseStop = map[string]bool{
	"tel": true, "tel.": true, "telefono": true, "cell": true, "cell.": true, "cellulare": true,
	"al": true, "allo": true, "chiamatemi": true, "chiamami": true, "chiamate": true, "whatsapp": true,
	"iban": true, "cf": true, "c.f.": true, "fiscale": true, "carta": true, "dal": true, "del": false,
	"euro": true, "di": false, "d'intesa": true, "intesa": true, "p.iva": true, "iva": true,
	"nata": true, "nato": true, "il": true, "entro": true, "fino": true, "tra": true,
}

// findCaseNumbers finds practice numbers after a keyword: a value of
// 5–32 characters [A-Za-z0-9./-] holding at least 5 digits, at most three
// short words after the keyword.
func (d *Detector) findCaseNumbers(st *state) {
	lo := st.lo
	for _, h := range st.hits[kCase] {
		j, k := h.pos, h.key
		i := j + len(k)
		if wordCharBefore(lo, j) || (isAlnum(k[len(k)-1]) && wordCharAt(lo, i)) {
			// "pensione n" must not match "pensione nel"
			continue
		}
		st.caseValue(i)
	}
}

// introduces are the words that present a value: after them a practice
// number may stand further from its keyword.
var introduces = map[string]bool{"è": true, "e'": true, "era": true, "numero": true, "n": true, "n.": true, "nr": true, "n°": true}

// caseValue looks for a practice number in the words after i.
func (st *state) caseValue(i int) {
	s, lo := st.s, st.lo
	words, prev := 0, ""
	for words <= 7 {
		// skip separators
		for i < len(lo) && (lo[i] == ' ' || lo[i] == ':' || lo[i] == ',' || lo[i] == '#' || lo[i] == '(') {
			if lo[i] == ',' && words > 0 {
				return
			}
			i++
		}
		if i >= len(lo) || lo[i] == '\n' {
			return
		}
		e := i
		for e < len(lo) && (isAlnum(lo[e]) || lo[e] == '.' || lo[e] == '/' || lo[e] == '-' || lo[e] == '\'' || lo[e] == '°' || lo[e] >= 0x80) {
			e++
		}
		if e == i {
			return
		}
		tok := strings.TrimRight(lo[i:e], ".-/")
		te := i + len(tok)
		if strings.IndexFunc(tok, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 {
			// Past the fifth word, only a value introduced as such ("il
			// protocollo del certificato di malattia è 284519907").
			if (words <= 4 || introduces[prev]) &&
				!wordCharBefore(s, i) && caseShape(tok) && !wordCharAt(s, te) && !st.amountAround(i, te) {
				st.claim(CaseNumber, i, te)
			}
			return
		}
		if caseStop[tok] || len(tok) > 14 {
			return
		}
		// a sentence end inside the gap stops the search
		if e < len(lo) && (lo[e] == '?' || lo[e] == '!' || lo[e] == ';') {
			return
		}
		if strings.HasSuffix(lo[i:e], ".") && len(tok) > 3 {
			return
		}
		words++
		prev = tok
		i = e
	}
}

// caseShape accepts 5–32 characters [a-z0-9./-] with at least 5 digits
// that are not a date, a time or a year (32 fits a DSU protocol,
// INPS-ISEE-2025-012345678-00).
func caseShape(tok string) bool {
	if len(tok) < 5 || len(tok) > 32 {
		return false
	}
	digits := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case isDigit(c):
			digits++
		case isLower(c), c == '.', c == '/', c == '-':
		default:
			return false
		}
	}
	if digits < 5 {
		return false
	}
	if isDateToken(tok) {
		return false
	}
	// thousands-separated amounts: 1.234.567
	if strings.Count(tok, ".") > 0 && amountShape(tok) {
		return false
	}
	return true
}

// isDateToken reports whether tok is d/m/y, d.m.y or d-m-y.
func isDateToken(tok string) bool {
	_, _, _, n := parseNumDate(tok, 0)
	return n == len(tok)
}

// amountShape reports 1–3 digits followed by groups of three after dots.
func amountShape(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts {
		if !allDigitsStr(p) {
			return false
		}
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}
