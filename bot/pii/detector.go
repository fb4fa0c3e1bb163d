package pii

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/inps-social/inpsbot/bot/text"
	"golang.org/x/text/unicode/norm"
)

// MaxScan is the number of bytes of a text that Find reads: data after
// the first MaxScan bytes (cut back to a rune boundary) are not reported.
// Within the scanned range Redact(t, Find(t)) leaves nothing that Find
// would report again.
const MaxScan = 64 << 10

// Detector finds personal data in text. Its zero value is not usable:
// build one with New. A Detector is immutable and safe for concurrent use.
type Detector struct {
	phones phoneValidator
	// publicPhones are E.164 numbers of public institutions that are not
	// personal data whatever their type.
	publicPhones map[string]bool
	// publicNumbers are digit strings (fiscal codes, VAT numbers) of
	// public institutions.
	publicNumbers map[string]bool
}

// New returns the default detector, with the INPS allowlist and other
// public institutional numbers built in.
func New() *Detector {
	return &Detector{
		phones: libPhone{},
		publicPhones: map[string]bool{
			"+39803164":      true, // INPS contact center, from landlines
			"+3906164164":    true, // INPS contact center, from mobiles
			"+39800909696":   true, // Agenzia delle Entrate
			"+390696668907":  true, // Agenzia delle Entrate, from mobiles
			"+39800434320":   true, // Agenzia delle Entrate-Riscossione (toll-free)
			"+3906164164164": true,
		},
		publicNumbers: map[string]bool{
			"80078750587": true, // INPS codice fiscale
			"02121151001": true, // INPS partita IVA
			"06363391001": true, // Agenzia delle Entrate codice fiscale / P.IVA
		},
	}
}

// Find returns the personal data in text (display form: HTML stripped,
// NFC), sorted by Start and non-overlapping, as byte offsets into text.
// Only the first MaxScan bytes are read.
func (d *Detector) Find(input string) []Span {
	if len(input) > MaxScan {
		cut := MaxScan
		for cut > 0 && !utf8.RuneStart(input[cut]) {
			cut--
		}
		input = input[:cut]
	}
	spans := d.find1(input)
	// A datum can hide behind another one: its context or its boundary
	// may change once the first is masked. Look again at the redacted
	// text until it holds nothing more, so that Redact is idempotent.
	for iter := 0; iter < 4 && len(spans) > 0; iter++ {
		red, at := redactMap(input, spans)
		more := d.find1(red)
		if len(more) == 0 {
			break
		}
		spans = mergeBack(spans, more, at)
	}
	return spans
}

// redactMap redacts text and returns, for each span, the start of its
// mask in the redacted text.
func redactMap(text string, spans []Span) (string, []int) {
	at := make([]int, len(spans))
	buf := make([]byte, 0, len(text)+16)
	last := 0
	for i, s := range spans {
		buf = append(buf, text[last:s.Start]...)
		at[i] = len(buf)
		buf = append(buf, s.Kind.Mask()...)
		last = s.End
	}
	buf = append(buf, text[last:]...)
	return string(buf), at
}

// mergeBack maps spans found in a redacted text back to the original
// text and merges them with the spans that were masked.
func mergeBack(spans, more []Span, at []int) []Span {
	// toOrig maps a redacted position; inside a mask it snaps to the
	// masked span's start (start=true) or end.
	toOrig := func(p int, start bool) int {
		shift := 0
		for i, s := range spans {
			ms, me := at[i], at[i]+len(s.Kind.Mask())
			if p < ms {
				break
			}
			if p < me || (p == me && !start) {
				if start {
					return s.Start
				}
				return s.End
			}
			shift = s.End - me
		}
		return p + shift
	}
	out := slices.Clone(spans)
	for _, m := range more {
		out = append(out, Span{Kind: m.Kind, Start: toOrig(m.Start, true), End: toOrig(m.End, false)})
	}
	slices.SortStableFunc(out, func(a, b Span) int { return a.Start - b.Start })
	w := 0
	for _, s := range out {
		if w > 0 && s.Start < out[w-1].End {
			if s.End > out[w-1].End {
				out[w-1].End = s.End
			}
			continue
		}
		out[w] = s
		w++
	}
	return out[:w]
}

