// Package text builds the forms of a post's text that the detectors read:
// Display (HTML stripped, entities unescaped, NFC) and Fold (NFKC, no
// invisible characters, no accents, lower case). It is pure.
package text

import (
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/net/html"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/inps-social/inpsbot/bot/internal/swar"
)

// Display returns the text a person would read: when raw looks like HTML
// (Mastodon statuses), tags are dropped, <br> and </p> become newlines and
// links keep their full text; entities are unescaped; the result is NFC.
func Display(raw string) string {
	if strings.IndexByte(raw, '<') >= 0 && looksLikeHTML(raw) {
		raw = stripHTML(raw)
	} else if strings.IndexByte(raw, '&') >= 0 {
		raw = html.UnescapeString(raw)
	}
	if IsASCII(raw) {
		return raw // already in NFC
	}
	return norm.NFC.String(raw)
}

// IsASCII reports whether s is all ASCII, looking at eight bytes at a time.
func IsASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if swar.Load(s[i:i+8])&swar.Highs != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func looksLikeHTML(s string) bool {
	for _, tag := range []string{"<p", "<br", "<a ", "<span", "<div", "</"} {
		if strings.Contains(s, tag) {
			return true
		}
	}
	return false
}

// stripHTML tokenises s and keeps its text. A link whose text is a
// shortened URL (Mastodon's "invisible"/"ellipsis" spans) keeps its text
// in full, since the spans' text is only hidden, not removed.
func stripHTML(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br":
				b.WriteByte('\n')
			case "p", "div", "li":
				if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
					b.WriteByte('\n')
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if string(name) == "p" || string(name) == "div" || string(name) == "li" {
				b.WriteByte('\n')
			}
		}
	}
}

// IsInvisible reports whether r is a format character, a variation
// selector or a keycap mark: characters that change no letter but can
// split a word or a number.
func IsInvisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || (r >= 0xFE00 && r <= 0xFE0F) || r == 0x20E3 ||
		(r >= 0xE0100 && r <= 0xE01EF)
}

var foldChain = transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(func(r rune) bool {
	return unicode.Is(unicode.Mn, r) || IsInvisible(r)
})), norm.NFC)

// Fold returns s in NFKC compatibility form, without invisible characters
// and accents, in lower case: the form lexicons are matched against.
//
// ASCII and the Latin blocks go through a precomputed table; any other
// character sends the whole string through the full Unicode chain.
func Fold(s string) string {
	if isLowerASCII(s) {
		return s
	}
	b := AppendFold(make([]byte, 0, len(s)), s)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// AppendFold appends Fold(s) to dst, for callers that reuse a buffer.
func AppendFold(dst []byte, s string) []byte {
	n0 := len(dst)
	for i := 0; i < len(s); {
		// Eight ASCII bytes at a time, their capitals lower-cased.
		for i+8 <= len(s) {
			x := swar.Load(s[i : i+8])
			if x&swar.Highs != 0 {
				break
			}
			dst = binary.LittleEndian.AppendUint64(dst, x+swar.Upper(x)>>2)
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= latinEnd || r == utf8.RuneError {
			return append(dst[:n0], foldSlow(s)...)
		}
		dst = append(dst, latinFold[r]...)
		i += n
	}
	return dst
}

// isLowerASCII reports whether s is ASCII without upper-case letters, the
// strings that Fold returns unchanged.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// latinEnd bounds the table: Latin-1 Supplement, Latin Extended-A and -B,
// IPA and the combining marks.
const latinEnd = 0x370

var latinFold = func() [latinEnd]string {
	var t [latinEnd]string
	for r := rune(0); r < latinEnd; r++ {
		t[r] = foldSlow(string(r))
	}
	return t
}()

func foldSlow(s string) string {
	out, _, err := transform.String(foldChain, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}
