package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// streetWords open an Italian street address.
var streetWords = []string{
	"via", "viale", "v.le", "piazza", "p.zza", "p.za", "piazzale", "p.le", "piazzetta", "corso", "c.so",
	"largo", "vicolo", "vico", "strada", "str.", "contrada", "c.da", "località", "loc.", "frazione",
	"fraz.", "borgo", "lungomare", "lungotevere", "lungarno", "salita", "traversa", "circonvallazione",
	"galleria", "rione", "calle", "stradone", "vicoletto", "viuzza",
}

// streetStop are words that make "via X" something other than a street.
var streetStop = map[string]bool{
	"email": true, "e-mail": true, "mail": true, "pec": true, "posta": true, "web": true, "app": true,
	"sms": true, "whatsapp": true, "telefono": true, "telefonica": true, "telematica": true,
	"ordinaria": true, "definitiva": true, "internet": true, "fax": true, "raccomandata": true,
	"chat": true, "messaggio": true, "social": true, "online": true, "telegram": true, "mastodon": true,
	"portale": true, "sito": true, "libera": true, "in": true, "per": true, "a": true, "e": true,
	"che": true, "con": true, "gli": true, "i": true, "un": true, "una": true, "mio": true,
	"mia": true, "inps": true, "tramite": true, "mezzo": true, "myinps": true, "spid": true, "modulo": true,
}

// nameJoin are lower-case words allowed inside a street name.
var nameJoin = map[string]bool{
	"di": true, "del": true, "dei": true, "della": true, "delle": true, "degli": true, "dello": true,
	"dell'": true, "d'": true, "de": true, "da": true, "san": true, "santa": true, "santo": true,
	"s.": true, "e": true, "il": true, "la": true, "le": true, "lo": true, "alla": true, "al": true,
	"ai": true, "alle": true, "sant'": true, "vecchia": true, "nuova": true, "antica": true,
}

var addressCues = []string{
	"abito", "abita", "abitiamo", "residente", "residenza", "resido", "domicilio", "domiciliat",
	"traslocat", "nuovo indirizzo",
	"indirizzo", "vivo", "vive", "viviamo", "trasferit", "sto in", "sta in", "casa", "recapito",
	"reperibilit", "spedite", "mandate", "inviate", "cap ",
}

var officeCues = []string{"sede", "agenzia", "ufficio", "uffici", "sportello", "filiale", "direzione", "struttura"}
var ownCues = []string{"nostro", "nostra", "mio", "mia", "casa", "abito", "caf", "patronato", "studio", "residente", "vivo"}

// findAddresses finds street addresses: a street word, 1–6 name words, an
// optional "n.", a house number (1–4 digits, optional /b or bis) and an
// optional CAP and town.
func (d *Detector) findAddresses(st *state) {
	hits := st.hits[kStreet]
	if len(hits) == 0 {
		return
	}
	lo := st.lo
	for hi, h := range hits {
		p, sw := h.pos, h.key
		if wordCharBefore(lo, p) || (sw[len(sw)-1] != '.' && wordCharAt(lo, p+len(sw))) {
			continue
		}
		// A house number must follow within the next words.
		lim := clampFwd(lo, p, 90)
		if hi+1 < len(hits) && hits[hi+1].pos < lim {
			lim = hits[hi+1].pos
		}
		if strings.IndexAny(lo[p:lim], "0123456789") < 0 {
			continue
		}
		if end, ok := st.parseAddress(p, len(sw)); ok {
			st.claim(Address, p, end)
		}
	}
}