// find1 runs the detectors once.
func (d *Detector) find1(input string) []Span {
	if len(input) < 5 {
		return nil
	}
	st := newState(input)
	defer st.release()
	st.buildHits()
	if !st.hasDigit && !st.hasAt && len(st.hits[kAt]) == 0 && len(st.hits[kNum]) < 6 {
		return nil
	}
	st.protectURLs()
	st.protectLegal()
	d.findEmails(st)
	if st.hasDigit {
		d.protectPublic(st)
		d.findProtocols(st)
		d.findIBANs(st)
		d.findCards(st)
	}
	d.findTaxCodes(st)
	if st.hasDigit {
		d.findVAT(st)
		d.findDocuments(st)
		d.findCaseNumbers(st)
		d.findPhones(st)
		d.findBirthDates(st)
		d.findAddresses(st)
	} else if len(st.hits[kNum]) >= 6 {
		d.findWordPhones(st)
	}
	return st.result()
}

// interval is a byte range [st, en) of the normalised text.
type interval struct{ st, en int }

// state is the working set of one Find call.
type state struct {
	orig     string
	s        string // normalised text
	lo       string // s with ASCII letters lower-cased
	off      []int  // off[i] = byte offset in orig of s[i]; nil when s == orig
	hasDigit bool
	hasAt    bool
	spans    []Span     // found data, in s coordinates
	blocked  []interval // public spans nobody may claim
	chains   []chain    // digit chains, built lazily
	chainsOK bool
	hits     [nLists][]hit // keywords found, by list
	gbuf     []group
	sbuf     []string
	lobuf    []byte
	// Buffers behind s, off and the masked s: the strings made over them
	// live only until release.
	sBuf    []byte
	offBuf  []int
	maskBuf []byte
}

var statePool = sync.Pool{New: func() any { return new(state) }}

func newState(t string) *state {
	st := statePool.Get().(*state)
	st.orig = t
	ascii, digit, at := scanText(t)
	if ascii {
		st.s = t
	} else {
		var out []byte
		out, st.offBuf = appendNormalize(st.sBuf[:0], st.offBuf[:0], t)
		st.sBuf = out
		st.s = unsafe.String(unsafe.SliceData(out), len(out))
		st.off = st.offBuf
		_, d, a := scanText(st.s)
		digit, at = digit || d, at || a
	}
	st.hasDigit, st.hasAt = digit, at
	if strings.IndexByte(st.s, '[') >= 0 {
		st.s = st.neutralizeMasks(st.s)
	}
	st.lo = st.lowerASCII(st.s)
	return st
}

