package pii

import "strings"

var index = strings.Index

// group is one run of ASCII digits [st, en) of the normalised text.
type group struct{ st, en int }

// chain is a sequence of digit groups joined by short separators, such as
// "347 123 45 67", "4023-6052-9142-7897" or "12/03/2024".
type chain struct {
	g []group
	// seps[i] is the separator text between g[i] and g[i+1].
	seps []string
	// plus is true when a '+' sits right before the first group.
	plus bool
	// start is the chain's first byte (the '+' when present).
	start int
	// touchL / touchR: a letter touches the first / last group.
	touchL, touchR bool
}

// sepLen returns the length of a digit separator at s[i:] followed by a
// digit, or 0. Separators are a space, a line break or one of
// ". - / ( ) _ * |" with optional spaces around it.
func sepLen(s string, i int) int {
	j := i
	if j < len(s) && s[j] == ' ' {
		j++
	} else if j < len(s) && s[j] == '\n' {
		j++
	} else if j+1 < len(s) && s[j] == '\r' && s[j+1] == '\n' {
		j += 2
	}
	if j < len(s) && strings.IndexByte(".-/()_*|", s[j]) >= 0 {
		j++
		if j < len(s) && s[j] == ' ' {
			j++
		}
	}
	if j == i || j-i > 3 || !digitAt(s, j) {
		return 0
	}
	return j - i
}

// buildChains splits the normalised text into digit chains.
func (st *state) buildChains() []chain {
	if st.chainsOK {
		return st.chains
	}
	st.chainsOK = true
	s := st.s
	gbuf, sbuf := st.gbuf[:0], st.sbuf[:0]
	defer func() { st.gbuf, st.sbuf = gbuf, sbuf }()
	i := 0
	for i < len(s) {
		if i = nextDigit(s, i); i == len(s) {
			break
		}
		c := chain{start: i}
		if i > 0 && s[i-1] == '+' {
			c.plus = true
			c.start = i - 1
		} else if i > 1 && s[i-1] == ' ' && s[i-2] == '+' {
			c.plus = true
			c.start = i - 2
		}
		c.touchL = letterBefore(s, c.start)
		g0, s0 := len(gbuf), len(sbuf)
		for {
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			gbuf = append(gbuf, group{i, j})
			i = j
			if len(gbuf)-g0 >= 24 {
				break
			}
			n := sepLen(s, j)
			if n == 0 {
				break
			}
			sbuf = append(sbuf, s[j:j+n])
			i = j + n
		}
		c.g = gbuf[g0:len(gbuf):len(gbuf)]
		c.seps = sbuf[s0:len(sbuf):len(sbuf)]
		c.touchR = letterAt(s, i)
		st.chains = append(st.chains, c)
	}
	return st.chains
}

// digitsOf concatenates the digits of groups a..b of c.
func (st *state) digitsOf(c *chain, a, b int, buf []byte) []byte {
	buf = buf[:0]
	for k := a; k <= b; k++ {
		buf = append(buf, st.s[c.g[k].st:c.g[k].en]...)
	}
	return buf
}

func countDigits(c *chain, a, b int) int {
	n := 0
	for k := a; k <= b; k++ {
		n += c.g[k].en - c.g[k].st
	}
	return n
}

// sepsOnly reports whether every separator between groups a..b is made of
// the given characters (and spaces).
func sepsOnly(c *chain, a, b int, allowed string) bool {
	for k := a; k < b; k++ {
		for _, r := range c.seps[k] {
			if r != ' ' && !strings.ContainsRune(allowed, r) {
				return false
			}
		}
	}
	return true
}

// subFree reports whether groups a..b are free and the sub-chain does not
// start or end on a group that touches a letter.
func (st *state) subFree(c *chain, a, b int) bool {
	if (a == 0 && c.touchL) || (b == len(c.g)-1 && c.touchR) {
		return false
	}
	return st.free(c.g[a].st, c.g[b].en)
}

// protectPublic blocks the public numbers of the allowlist (fiscal code
// and VAT number of INPS and other institutions) and the head office.
func (d *Detector) protectPublic(st *state) {
	for ci := range st.buildChains() {
		c := &st.chains[ci]
		for _, g := range c.g {
			if g.en-g.st == 11 && d.publicNumbers[st.s[g.st:g.en]] {
				st.block(g.st, g.en)
			}
		}
	}
	lo := st.lo
	for _, h := range st.hits[kCiro] {
		j := h.pos
		a := j
		if k := strings.LastIndex(lo[clampBack(lo, j, 12):j], "via"); k >= 0 {
			a = clampBack(lo, j, 12) + k
		}
		e := j + len("ciro il grande")
		for e < len(lo) && (lo[e] == ' ' || lo[e] == ',' || lo[e] == 'n' || lo[e] == '.') && e-j < 20 {
			e++
		}
		for e < len(lo) && isDigit(lo[e]) {
			e++
		}
		t := skipSpacesCommas(lo, e)
		if strings.HasPrefix(lo[t:], "00144") {
			e = t + 5
			if u := skipSpacesCommas(lo, e); strings.HasPrefix(lo[u:], "roma") {
				e = u + 4
			}
		}
		st.block(a, e)
	}
}

