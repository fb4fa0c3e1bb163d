package pii

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '-' }

// publicMail reports whether domain (lower case) belongs to INPS, whose
// published addresses and PECs are not personal data.
func publicMail(domain string) bool {
	for _, d := range [...]string{"inps.it", "inps.gov.it"} {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// validDomain reports whether domain (lower case, dot separated) ends in
// an ICANN public suffix and has a registrable label before it.
func validDomain(domain string) bool {
	if len(domain) < 4 || strings.IndexByte(domain, '.') < 0 || strings.Contains(domain, "..") {
		return false
	}
	for _, l := range strings.Split(domain, ".") {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isLower(tld[i]) {
			return false
		}
	}
	suf, icann := publicsuffix.PublicSuffix(domain)
	return icann && len(suf) < len(domain)
}

// findEmails finds e-mail addresses, plain ("a@b.it", "a @ b.it") or
// obfuscated ("a chiocciola b punto it", "a(at)b(dot)it", "a [at] b.it").
// INPS's own addresses are blocked instead.
func (d *Detector) findEmails(st *state) {
	lo := st.lo
	if st.hasAt {
		for i := 0; i < len(lo); i++ {
			if lo[i] != '@' {
				continue
			}
			a := i
			for a > 0 && isLocalChar(lo[a-1]) {
				a--
			}
			ls := i
			if a == i && i > 1 && lo[i-1] == ' ' {
				// "m.rossi @ pec.it"
				ls = i - 1
				a = ls
				for a > 0 && isLocalChar(lo[a-1]) {
					a--
				}
			}
			for a < ls && (lo[a] == '.' || lo[a] == '-') {
				a++
			}
			if a == ls || (a > 0 && (lo[a-1] == '@' || lo[a-1] == '/')) {
				continue
			}
			ds := i + 1
			if ds < len(lo) && lo[ds] == ' ' {
				ds++
			}
			e, dom := scanDomain(lo, ds, true)
			if e == ds {
				continue
			}
			st.emailSpan(a, e, dom)
			i = e - 1
		}
	}
	// Obfuscated forms.
	for _, h := range st.hits[kAt] {
		m, j := atMarker(lo, h.pos)
		if m == "" {
			continue
		}
		{
			// local part
			k := j
			for k > 0 && lo[k-1] == ' ' {
				k--
			}
			a := k
			for a > 0 && isLocalChar(lo[a-1]) {
				a--
			}
			for a < k && (lo[a] == '.' || lo[a] == '-') {
				a++
			}
			if a == k || (a > 0 && lo[a-1] == '@') {
				continue
			}
			a = extendLocal(lo, a)
			ds := j + len(m)
			for ds < len(lo) && lo[ds] == ' ' {
				ds++
			}
			e, dom := scanDomain(lo, ds, true)
			if e == ds {
				continue
			}
			if m == " at " && !strings.Contains(lo[ds:e], ".") {
				continue
			}
			st.emailSpan(a, e, dom)
		}
	}
}

// atMarker returns the obfuscated at sign around the keyword at lo[i:]
// ("chiocciola", "(at)", "[chiocciola]", " at ") and its start, or "".
func atMarker(lo string, i int) (string, int) {
	w := "at"
	if strings.HasPrefix(lo[i:], "chiocciola") {
		w = "chiocciola"
	}
	e := i + len(w)
	if wordCharAt(lo, e) {
		return "", 0
	}
	if i > 0 && e < len(lo) {
		o, c := lo[i-1], lo[e]
		if (o == '(' && c == ')') || (o == '[' && c == ']') || (o == '{' && c == '}') {
			return lo[i-1 : e+1], i - 1
		}
	}
	if w == "chiocciola" {
		return w, i
	}
	if i > 0 && lo[i-1] == ' ' && e < len(lo) && lo[e] == ' ' {
		return " at ", i - 1
	}
	return "", 0
}

func (st *state) emailSpan(a, e int, dom string) {
	if !validDomain(dom) {
		return
	}
	if publicMail(dom) {
		st.block(a, e)
		return
	}
	st.claim(Email, a, e)
}

// scanDomain reads a domain at lo[i:]: labels joined by dots or, when
// obfuscated is set, by "punto", "dot", "(dot)", "[punto]"... It returns
// the end of the domain and its plain form.
func scanDomain(lo string, i int, obfuscated bool) (int, string) {
	var b strings.Builder
	end := i
	j := i
	for {
		k := j
		for k < len(lo) && isDomainChar(lo[k]) {
			k++
		}
		if k == j {
			break
		}
		b.WriteString(lo[j:k])
		end = k
		// separator
		if k < len(lo) && lo[k] == '.' && k+1 < len(lo) && isDomainChar(lo[k+1]) {
			b.WriteByte('.')
			j = k + 1
			continue
		}
		if !obfuscated {
			break
		}
		n := dotMarker(lo, k)
		if n == 0 {
			break
		}
		b.WriteByte('.')
		j = k + n
	}
	dom := strings.Trim(b.String(), "-")
	return end, dom
}

// dotMarker returns the length of an obfuscated dot at lo[i:] followed by
// a label, or 0.
func dotMarker(lo string, i int) int {
	for _, m := range [...]string{"(dot)", "[dot]", "{dot}", "(punto)", "[punto]", " (dot) ", " [dot] ", " punto ", " dot ", " . ", " (punto) ", " [punto] "} {
		if strings.HasPrefix(lo[i:], m) {
			j := i + len(m)
			if j < len(lo) && lo[j] == ' ' {
				j++
			}
			if j < len(lo) && isDomainChar(lo[j]) {
				return j - i
			}
		}
	}
	return 0
}

// extendLocal moves the start of a local part back over obfuscated dots
// ("mario punto rossi chiocciola ...").
func extendLocal(lo string, a int) int {
	for n := 0; n < 3; n++ {
		moved := false
		for _, m := range [...]string{" punto ", " dot ", "(dot)", "[dot]", "(punto)", "[punto]"} {
			if a >= len(m)+1 && lo[a-len(m):a] == m && isLocalChar(lo[a-len(m)-1]) {
				b := a - len(m)
				for b > 0 && isLocalChar(lo[b-1]) {
					b--
				}
				a = b
				moved = true
				break
			}
		}
		if !moved {
			break
		}
	}
	return a
}
