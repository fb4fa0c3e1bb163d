package pii

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"google.golang.org/protobuf/proto"
)

// phoneValidator validates one phone candidate. national holds the
// digits as written; intl is true when they follow a '+' or "00" (and
// then start with the country code).
type phoneValidator interface {
	// check returns the number in E.164 form and whether it is a valid
	// personal number (not toll-free, premium, shared-cost or UAN).
	check(digits string, intl bool) (string, bool)
}

// libPhone validates with libphonenumber's metadata.
type libPhone struct{}

func (libPhone) check(digits string, intl bool) (string, bool) {
	num, err := parseDigits(digits, intl)
	if err != nil {
		return "", false
	}
	// GetNumberType is UNKNOWN exactly when IsValidNumber is false.
	switch numberType(num) {
	case phonenumbers.UNKNOWN, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.UAN:
		return "", false
	}
	return "+" + strconv.Itoa(int(num.GetCountryCode())) + phonenumbers.GetNationalSignificantNumber(num), true
}

// parseDigits is phonenumbers.Parse(digits, "IT") (with a '+' before
// them when intl) for a string of digits. An Italian number, the common
// case, is built directly: for plain digits Parse finds no extension, no
// national prefix (Italy has none) and no country code to strip, and its
// extension pattern alone costs more than the rest of a post's checks.
// Every other number goes through Parse.
func parseDigits(digits string, intl bool) (*phonenumbers.PhoneNumber, error) {
	national, ok := "", false
	switch {
	case intl && strings.HasPrefix(digits, "39"):
		national, ok = digits[2:], true
	case !intl && !strings.HasPrefix(digits, "39") && !strings.HasPrefix(digits, "00"):
		// A national number starting with 39 may be written with the
		// country code but no '+', one starting with 00 is international:
		// Parse decides.
		national, ok = digits, true
	}
	if !ok || len(national) < 2 || len(national) > 17 || strings.Trim(national, "0123456789") != "" {
		in := digits
		if intl {
			in = "+" + digits
		}
		return phonenumbers.Parse(in, "IT")
	}
	nn, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return nil, err
	}
	num := &phonenumbers.PhoneNumber{CountryCode: proto.Int32(39), NationalNumber: proto.Uint64(nn)}
	if national[0] == '0' {
		// As Parse: the leading zeros of an Italian number are kept, but
		// for the last digit of an all-zero number.
		num.ItalianLeadingZero = proto.Bool(true)
		zeros := 1
		for zeros < len(national)-1 && national[zeros] == '0' {
			zeros++
		}
		if zeros != 1 {
			num.NumberOfLeadingZeros = proto.Int32(int32(zeros))
		}
	}
	return num, nil
}

// phoneCues are words that announce a phone number.
var phoneCues = []string{
	"tel", "tel.", "telefono", "telefonico", "cell", "cell.", "cellulare", "chiamami", "chiamatemi",
	"chiamate", "chiamare", "chiamaci", "richiamatemi", "richiamate", "contattami", "contattatemi",
	"contattaci", "whatsapp", "numero", "recapito", "mobile", "phone", "fisso", "n.", "al",
}

// nationalPlausible is a cheap prefilter on Italian numbers written
// without a prefix: mobiles 3xx (9–10 digits), landlines 0x (6–11), VoIP
// 55 (10).
func nationalPlausible(b []byte) bool {
	n := len(b)
	switch b[0] {
	case '3':
		return n >= 9 && n <= 10
	case '0':
		return n >= 6 && n <= 11
	case '5':
		return n == 10 && b[1] == '5'
	}
	return false
}

// findPhones finds phone numbers among the digit chains.
func (d *Detector) findPhones(st *state) {
	var buf []byte
	for ci := range st.buildChains() {
		c := &st.chains[ci]
		if countDigits(c, 0, len(c.g)-1) < 6 {
			continue
		}
		for a := 0; a < len(c.g); a++ {
			plus := a == 0 && c.plus
			if !plus && a > 0 && strings.Contains(c.seps[a-1], "+") {
				plus = true
			}
			for b := len(c.g) - 1; b >= a; b-- {
				n := countDigits(c, a, b)
				if n < 6 || n > 17 {
					continue
				}
				if !st.subFree(c, a, b) {
					continue
				}
				buf = st.digitsOf(c, a, b, buf)
				end, ok := d.tryPhone(st, c, a, b, buf, plus)
				if ok {
					a = end
					break
				}
			}
		}
	}
	d.findWAme(st)
	if len(st.hits[kNum]) >= 6 {
		d.findWordPhones(st)
	}
}

// tryPhone validates groups a..b of c as one phone number and claims it.
// It returns the last group used.
func (d *Detector) tryPhone(st *state, c *chain, a, b int, buf []byte, plus bool) (int, bool) {
	intl := plus
	digits := buf
	if !plus && len(buf) > 2 && buf[0] == '0' && buf[1] == '0' {
		intl = true
		digits = buf[2:]
	}
	if intl {
		if len(digits) < 8 || len(digits) > 15 {
			return 0, false
		}
		if digits[0] == '3' && digits[1] == '9' && !nationalPlausible(digits[2:]) && !(len(digits) > 2 && (digits[2] == '8' || digits[2] == '1')) {
			return 0, false
		}
	} else if len(digits) > 11 || !nationalPlausible(digits) {
		return 0, false
	}
	if looksLikeDate(st.s, c, a, b) || st.amountAround(c.g[a].st, c.g[b].en) {
		return 0, false
	}
	// Inside a chain, the sub-chain must not leave a lone digit glued to
	// it by a tight separator ("12-3331234567").
	start := c.g[a].st
	if a == 0 && c.plus {
		start = c.start
	} else if plus {
		start = c.g[a].st - 1
		for start > 0 && st.s[start] != '+' {
			start--
		}
	}
	var e164 string
	var ok bool
	if intl {
		e164 = "+" + string(digits)
	} else {
		e164 = "+39" + string(digits)
	}
	if !d.publicPhones[e164] {
		e164, ok = d.phones.check(string(digits), intl)
		if !ok {
			return 0, false
		}
	}
	if d.publicPhones[e164] {
		st.block(start, c.g[b].en)
		return b, true
	}
	// Short Italian landlines need a cue; so do 11-digit ones, which
	// are rare and look like VAT numbers.
	if !intl && ((digits[0] == '0' && (len(digits) < 8 || len(digits) == 11)) || (digits[0] == '3' && len(digits) == 9)) {
		if !hasWordIn(st.lo, clampBack(st.lo, start, 40), start, phoneCues...) {
			return 0, false
		}
	}
	if !st.claim(Phone, start, c.g[b].en) {
		return 0, false
	}
	return b, true
}