func skipSpacesCommas(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == ',' || s[i] == '-') {
		i++
	}
	return i
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// findProtocols finds INPS protocol numbers:
// INPS.dddd.dd/dd/dddd.ddddddd, spaces tolerated around the dots.
func (d *Detector) findProtocols(st *state) {
	lo := st.lo
	for _, h := range st.hits[kInps] {
		j := h.pos
		if wordCharBefore(lo, j) || letterAt(lo, j+4) {
			continue
		}
		i := j + 4
		// office code
		i = skipSpaces(lo, i)
		if i >= len(lo) || lo[i] != '.' {
			continue
		}
		i = skipSpaces(lo, i+1)
		n := digitRun(lo, i)
		if n < 3 || n > 5 {
			continue
		}
		i += n
		i = skipSpaces(lo, i)
		if i >= len(lo) || lo[i] != '.' {
			continue
		}
		i = skipSpaces(lo, i+1)
		// date dd/mm/yyyy
		ok := true
		for k, want := range [...]int{2, 2, 4} {
			n := digitRun(lo, i)
			if n < 1 || n > want {
				ok = false
				break
			}
			i += n
			if k < 2 {
				if i >= len(lo) || (lo[i] != '/' && lo[i] != '-' && lo[i] != '.') {
					ok = false
					break
				}
				i++
			}
		}
		if !ok {
			continue
		}
		i = skipSpaces(lo, i)
		if i >= len(lo) || lo[i] != '.' {
			continue
		}
		i = skipSpaces(lo, i+1)
		n = digitRun(lo, i)
		if n < 4 || n > 10 || letterAt(lo, i+n) {
			continue
		}
		st.claim(CaseNumber, j, i+n)
	}
}

func digitRun(s string, i int) int {
	n := 0
	for i+n < len(s) && isDigit(s[i+n]) {
		n++
	}
	return n
}

// findIBANs finds IBANs of any country, compact or in groups separated
// by single spaces or dashes, any case.
func (d *Detector) findIBANs(st *state) {
	s := st.s
	var buf []byte
	// An IBAN starts with two letters and two digits: visit the digits
	// (skipping the text between them eight bytes at a time) and look two
	// bytes back.
	for d := nextDigit(s, 2); d+2 <= len(s); d = nextDigit(s, d+1) {
		i := d - 2
		if !isAlpha(s[i]) || !isAlpha(s[i+1]) || !isDigit(s[i+3]) || wordCharBefore(s, i) {
			continue
		}
		cc := string([]byte{upper(s[i]), upper(s[i+1])})
		L := ibanLength[cc]
		if L == 0 {
			continue
		}
		// Collect exactly L alphanumerics; a cut must fall between groups.
		buf = buf[:0]
		j := i
		for j < len(s) && len(buf) < L {
			c := s[j]
			if isAlnum(c) {
				buf = append(buf, upper(c))
				j++
				continue
			}
			if (c == ' ' || c == '-') && j+1 < len(s) && isAlnum(s[j+1]) && len(buf) >= 4 {
				j++
				continue
			}
			break
		}
		if len(buf) != L || wordCharAt(s, j) {
			continue
		}
		ok := ibanMod97(buf) == 1
		if !ok {
			// A wrong check still counts when the text calls it an IBAN
			// and the national layout holds.
			ok = ibanMod97(buf) >= 0 && allDigits(buf[2:4]) &&
				hasWordIn(st.lo, clampBack(s, i, 60), i, "iban", "conto", "c/c", "bonifico") && ibanLayout(buf)
		}
		if ok && st.claim(IBAN, i, j) {
			d = j + 1 // the next IBAN starts at j or later
		}
	}
}

