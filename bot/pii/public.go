package pii

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// protectURLs blocks links: tokens with a scheme, "www." tokens and
// host/path tokens whose host ends in an ICANN public suffix. A WhatsApp
// link (wa.me/<number>) is not blocked: its number is a phone.
func (st *state) protectURLs() {
	s, lo := st.s, st.lo
	if strings.IndexByte(s, '/') < 0 && !strings.Contains(lo, "www.") {
		return
	}
	for i := 0; i < len(s); {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		if j > i {
			st.checkURLToken(i, j)
		}
		i = j
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func (st *state) checkURLToken(a, b int) {
	lo := st.lo
	tok := lo[a:b]
	if k := strings.Index(tok, "wa.me/"); k >= 0 {
		return
	}
	if strings.Contains(tok, "://") || strings.HasPrefix(strings.TrimLeft(tok, "(<\"'"), "www.") {
		st.block(a, b)
		return
	}
	sl := strings.IndexByte(tok, '/')
	if sl <= 0 {
		return
	}
	host := strings.TrimLeft(tok[:sl], "(<\"'")
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || dot == len(host)-1 {
		return
	}
	for i := dot + 1; i < len(host); i++ {
		if !isLower(host[i]) {
			return
		}
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !isLower(c) && !isDigit(c) && c != '.' && c != '-' {
			return
		}
	}
	if _, icann := publicsuffix.PublicSuffix(host); !icann {
		return
	}
	st.block(a, b)
}

// legalKeys introduce a reference to a law, a circular or a message:
// the numbers after them are public.
var legalKeys = []string{
	"legge", "l.", "circolare", "circ.", "messaggio", "msg.", "decreto", "d.lgs.", "d.lgs", "dlgs", "d. lgs.",
	"d.lgs", "dpr", "d.p.r.", "d.l.", "dl", "art.", "art", "artt.", "articolo", "comma", "sentenza",
	"ordinanza", "delibera", "determinazione", "regolamento", "direttiva", "interpello", "risoluzione",
	"dpcm", "d.p.c.m.", "d.m.", "dm", "l.r.", "legislativo", "codice tributo", "modello", "mod.", "allegato",
}

// legalFiller are the words that may sit inside a legal reference.
var legalFiller = map[string]bool{
	"n": true, "n.": true, "n°": true, "nr": true, "nr.": true, "num.": true, "numero": true, "no.": true,
	"del": true, "dell'": true, "della": true, "dello": true, "inps": true, "bis": true, "ter": true,
	"quater": true, "e": true, "ed": true, "comma": true, "commi": true, "art.": true, "lett.": true,
	"lettera": true, "convertito": true, "con": true, "legge": true, "l.": true, "gennaio": true,
	"febbraio": true, "marzo": true, "aprile": true, "maggio": true, "giugno": true, "luglio": true,
	"agosto": true, "settembre": true, "ottobre": true, "novembre": true, "dicembre": true, "c.": true,
	"co.": true, "d.lgs.": true, "dlgs": true, "gdpr": true, "ue": true, "cost.": true, "tuir": true,
}

// protectLegal blocks the numbers of legal references: "legge 104/1992",
// "circolare n. 34 del 2025", "messaggio INPS n. 4567 del 20-12-2024",
// "legge 5 febbraio 1992, n. 104", "art. 33 comma 3".
func (st *state) protectLegal() {
	if !st.hasDigit {
		return
	}
	lo := st.lo
	for _, h := range st.hits[kLegal] {
		j, k := h.pos, h.key
		if wordCharBefore(lo, j) || (isAlnum(k[len(k)-1]) && wordCharAt(lo, j+len(k))) {
			continue
		}
		if end := legalTail(lo, j+len(k)); end > j+len(k) {
			st.block(j, end)
		}
	}
}

// legalTail consumes the tokens of a legal reference after a keyword and
// returns the end of the last number consumed (or i when none).
func legalTail(lo string, i int) int {
	i0 := i
	end := i
	tokens := 0
	for tokens < 10 {
		k := i
		for k < len(lo) && (lo[k] == ' ' || lo[k] == ',' || lo[k] == ':') {
			k++
		}
		if k >= len(lo) {
			break
		}
		e := k
		for e < len(lo) && !isSpace(lo[e]) && lo[e] != ',' && lo[e] != ';' && lo[e] != ')' && lo[e] != '?' {
			e++
		}
		tok := strings.TrimRight(lo[k:e], ":")
		if tok == "" {
			break
		}
		if isDigit(tok[0]) {
			t2 := strings.TrimRight(tok, ".")
			if !legalNumber(t2) {
				// A long number right after the reference is something
				// else (a phone): block nothing.
				return i0
			}
			end = k + len(t2)
		} else if !legalFiller[tok] && !(len(tok) == 1 && isLower(tok[0])) {
			break
		}
		i = e
		tokens++
	}
	return end
}

// legalNumber accepts numbers of laws and articles: digit groups of at
// most 5 digits joined by / . - (104/1992, 151/2001, 20-12-2024, 33).
func legalNumber(t string) bool {
	run := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case isDigit(c):
			run++
			if run > 5 {
				return false
			}
		case c == '/' || c == '.' || c == '-':
			run = 0
		case isLower(c) || c == '\'' || c >= 0x80:
			// "104bis", "33-bis"
		default:
			return false
		}
	}
	return true
}

// legalBefore reports whether a legal keyword immediately precedes i.
func legalBefore(lo string, i int) bool {
	a := clampBack(lo, i, 25)
	w := lo[a:i]
	for _, k := range [...]string{"legge", "circolare", "messaggio", "decreto", "d.lgs", "art.", "sentenza"} {
		if strings.Contains(w, k) {
			return true
		}
	}
	return false
}
