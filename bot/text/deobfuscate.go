package text

import (
	"encoding/binary"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/inps-social/inpsbot/bot/internal/swar"
)

// Kind classifies a Token.
type Kind uint8

// The kinds of token Analyze produces.
const (
	Word    Kind = iota // letters, possibly recovered from an obfuscated spelling
	Number              // digits only
	Mention             // @user or @user@instance
	Hashtag             // #tag; Norm holds the folded tag without '#'
	URL                 // a link; Norm is lower case, without scheme
	Email               // an e-mail address
	Emoji               // one pictographic symbol
	Symbol              // a standalone currency or percent sign
)

// Token is one unit of a post's text, with its folded form.
type Token struct {
	Raw      string // as written: case and accents kept
	Norm     string // folded, deobfuscated form that lexicons match
	Kind     Kind
	Sentence int  // index of the sentence the token belongs to
	Changed  bool // Norm was recovered from an obfuscated spelling
}

// WordSet is a set of folded words that deobfuscation tries to recover:
// a disguised spelling is only rewritten when the result is in the set.
type WordSet struct {
	words   map[string]struct{}
	byFirst map[byte][]string
}

// NewWordSet builds a WordSet from folded, lower-case words.
func NewWordSet(words []string) *WordSet {
	s := &WordSet{words: make(map[string]struct{}, len(words)), byFirst: map[byte][]string{}}
	for _, w := range words {
		if w == "" {
			continue
		}
		if _, ok := s.words[w]; ok {
			continue
		}
		s.words[w] = struct{}{}
		s.byFirst[w[0]] = append(s.byFirst[w[0]], w)
	}
	for _, l := range s.byFirst {
		sort.Strings(l)
	}
	return s
}

// Has reports whether w is in the set.
func (s *WordSet) Has(w string) bool {
	if s == nil {
		return false
	}
	_, ok := s.words[w]
	return ok
}

// MatchMask returns the first word of the set that the masked pattern
// matches: '?' stands for exactly one letter, and a trailing '*' for one
// or more letters. The first letter must be given and at least two letters
// must be known.
func (s *WordSet) MatchMask(pattern string) (string, bool) {
	if s == nil || len(pattern) < 3 || pattern[0] == '?' || pattern[0] == '*' {
		return "", false
	}
	open := strings.HasSuffix(pattern, "*")
	fixed := strings.TrimSuffix(pattern, "*")
	known := 0
	for i := 0; i < len(fixed); i++ {
		switch c := fixed[i]; {
		case c == '?':
		case c >= 'a' && c <= 'z':
			known++
		default:
			return "", false
		}
	}
	if known < 2 || (open && known < 3) {
		return "", false
	}
	for _, w := range s.byFirst[pattern[0]] {
		if open {
			if len(w) <= len(fixed) || !maskEqual(w[:len(fixed)], fixed) {
				continue
			}
		} else if len(w) != len(fixed) || !maskEqual(w, fixed) {
			continue
		}
		return w, true
	}
	return "", false
}

func maskEqual(w, p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '?' && p[i] != w[i] {
			return false
		}
	}
	return true
}

// leet maps the symbols and digits of leetspeak to letters.
var leet = map[rune]rune{'4': 'a', '3': 'e', '1': 'i', '0': 'o', '5': 's', '7': 't', '@': 'a', '$': 's', '€': 'e', '!': 'i'}

// Unleet rewrites leetspeak in a token that mixes letters with digits or
// symbols (c4zz0 → cazzo); tokens without a letter are returned unchanged.
// The second result is the variant with 1 read as l.
func Unleet(tok string) (string, string) {
	hasLetter, hasLeet := false, false
	for _, r := range tok {
		if unicode.IsLetter(r) {
			hasLetter = true
		} else if _, ok := leet[r]; ok {
			hasLeet = true
		}
	}
	if !hasLetter || !hasLeet {
		return tok, tok
	}
	var a, b strings.Builder
	for _, r := range tok {
		if m, ok := leet[r]; ok {
			a.WriteRune(m)
			if r == '1' {
				m = 'l'
			}
			b.WriteRune(m)
			continue
		}
		a.WriteRune(r)
		b.WriteRune(r)
	}
	return a.String(), b.String()
}