// parseAddress parses an address starting with the street word at
// lo[p:p+wl] and returns its end.
func (st *state) parseAddress(p, wl int) (int, bool) {
	s, lo := st.s, st.lo
	i := p + wl
	if i < len(lo) && lo[i] != ' ' && lo[p+wl-1] != '.' {
		return 0, false
	}
	i = skipSpaces(lo, i)
	names := 0
	capital := false
	// A leading "4 Novembre", "XX Settembre" is part of the name.
	if dl := digitRun(lo, i); dl > 0 && dl <= 2 {
		j := skipSpaces(lo, i+dl)
		if j > i+dl && monthAt(lo, j) > 0 {
			i = j + monthAt(lo, j)
			names++
			capital = true
			i = skipSpaces(lo, i)
		}
	}
	for names < 7 {
		if i >= len(lo) {
			return 0, false
		}
		if isDigit(lo[i]) {
			break
		}
		// "n.", "n°", "nr.", "numero", "civico" before the number
		if m := civicoMark(lo, i); m > 0 && names > 0 {
			i = skipSpaces(lo, i+m)
			if !digitAt(lo, i) {
				return 0, false
			}
			break
		}
		j := i
		for j < len(lo) {
			c := lo[j]
			if isAlpha(c) || c == '\'' || c == '-' {
				j++
			} else if c == '.' && j > i && j-i <= 3 {
				j++
				break
			} else if c >= 0x80 && letterAt(lo, j) {
				_, sz := utf8.DecodeRuneInString(lo[j:])
				j += sz
			} else {
				break
			}
		}
		if j == i {
			return 0, false
		}
		word := lo[i:j]
		if names == 0 && streetStop[word] {
			return 0, false
		}
		if s[i:j] != lo[i:j] || hasNonASCIIUpper(s[i:j]) {
			capital = true
		}
		names++
		i = j
		// separator after a name word
		if i < len(lo) && lo[i] == ',' {
			i++
			if i < len(lo) && lo[i] == ' ' {
				i++
			}
			if !digitAt(lo, i) {
				return 0, false
			}
			break
		}
		if i < len(lo) && lo[i] == ' ' {
			i++
			continue
		}
		if digitAt(lo, i) {
			return 0, false // "abc12"
		}
		if i < len(lo) && lo[i] != ' ' {
			return 0, false
		}
	}
	if names == 0 || names > 7 || !digitAt(lo, i) {
		return 0, false
	}
	// house number
	nd := digitRun(lo, i)
	if nd > 4 {
		return 0, false
	}
	num := atoi(lo[i : i+nd])
	e := i + nd
	if e < len(lo) && (lo[e] == '.' || lo[e] == ',' || lo[e] == ':' || lo[e] == '/' || lo[e] == '-') && digitAt(lo, e+1) && lo[e] != '/' {
		return 0, false
	}
	if num == 0 {
		return 0, false
	}
	// suffix: /b, /12 (interno), letter, bis/ter
	if e+1 < len(lo) && lo[e] == '/' && isAlpha(lo[e+1]) && !wordCharAt(lo, e+2) {
		e += 2
	} else if e+1 < len(lo) && lo[e] == '/' && digitAt(lo, e+1) {
		k := digitRun(lo, e+1)
		if k > 3 || lo[e+1+k:] != "" && (lo[e+1+k] == '/' || lo[e+1+k] == '.') {
			return 0, false
		}
		e += 1 + k
	} else if e < len(lo) && isAlpha(lo[e]) && !wordCharAt(lo, e+1) {
		e++
	} else if wordCharAt(lo, e) {
		return 0, false
	}
	for _, suf := range [...]string{" bis", " ter", " quater"} {
		if strings.HasPrefix(lo[e:], suf) && !wordCharAt(lo, e+len(suf)) {
			e += len(suf)
		}
	}
	if st.amountAround(i, i+nd) || unitAfter(lo, i+nd) {
		return 0, false
	}
	// CAP and town
	end := e
	hasCAP := false
	k := e
	for k < len(lo) && (lo[k] == ' ' || lo[k] == ',' || lo[k] == '-') && k-e < 4 {
		k++
	}
	if digitRun(lo, k) == 5 && !wordCharAt(lo, k+5) {
		hasCAP = true
		end = k + 5
		t := skipSpaces(lo, end)
		words := 0
		for words < 3 && t < len(s) && isUpper(s[t]) {
			u := t
			for u < len(lo) && (isAlpha(lo[u]) || lo[u] == '\'' || (lo[u] >= 0x80 && letterAt(lo, u))) {
				_, sz := utf8.DecodeRuneInString(lo[u:])
				u += sz
			}
			if u == t {
				break
			}
			end = u
			words++
			t = skipSpaces(lo, u)
		}
		if words > 0 && t+4 <= len(s) && s[t] == '(' && isUpper(s[t+1]) && isUpper(s[t+2]) && s[t+3] == ')' {
			end = t + 4
		}
	}
	if num >= 1900 && num <= 2099 && !hasCAP {
		return 0, false
	}
	clause := sentenceStart(lo, p, 70)
	if !capital && !hasCAP && !hasPrefixWordIn(lo, clause, p, addressCues...) {
		return 0, false
	}
	// An INPS office named as such is public, unless a residence cue
	// stands right before the street ("ufficio postale vecchio, ma si è
	// trasferita in piazza Garibaldi 3").
	if hasPrefixWordIn(lo, clause, p, officeCues...) && !hasPrefixWordIn(lo, clause, p, ownCues...) &&
		!hasPrefixWordIn(lo, max(clause, p-25), p, addressCues...) {
		return 0, false
	}
	return end, true
}

// civicoMark returns the length of "n.", "n°", "nr.", "numero", "civico"
// at lo[i:], or 0.
func civicoMark(lo string, i int) int {
	for _, m := range [...]string{"n.", "n°", "nr.", "nr", "numero", "civico", "n"} {
		if strings.HasPrefix(lo[i:], m) && !(isAlpha(m[len(m)-1]) && wordCharAt(lo, i+len(m))) {
			return len(m)
		}
	}
	return 0
}

// monthAt returns the length of an Italian month name at lo[i:], or 0.
func monthAt(lo string, i int) int {
	for _, m := range monthNames[:12] {
		if strings.HasPrefix(lo[i:], m) && !wordCharAt(lo, i+len(m)) {
			return len(m)
		}
	}
	return 0
}

// unitAfter reports whether the number ending at i is followed by a unit
// ("3 anni", "2 volte"): then it is a quantity, not a house number.
func unitAfter(lo string, i int) bool {
	j := skipSpaces(lo, i)
	if j == i && j < len(lo) && lo[j] != '%' {
		return false
	}
	t, ok := nextToken(lo, j)
	if !ok || t.st != j {
		return j < len(lo) && (lo[j] == '%' || strings.HasPrefix(lo[j:], "€"))
	}
	switch lo[t.st:t.en] {
	case "anni", "anno", "volte", "volta", "giorni", "giorno", "mesi", "mese", "euro", "ore", "ora",
		"settimane", "settimana", "minuti", "figli", "rate", "persone", "dipendenti", "punti", "eur",
		"livelli", "posti", "km", "metri", "lire", "giornate", "ettari", "stelle", "piani":
		return true
	}
	return false
}

func hasNonASCIIUpper(s string) bool {
	for _, r := range s {
		if r >= 0x80 && unicode.IsUpper(r) {
			return true
		}
	}
	return false
}