// ibanLayout checks the national layout of an Italian or San Marino IBAN
// (CIN letter, 10 digits of ABI and CAB); other countries pass.
func ibanLayout(b []byte) bool {
	if (b[0] == 'I' && b[1] == 'T') || (b[0] == 'S' && b[1] == 'M') {
		return isUpper(b[4]) && allDigits(b[5:15])
	}
	return true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

func upper(c byte) byte {
	if isLower(c) {
		return c - ('a' - 'A')
	}
	return c
}

// cardPrefix reports whether a card number starts with a known issuer
// prefix: Visa, Mastercard (also 2-series), American Express, Diners,
// Discover, JCB, Maestro, UnionPay, Mir.
func cardPrefix(b []byte) bool {
	p2 := int(b[0]-'0')*10 + int(b[1]-'0')
	p4 := p2*100 + int(b[2]-'0')*10 + int(b[3]-'0')
	switch {
	case b[0] == '4':
		return true
	case p2 >= 50 && p2 <= 69:
		return true
	case p4 >= 2200 && p4 <= 2204, p4 >= 2221 && p4 <= 2720:
		return true
	case p2 == 34 || p2 == 37 || p2 == 30 || p2 == 36 || p2 == 38 || p2 == 39 || p2 == 35:
		return true
	}
	return false
}

// findCards finds payment card numbers (13–19 digits, Luhn-valid, known
// issuer prefix, compact or grouped by spaces or dashes) and tessera
// sanitaria numbers (20 digits starting 80380).
func (d *Detector) findCards(st *state) {
	var buf []byte
	for ci := range st.buildChains() {
		c := &st.chains[ci]
		if c.plus {
			continue
		}
		total := countDigits(c, 0, len(c.g)-1)
		if total < 13 {
			continue
		}
		for a := 0; a < len(c.g); a++ {
			done := false
			for b := len(c.g) - 1; b >= a; b-- {
				n := countDigits(c, a, b)
				if n < 13 || n > 20 || !sepsOnly(c, a, b, "-") || !st.subFree(c, a, b) {
					continue
				}
				buf = st.digitsOf(c, a, b, buf)
				if b < len(c.g)-1 && !strings.ContainsRune(c.seps[b], ' ') && !strings.ContainsRune(c.seps[b], '-') {
					continue
				}
				switch {
				case n == 20 && string(buf[:5]) == "80380":
					done = st.claim(IDDocument, c.g[a].st, c.g[b].en)
				case n <= 19 && cardPrefix(buf) && Luhn(string(buf)) && !st.maskedCard(c.g[a].st):
					done = st.claim(PaymentCard, c.g[a].st, c.g[b].en)
				}
				if done {
					a = b
					break
				}
			}
		}
	}
}

// maskedCard reports whether the digits at i follow mask characters
// ("**** **** **** 1234", "XXXX").
func (st *state) maskedCard(i int) bool {
	j := i - 1
	for j >= 0 && st.s[j] == ' ' {
		j--
	}
	mask := func(c byte) bool { return c == '*' || c == 'X' || c == 'x' || c == '#' || c == '.' }
	return j >= 1 && mask(st.s[j]) && mask(st.s[j-1]) && st.s[j] != '.'
}

// findVAT finds Italian VAT numbers: 11 digits with context (P.IVA,
// partita IVA, VAT, an "IT" prefix).
func (d *Detector) findVAT(st *state) {
	s, lo := st.s, st.lo
	for ci := range st.buildChains() {
		c := &st.chains[ci]
		for k, g := range c.g {
			if g.en-g.st != 11 {
				continue
			}
			if (k > 0 && !strings.Contains(c.seps[k-1], " ")) || (k < len(c.g)-1 && !strings.Contains(c.seps[k], " ")) {
				continue
			}
			a := g.st
			digits := s[g.st:g.en]
			prefixed := false
			if k == 0 && a >= 2 && (lo[a-2:a] == "it") && !wordCharBefore(s, a-2) {
				prefixed = true
				a -= 2
			} else if k == 0 && c.touchL {
				continue
			}
			if k == len(c.g)-1 && c.touchR {
				continue
			}
			valid := ValidVAT(digits)
			ctx := vatContext(lo, a)
			if !(prefixed && valid) && ctx == 0 {
				continue
			}
			if !valid && ctx != 1 {
				continue
			}
			st.claim(VAT, a, g.en)
		}
	}
}

// vatContext returns 1 when a VAT keyword closely precedes i (at most
// two filler words between), 2 when one occurs within the clause before
// or right after, 0 otherwise.
func vatContext(lo string, i int) int {
	a := sentenceStart(lo, i, 60)
	keys := []string{"p.iva", "p. iva", "p.i.", "piva", "partita iva", "partita i.v.a.", "p iva", "vat", "iva", "p.i"}
	best := 0
	for _, k := range keys {
		j := strings.LastIndex(lo[a:i], k)
		if j < 0 {
			continue
		}
		j += a
		if wordCharBefore(lo, j) || (isAlnum(k[len(k)-1]) && wordCharAt(lo, j+len(k))) {
			continue
		}
		gap := lo[j+len(k) : i]
		if fillerOnly(gap, 3) {
			return 1
		}
		best = 2
	}
	if best == 0 {
		b := clampFwd(lo, i, 30)
		if hasWordIn(lo, i, b, "p.iva", "partita iva", "piva", "vat") {
			best = 2
		}
	}
	return best
}

// fillerOnly reports whether gap holds at most n short words and
// punctuation, such as " n. ", ": ", " numero ", " è ".
func fillerOnly(gap string, n int) bool {
	words := 0
	in := false
	wl := 0
	for i := 0; i < len(gap); i++ {
		c := gap[i]
		if isAlnum(c) || c >= 0x80 {
			if !in {
				words++
				in = true
				wl = 0
			}
			wl++
			if wl > 12 {
				return false
			}
			continue
		}
		in = false
		if c == '\n' || c == '?' || c == '!' {
			return false
		}
	}
	return words <= n
}