// SqueezeRuns shortens every run of more than max identical letters to
// max letters (merdaaa → merdaa with max 2).
func SqueezeRuns(s string, max int) string {
	if max < 1 || len(s) <= max {
		return s
	}
	var b strings.Builder
	var prev rune = -1
	n, changed := 0, false
	for _, r := range s {
		if r == prev && unicode.IsLetter(r) {
			n++
		} else {
			prev, n = r, 1
		}
		if n > max {
			changed = true
			continue
		}
		b.WriteRune(r)
	}
	if !changed {
		return s
	}
	return b.String()
}

// confusables maps Cyrillic and Greek letters that look like Latin ones
// (UTS #39 confusables) to those Latin letters.
var confusables = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'һ': 'h', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T',
	'Х': 'X', 'І': 'I', 'Ј': 'J', 'Ѕ': 'S',
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'γ': 'y', 'η': 'n', 'μ': 'u', 'ς': 's',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// Unconfuse maps Cyrillic and Greek look-alikes to Latin letters, but only
// in a token that mixes Latin letters with Cyrillic or Greek ones (сazzo
// with a Cyrillic с); a token in one script is returned unchanged.
func Unconfuse(tok string) (string, bool) {
	latin, other := false, false
	for _, r := range tok {
		switch {
		case r < 0x80 && unicode.IsLetter(r), unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.Is(unicode.Cyrillic, r), unicode.Is(unicode.Greek, r):
			other = true
		}
	}
	if !latin || !other {
		return tok, false
	}
	return strings.Map(func(r rune) rune {
		if m, ok := confusables[r]; ok {
			return m
		}
		return r
	}, tok), true
}

// isMask reports whether r may hide letters inside a word.
func isMask(r rune) bool {
	switch r {
	case '*', '#', '_', '.', '-', '+', '•', '·':
		return true
	}
	return false
}

// isEmoji reports whether r is a pictographic symbol that Analyze keeps as
// a token of its own.
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF && !(r >= 0x1F3FB && r <= 0x1F3FF) ||
		r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF || r == 0x2639 || r == 0x263A
}

// sentenceEnd reports whether r closes a sentence.
func sentenceEnd(r rune) bool { return r == '.' || r == '!' || r == '?' || r == ';' || r == '…' }

var foldTable = func() map[rune]byte {
	m := map[rune]byte{}
	add := func(letters string, to byte) {
		for _, r := range letters {
			m[r] = to
		}
	}
	add("àáâäãåÀÁÂÄÃÅ", 'a')
	add("èéêëÈÉÊË", 'e')
	add("ìíîïÌÍÎÏ", 'i')
	add("òóôöõÒÓÔÖÕ", 'o')
	add("ùúûüÙÚÛÜ", 'u')
	add("çÇ", 'c')
	add("ñÑ", 'n')
	return m
}()

// foldWord folds one word: ASCII and common accented letters directly,
// anything else through Fold.
func foldWord(s string) string {
	simple, lower := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			simple = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			lower = false
		}
	}
	if simple {
		if lower {
			return s
		}
		return strings.ToLower(s)
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			b = append(b, byte(r))
		default:
			c, ok := foldTable[r]
			if !ok {
				return Fold(s)
			}
			b = append(b, c)
		}
	}
	return string(b)
}

// Analyze splits s (display or redacted text, not folded) into tokens and
// undoes the usual disguises of the words in lex: confusable letters in
// mixed-script tokens, leetspeak in tokens mixing letters with digits or
// symbols, masks inside a token (deleted, else read as one-letter
// wildcards), spaced single letters, and runs of three or more identical
// letters. A disguised spelling is rewritten only when the result is in
// lex; plain words are only folded.
func Analyze(s string, lex *WordSet) []Token {
	return AppendAnalyze(make([]Token, 0, len(s)/5+1), s, lex)
}