// neutralizeMasks blanks the words inside the placeholders that Redact
// writes ("[telefono]" becomes "[~~~~~~~~]"), so that a redacted text
// gives no context to the detectors that it did not give before.
func (st *state) neutralizeMasks(s string) string {
	var b []byte
	for from := 0; ; {
		j := strings.IndexByte(s[from:], '[')
		if j < 0 {
			break
		}
		j += from
		from = j + 1
		for _, k := range AllKinds {
			m := k.Mask()
			if !strings.HasPrefix(s[j:], m) {
				continue
			}
			if b == nil {
				b = append(st.maskBuf[:0], s...)
			}
			for x := j + 1; x < j+len(m)-1; x++ {
				b[x] = '~'
			}
			from = j + len(m)
			break
		}
	}
	if b == nil {
		return s
	}
	st.maskBuf = b
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// release resets st and returns it to the pool.
func (st *state) release() {
	st.orig, st.s, st.lo, st.off = "", "", "", nil
	st.hasDigit, st.hasAt, st.chainsOK = false, false, false
	st.spans = st.spans[:0]
	st.blocked = st.blocked[:0]
	st.chains = st.chains[:0]
	for i := range st.hits {
		st.hits[i] = st.hits[i][:0]
	}
	st.gbuf = st.gbuf[:0]
	st.sbuf = st.sbuf[:0]
	statePool.Put(st)
}

// appendNormalize appends to out t mapped to NFKC rune by rune, without
// invisible characters, with typographic apostrophes and dashes mapped to
// ASCII and bullets to spaces, and appends to off the offset map back to t.
func appendNormalize(out []byte, off []int, t string) ([]byte, []int) {
	var buf [utf8.UTFMax]byte
	out = slices.Grow(out, len(t))
	off = slices.Grow(off, len(t)+1)
	for i := 0; i < len(t); {
		if t[i] < utf8.RuneSelf {
			// A run of ASCII at once.
			j := i + 1
			for j < len(t) && t[j] < utf8.RuneSelf {
				j++
			}
			out = append(out, t[i:j]...)
			for ; i < j; i++ {
				off = append(off, i)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(t[i:])
		i0 := i
		i += size
		if r >= 0xC0 && r <= 0x24F && r != 0xD7 && r != 0xF7 && r < 0x132 {
			// Latin-1 and Latin Extended-A letters are NFKC already.
			n0 := len(out)
			out = utf8.AppendRune(out, r)
			for j := n0; j < len(out); j++ {
				off = append(off, i0)
			}
			continue
		}
		if text.IsInvisible(r) {
			continue
		}
		var rep string
		switch r {
		case '\u2018', '\u2019', '\u02bc', '\u00b4', '\u2032':
			rep = "'"
		case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
			rep = "-"
		case '\u00b7', '\u2022', '\u2219', '\u2027':
			rep = " "
		case '\u00a0', '\u202f', '\u2007', '\u2009', '\u200a':
			rep = " "
		}
		n0 := len(out)
		if rep != "" {
			out = append(out, rep...)
		} else {
			n := utf8.EncodeRune(buf[:], r)
			if norm.NFKC.IsNormal(buf[:n]) {
				out = append(out, buf[:n]...)
			} else {
				out = norm.NFKC.Append(out, buf[:n]...)
			}
		}
		for j := n0; j < len(out); j++ {
			off = append(off, i0)
		}
	}
	off = append(off, len(t))
	return out, off
}

// lowerASCII lower-cases the ASCII letters of s.
func (st *state) lowerASCII(s string) string {
	i := indexUpper(s)
	if i < 0 {
		return s
	}
	b := append(st.lobuf[:0], s...)
	lowerFrom(b, i)
	st.lobuf = b
	return string(b)
}

// free reports whether [a, b) overlaps no claimed or blocked span.
func (st *state) free(a, b int) bool {
	for _, s := range st.spans {
		if a < s.End && s.Start < b {
			return false
		}
	}
	for _, iv := range st.blocked {
		if a < iv.en && iv.st < b {
			return false
		}
	}
	return true
}

// claim records a datum of kind k at [a, b) unless the range is taken.
func (st *state) claim(k Kind, a, b int) bool {
	if a >= b || !st.free(a, b) {
		return false
	}
	st.spans = append(st.spans, Span{Kind: k, Start: a, End: b})
	return true
}

// block protects [a, b) from every later detector.
func (st *state) block(a, b int) {
	if a < b {
		st.blocked = append(st.blocked, interval{a, b})
	}
}

// result maps the spans back to the original text, sorted.
func (st *state) result() []Span {
	if len(st.spans) == 0 {
		return nil
	}
	out := slices.Clone(st.spans)
	if st.off != nil {
		for i := range out {
			out[i].Start = st.off[out[i].Start]
			out[i].End = st.off[out[i].End]
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
	// Spans are disjoint in s; the offset map is monotonic, so they stay
	// disjoint, but a dropped invisible character could make two touch.
	w := 0
	for _, s := range out {
		if s.Start >= s.End {
			continue
		}
		if w > 0 && s.Start < out[w-1].End {
			continue
		}
		out[w] = s
		w++
	}
	return out[:w]
}

// Character classes over the normalised text.

// letterAt reports whether a letter (of any script) starts at s[i].
func letterAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	if c < 0x80 {
		return isAlpha(c)
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// letterBefore reports whether the rune ending at s[i-1] is a letter.
func letterBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	c := s[i-1]
	if c < 0x80 {
		return isAlpha(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

// wordCharBefore reports whether a letter or a digit ends at s[i-1].
func wordCharBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	if c := s[i-1]; c < utf8.RuneSelf {
		return isAlnum(c)
	}
	return letterBefore(s, i)
}

// wordCharAt reports whether a letter or a digit starts at s[i].
func wordCharAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return isAlnum(c)
	}
	return letterAt(s, i)
}

func digitAt(s string, i int) bool { return i >= 0 && i < len(s) && isDigit(s[i]) }

// indexWord returns the first index >= from where w occurs in lo as a
// whole word (no letter or digit on either side), or -1.
func indexWord(lo, w string, from int) int {
	for from <= len(lo)-len(w) {
		j := indexFrom(lo, w, from)
		if j < 0 {
			return -1
		}
		okL := !isAlnumWord(w[0]) || !wordCharBefore(lo, j)
		okR := !isAlnumWord(w[len(w)-1]) || !wordCharAt(lo, j+len(w))
		if okL && okR {
			return j
		}
		from = j + 1
	}
	return -1
}

func isAlnumWord(c byte) bool { return isAlnum(c) || c >= 0x80 }

func indexFrom(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	j := index(s[from:], sub)
	if j < 0 {
		return -1
	}
	return from + j
}

// hasWordIn reports whether any of words occurs as a whole word inside
// lo[a:b] (a word may not run past b).
func hasWordIn(lo string, a, b int, words ...string) bool {
	if a < 0 {
		a = 0
	}
	if b > len(lo) {
		b = len(lo)
	}
	if a >= b {
		return false
	}
	w := lo[:b]
	for _, x := range words {
		if j := indexWord(w, x, a); j >= 0 {
			return true
		}
	}
	return false
}

// hasPrefixWordIn is like hasWordIn but the words only need a boundary on
// the left (they are stems: "trasferit" matches "trasferita").
func hasPrefixWordIn(lo string, a, b int, stems ...string) bool {
	if a < 0 {
		a = 0
	}
	if b > len(lo) {
		b = len(lo)
	}
	if a >= b {
		return false
	}
	w := lo[:b]
	for _, x := range stems {
		from := a
		for {
			j := indexFrom(w, x, from)
			if j < 0 {
				break
			}
			if !wordCharBefore(w, j) {
				return true
			}
			from = j + 1
		}
	}
	return false
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if index(s, x) >= 0 {
			return true
		}
	}
	return false
}

// sentenceStart returns the start of the clause containing i, looking
// back at most max bytes: it stops after '.', '!', '?', ';' or a newline
// followed by a space (abbreviations such as "n." keep their dot).
func sentenceStart(s string, i, max int) int {
	lim := i - max
	if lim < 0 {
		lim = 0
	}
	for j := i - 1; j >= lim; j-- {
		c := s[j]
		if c == '\n' || c == '!' || c == '?' || c == ';' {
			return j + 1
		}
		if c == '.' && j+1 < len(s) && s[j+1] == ' ' && j >= 3 && isAlpha(s[j-1]) && isAlpha(s[j-2]) && isAlpha(s[j-3]) {
			return j + 1
		}
	}
	return lim
}

// clampBack returns the start of a window of n bytes before i, moved to
// a rune boundary.
func clampBack(s string, i, n int) int {
	a := i - n
	if a <= 0 {
		return 0
	}
	for a < i && !utf8.RuneStart(s[a]) {
		a++
	}
	return a
}

func clampFwd(s string, i, n int) int {
	b := i + n
	if b >= len(s) {
		return len(s)
	}
	for b > i && !utf8.RuneStart(s[b]) {
		b--
	}
	return b
}