// looksLikeDate reports whether groups a..b form a date (d/m/y, d.m.y,
// d-m-y, m/yyyy) or a time.
func looksLikeDate(s string, c *chain, a, b int) bool {
	if b-a == 2 {
		l0, l1, l2 := c.g[a].en-c.g[a].st, c.g[a+1].en-c.g[a+1].st, c.g[b].en-c.g[b].st
		s0, s1 := strings.TrimSpace(c.seps[a]), strings.TrimSpace(c.seps[a+1])
		if l0 <= 2 && l1 <= 2 && (l2 == 2 || l2 == 4) && s0 != "" && s0 == s1 {
			d := atoi(s[c.g[a].st:c.g[a].en])
			m := atoi(s[c.g[a+1].st:c.g[a+1].en])
			if d >= 1 && d <= 31 && m >= 1 && m <= 12 {
				return true
			}
		}
	}
	if b-a == 1 {
		l0, l1 := c.g[a].en-c.g[a].st, c.g[b].en-c.g[b].st
		sep := strings.TrimSpace(c.seps[a])
		if l0 <= 2 && l1 == 4 && (sep == "/" || sep == "-" || sep == ".") {
			y := atoi(s[c.g[b].st:c.g[b].en])
			if y >= 1900 && y <= 2100 {
				return true
			}
		}
	}
	return false
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		if !isDigit(s[i]) {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// amountAround reports whether the number at [a, b) is an amount: next to
// €, "euro", "eur", "lire", "%" or with decimals.
func (st *state) amountAround(a, b int) bool {
	lo := st.lo
	k := b
	if k < len(lo) && lo[k] == ',' && digitAt(lo, k+1) {
		return true
	}
	k = skipSpaces(lo, k)
	rest := lo[k:]
	if strings.HasPrefix(rest, "€") || strings.HasPrefix(rest, "%") || strings.HasPrefix(rest, "euro") ||
		strings.HasPrefix(rest, "eur ") || strings.HasPrefix(rest, "lire") {
		return true
	}
	j := a
	for j > 0 && lo[j-1] == ' ' {
		j--
	}
	return strings.HasSuffix(lo[:j], "€") || strings.HasSuffix(lo[:j], "eur") || strings.HasSuffix(lo[:j], "euro")
}

// findWAme finds WhatsApp links: wa.me/<international number>.
func (d *Detector) findWAme(st *state) {
	lo := st.lo
	for from := 0; ; {
		j := indexFrom(lo, "wa.me/", from)
		if j < 0 {
			return
		}
		i := j + len("wa.me/")
		if i < len(lo) && lo[i] == '+' {
			i++
		}
		n := digitRun(lo, i)
		from = i + n
		if n < 8 || n > 15 {
			continue
		}
		e164, ok := d.phones.check(lo[i:i+n], true)
		if !ok || d.publicPhones[e164] {
			continue
		}
		a := j
		for a > 0 && !isSpace(lo[a-1]) {
			a--
		}
		st.claim(Phone, a, i+n)
	}
}

var numberWords = map[string]byte{
	"zero": '0', "uno": '1', "due": '2', "tre": '3', "quattro": '4', "cinque": '5',
	"sei": '6', "sette": '7', "otto": '8', "nove": '9',
}

// findWordPhones finds phone numbers spelt as words, at least six digit
// words in a row ("tre tre tre uno due ...").
func (d *Detector) findWordPhones(st *state) {
	lo := st.lo
	var digits []byte
	runStart, runEnd := -1, -1
	flush := func() {
		if len(digits) >= 6 {
			if nationalPlausible(digits) && len(digits) <= 11 {
				if e164, ok := d.phones.check(string(digits), false); ok && !d.publicPhones[e164] {
					st.claim(Phone, runStart, runEnd)
				}
			}
		}
		digits = digits[:0]
		runStart = -1
	}
	for i := 0; i < len(lo); {
		t, ok := nextToken(lo, i)
		if !ok {
			break
		}
		gap := lo[i:t.st]
		if runStart >= 0 && strings.TrimLeft(gap, " ,-.") != "" {
			flush()
		}
		w := lo[t.st:t.en]
		dg, isNum := numberWords[w]
		switch {
		case isNum:
			if runStart < 0 {
				runStart = t.st
			}
			digits = append(digits, dg)
			runEnd = t.en
		case len(w) == 1 && isDigit(w[0]) && runStart >= 0:
			digits = append(digits, w[0])
			runEnd = t.en
		default:
			if runStart >= 0 {
				flush()
			}
		}
		i = t.en
	}
	if runStart >= 0 {
		flush()
	}
}