// AppendAnalyze is Analyze appending to dst, for callers that reuse a
// token buffer.
func AppendAnalyze(dst []Token, s string, lex *WordSet) []Token {
	toks := dst[:0]
	lower := asciiLower(s)
	sent := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			if c == '\n' && len(toks) > 0 && toks[len(toks)-1].Sentence == sent {
				sent++
			}
			i++
			continue
		}
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				i += n
				continue
			}
		}
		end := i
		for end < len(s) {
			c := s[end]
			if chunkStop[c] {
				if c < 0x80 {
					break // an ASCII space
				}
				r, n := utf8.DecodeRuneInString(s[end:])
				if unicode.IsSpace(r) {
					break
				}
				end += n
				continue
			}
			end++
		}
		chunk := s[i:end]
		before := len(toks)
		if !fastChunk(&toks, chunk, lower[i:end], sent) {
			toks = analyzeChunk(toks, chunk, sent, lex)
		}
		i = end
		if len(toks) > before {
			sent = toks[len(toks)-1].Sentence
		}
		if last := chunk[len(chunk)-1]; (last == '.' || last == '!' || last == '?' || last == ';' || last >= 0x80 &&
			sentenceEnd(lastRune(chunk))) && len(toks) > 0 && toks[len(toks)-1].Sentence == sent {
			sent++
		}
	}
	return joinSpaced(toks, lex)
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// chunkStop marks the bytes that may end a chunk: the ASCII spaces that
// AppendAnalyze splits at, and the first bytes of other characters
// (which may be spaces).
var chunkStop = func() (t [256]bool) {
	t[' '], t['\t'], t['\r'], t['\n'] = true, true, true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// asciiLower lower-cases the ASCII letters of s, keeping byte offsets.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			j := i
			for ; j+8 <= len(b); j += 8 { // eight bytes at a time
				x := binary.LittleEndian.Uint64(b[j:])
				binary.LittleEndian.PutUint64(b[j:], x+swar.Upper(x)>>2)
			}
			for ; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return unsafe.String(unsafe.SliceData(b), len(b))
		}
	}
	return s
}

// fastChunk handles the common chunks: words of letters (ASCII, or the
// accented letters of Italian and its neighbours) with apostrophes
// inside, and plain numbers, with plain punctuation around. It reports
// false to let analyzeChunk handle anything else; what it emits is what
// analyzeChunk would (fastchunk_test.go holds the two together).
func fastChunk(toks *[]Token, chunk, lower string, sent int) bool {
	lo, hi := 0, len(chunk)
	for lo < hi && isPlainPunct(chunk[lo]) {
		lo++
	}
	for hi > lo && isPlainPunct(chunk[hi-1]) {
		hi--
	}
	if lo == hi {
		return false
	}
	if c := chunk[lo]; c >= '0' && c <= '9' {
		for k := lo + 1; k < hi; k++ {
			if c := chunk[k]; c < '0' || c > '9' {
				return false
			}
		}
		*toks = append(*toks, Token{Raw: chunk[lo:hi], Norm: chunk[lo:hi], Kind: Number, Sentence: sent})
		return true
	}
	// One pass: every character a letter or an apostrophe, no run of
	// three identical folded characters (those need the slow path), words
	// split at the apostrophes. lower holds chunk with its ASCII letters
	// lower-cased.
	n := len(*toks)
	start := lo
	accented := false
	var p1, p2 byte // the two folded characters before
	for k := lo; k < hi; k++ {
		c := lower[k]
		if c >= 0x80 {
			// U+00C0–U+00FF are 0xC3 and a continuation byte.
			if c != 0xC3 || k+1 >= hi || lower[k+1]&0xC0 != 0x80 {
				return fastFail(toks, n)
			}
			if c = latin1Fold[lower[k+1]&0x3F]; c == 0 {
				return fastFail(toks, n)
			}
			accented = true
			k++
		} else if c != '\'' && (c < 'a' || c > 'z') {
			return fastFail(toks, n)
		}
		if c == p1 && c == p2 {
			return fastFail(toks, n)
		}
		p2, p1 = p1, c
		if c == '\'' {
			if k > start {
				norm := lower[start:k]
				if accented {
					norm = foldLatin(norm)
				}
				*toks = append(*toks, Token{Raw: chunk[start:k], Norm: norm, Kind: Word, Sentence: sent})
			}
			start, accented = k+1, false
		}
	}
	if hi > start {
		norm := lower[start:hi]
		if accented {
			norm = foldLatin(norm)
		}
		*toks = append(*toks, Token{Raw: chunk[start:hi], Norm: norm, Kind: Word, Sentence: sent})
	}
	return true
}

// fastFail drops the tokens fastChunk appended past n and reports false.
func fastFail(toks *[]Token, n int) bool {
	clear((*toks)[n:])
	*toks = (*toks)[:n]
	return false
}

// foldLatin folds a lower-cased word of ASCII letters and the accented
// letters fastChunk takes.
func foldLatin(lower string) string {
	var b strings.Builder
	b.Grow(len(lower))
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if c >= 0x80 {
			i++
			c = latin1Fold[lower[i]&0x3F]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// latin1Fold folds the letters U+00C0–U+00FF that foldWord folds, indexed
// by the low six bits of their second UTF-8 byte; 0 for the others.
var latin1Fold = func() (t [64]byte) {
	for r, c := range foldTable {
		if r >= 0xC0 && r <= 0xFF {
			t[r&0x3F] = c
		}
	}
	return t
}()

func isPlainPunct(c byte) bool {
	switch c {
	case '.', ',', ';', ':', '!', '?', '"', '\'', '(', ')', '[', ']':
		return true
	}
	return false
}

var urlTLD = map[string]bool{"it": true, "com": true, "me": true, "ly": true, "ee": true, "net": true, "org": true,
	"eu": true, "io": true, "info": true, "biz": true, "gl": true, "gd": true, "at": true, "cc": true, "co": true,
	"uk": true, "de": true, "fr": true, "es": true, "be": true, "ch": true, "social": true, "uno": true, "app": true,
	"online": true, "shop": true, "site": true, "link": true, "gle": true, "be/": true, "to": true, "xyz": true, "tv": true}

// looksLikeURL reports whether a chunk (trimmed of punctuation) is a link.
func looksLikeURL(c string) bool {
	if strings.Contains(c, "://") || len(c) > 4 && strings.EqualFold(c[:4], "www.") {
		return true
	}
	host := c
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || dot == len(host)-1 {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	tld := host[dot+1:]
	if len(tld) > 6 {
		return false
	}
	var buf [8]byte
	for i := 0; i < len(tld); i++ {
		c := tld[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return urlTLD[string(buf[:len(tld)])]
}

func analyzeChunk(toks []Token, chunk string, sent int, lex *WordSet) []Token {
	c := strings.TrimFunc(chunk, func(r rune) bool {
		return unicode.IsPunct(r) && r != '@' && r != '#' && r != '*' && r != '_' || r == '<' || r == '>' || r == '|'
	})
	if c == "" {
		return emitEmoji(toks, chunk, sent)
	}
	switch {
	case looksLikeURL(c):
		norm := strings.ToLower(c)
		if i := strings.Index(norm, "://"); i >= 0 {
			norm = norm[i+3:]
		}
		return append(toks, Token{Raw: c, Norm: norm, Kind: URL, Sentence: sent})
	case c[0] == '@' && len(c) > 1:
		body := strings.TrimRightFunc(c[1:], func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') })
		if body != "" && !strings.ContainsAny(body[:1], "*") {
			if i := strings.IndexByte(body, '@'); i > 0 {
				body = body[:i]
			}
			return append(toks, Token{Raw: c, Norm: "@" + strings.ToLower(body), Kind: Mention, Sentence: sent})
		}
	case c[0] == '#' && len(c) > 1 && (unicode.IsLetter(rune(c[1])) || c[1] >= 0x80):
		body := strings.TrimRightFunc(c[1:], func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') })
		return append(toks, Token{Raw: c, Norm: foldWord(body), Kind: Hashtag, Sentence: sent})
	}
	if at := strings.IndexByte(c, '@'); at > 0 && strings.IndexByte(c[at:], '.') > 0 {
		return append(toks, Token{Raw: c, Norm: strings.ToLower(c), Kind: Email, Sentence: sent})
	}
	// Split on hard separators (apostrophes, slashes, brackets, quotes,
	// emoji...), keep soft ones (masks and leetspeak symbols) inside.
	start := -1
	for i, r := range c {
		hard := r == '\'' || r == '’' || r == '`' || r == '/' || r == '\\' || r == '(' || r == ')' || r == '[' ||
			r == ']' || r == '"' || r == '«' || r == '»' || r == '“' || r == '”' || r == ',' || r == ':' ||
			r == ';' || r == '?' || r == '=' || r == '&' || r == '%' || r == '|' || r == '<' || r == '>' ||
			r == '…' || isEmoji(r) || r == '\u200d' || unicode.IsSymbol(r) && r != '$' && r != '€'
		if hard {
			if start >= 0 {
				toks = analyzeWord(toks, c[start:i], sent, lex)
				start = -1
			}
			if isEmoji(r) {
				toks = append(toks, Token{Raw: string(r), Norm: string(r), Kind: Emoji, Sentence: sent})
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		toks = analyzeWord(toks, c[start:], sent, lex)
	}
	return toks
}

func emitEmoji(toks []Token, chunk string, sent int) []Token {
	for _, r := range chunk {
		if isEmoji(r) {
			toks = append(toks, Token{Raw: string(r), Norm: string(r), Kind: Emoji, Sentence: sent})
		}
	}
	return toks
}

// analyzeWord handles one piece of a chunk between hard separators: plain
// letters, digits, or a mix with masks and leetspeak symbols.
func analyzeWord(toks []Token, w string, sent int, lex *WordSet) []Token {
	w = strings.TrimRightFunc(w, func(r rune) bool { return r == '.' || r == '!' || r == '-' || r == '+' || r == '•' || r == '·' })
	w = strings.TrimLeftFunc(w, func(r rune) bool { return isMask(r) || r == '!' || r == '$' })
	if w == "" {
		return toks
	}
	letters, digits, other := 0, 0, 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		case IsInvisible(r) || unicode.Is(unicode.Mn, r):
		default:
			other++
		}
	}
	if letters == 0 {
		// numbers, amounts, a standalone € or $: split digits from symbols
		return splitNumber(toks, w, sent)
	}
	if other == 0 && digits == 0 {
		return append(toks, plainWord(w, sent, lex))
	}
	// A mix: try the whole token recovered, else its parts.
	conf, _ := Unconfuse(w)
	f := foldWord(conf)
	if rec, ok := recoverWord(f, lex); ok {
		return append(toks, Token{Raw: w, Norm: rec, Kind: Word, Sentence: sent, Changed: true})
	}
	// split on masks and symbols into letter/digit parts
	start := -1
	for i, r := range w {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || IsInvisible(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			toks = appendPart(toks, w[start:i], sent, lex)
			start = -1
		}
		if r == '€' || r == '$' {
			toks = append(toks, Token{Raw: string(r), Norm: string(r), Kind: Symbol, Sentence: sent})
		}
	}
	if start >= 0 {
		toks = appendPart(toks, w[start:], sent, lex)
	}
	return toks
}

func appendPart(toks []Token, p string, sent int, lex *WordSet) []Token {
	if p == "" {
		return toks
	}
	hasLetter := false
	for _, r := range p {
		if unicode.IsLetter(r) {
			hasLetter = true
			break
		}
	}
	if !hasLetter {
		return append(toks, Token{Raw: p, Norm: p, Kind: Number, Sentence: sent})
	}
	return append(toks, plainWord(p, sent, lex))
}

func splitNumber(toks []Token, w string, sent int) []Token {
	start := -1
	for i, r := range w {
		if unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			toks = append(toks, Token{Raw: w[start:i], Norm: w[start:i], Kind: Number, Sentence: sent})
			start = -1
		}
		if r == '€' || r == '$' || r == '%' {
			toks = append(toks, Token{Raw: string(r), Norm: string(r), Kind: Symbol, Sentence: sent})
		}
	}
	if start >= 0 {
		toks = append(toks, Token{Raw: w[start:], Norm: w[start:], Kind: Number, Sentence: sent})
	}
	return toks
}

// plainWord folds a token of letters (and possibly digits), undoing
// confusables, leetspeak and letter runs when that yields a lexicon word.
func plainWord(w string, sent int, lex *WordSet) Token {
	conf, mixed := Unconfuse(w)
	f := foldWord(conf)
	t := Token{Raw: w, Norm: f, Kind: Word, Sentence: sent}
	if lex.Has(f) {
		t.Changed = mixed
		return t
	}
	if rec, ok := recoverWord(f, lex); ok {
		t.Norm, t.Changed = rec, true
		return t
	}
	if mixed {
		t.Norm, t.Changed = f, true
	}
	return t
}

// recoverWord tries the disguises on a folded token and returns the lexicon
// word it hides.
func recoverWord(f string, lex *WordSet) (string, bool) {
	if lex == nil {
		return "", false
	}
	try := func(c string) (string, bool) {
		if lex.Has(c) {
			return c, true
		}
		for _, v := range runVariants(c) {
			if lex.Has(v) {
				return v, true
			}
		}
		return "", false
	}
	if r, ok := try(f); ok {
		return r, true
	}
	a, b := Unleet(f)
	for _, c := range []string{a, b} {
		if c == f {
			continue
		}
		if r, ok := try(c); ok {
			return r, true
		}
	}
	// masks: deleted, else one-letter wildcards
	if strings.IndexFunc(f, isMask) >= 0 {
		del := strings.Map(func(r rune) rune {
			if isMask(r) {
				return -1
			}
			return r
		}, a)
		if r, ok := try(del); ok {
			return r, true
		}
		var pb strings.Builder
		rs := []rune(a)
		last := len(rs)
		for last > 0 && isMask(rs[last-1]) {
			last--
		}
		for _, r := range rs[:last] {
			if isMask(r) {
				pb.WriteByte('?')
			} else {
				pb.WriteRune(r)
			}
		}
		if last < len(rs) {
			if last < len(rs)-1 || rs[last] == '*' {
				pb.WriteByte('*')
			} else {
				pb.WriteByte('?')
			}
		}
		if r, ok := lex.MatchMask(pb.String()); ok {
			return r, true
		}
	}
	return "", false
}

// runVariants returns the spellings of s with each run of three or more
// identical letters cut to two or to one letter (merdaaa → merdaa, merda);
// nil when s has no such run.
func runVariants(s string) []string {
	type run struct{ i, j int }
	rs := []rune(s)
	var runs []run
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		if j-i >= 3 && unicode.IsLetter(rs[i]) {
			runs = append(runs, run{i, j})
		}
		i = j
	}
	if len(runs) == 0 || len(runs) > 4 {
		if len(runs) > 4 {
			return []string{SqueezeRuns(s, 2)}
		}
		return nil
	}
	out := make([]string, 0, 1<<len(runs))
	for mask := 0; mask < 1<<len(runs); mask++ {
		var b strings.Builder
		prev := 0
		for k, r := range runs {
			b.WriteString(string(rs[prev:r.i]))
			keep := 2
			if mask&(1<<k) != 0 {
				keep = 1
			}
			b.WriteString(string(rs[r.i : r.i+keep]))
			prev = r.j
		}
		b.WriteString(string(rs[prev:]))
		out = append(out, b.String())
	}
	return out
}

// joinSpaced joins runs of three or more one-letter words (s t r o n z o)
// when the joined letters, or a stretch of them, form a lexicon word.
func joinSpaced(toks []Token, lex *WordSet) []Token {
	if lex == nil {
		return toks
	}
	single := func(t Token) bool {
		return t.Kind == Word && len(t.Norm) == 1 && t.Norm[0] >= 'a' && t.Norm[0] <= 'z'
	}
	for i := 0; i < len(toks); i++ {
		if !single(toks[i]) {
			continue
		}
		j := i
		for j < len(toks) && single(toks[j]) {
			j++
		}
		if j-i < 3 {
			i = j
			continue
		}
		joined := false
		for a := i; a+3 <= j && !joined; a++ {
			for b := j; b-a >= 3; b-- {
				var sb strings.Builder
				var raw strings.Builder
				for k := a; k < b; k++ {
					sb.WriteString(toks[k].Norm)
					raw.WriteString(toks[k].Raw)
				}
				if w, ok := recoverWord(sb.String(), lex); ok {
					t := Token{Raw: raw.String(), Norm: w, Kind: Word, Sentence: toks[a].Sentence, Changed: true}
					toks = append(toks[:a], append([]Token{t}, toks[b:]...)...)
					joined = true
					break
				}
			}
		}
		if !joined {
			i = j
		}
	}
	return toks
}
