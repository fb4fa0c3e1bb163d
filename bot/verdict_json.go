package bot

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot/internal/swar"
)

// AppendJSON appends the verdict's JSON line of the classification
// contract to b, without HTML escaping: the same bytes as encoding/json
// with SetEscapeHTML(false), without its reflection.
func (v *Verdict) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, v.ID)
	b = append(b, `,"pii":`...)
	b = appendList(b, v.PII)
	b = append(b, `,"violations":`...)
	b = appendList(b, v.Violations)
	b = append(b, `,"intent":`...)
	b = appendString(b, string(v.Intent))
	b = append(b, `,"personal":`...)
	b = strconv.AppendBool(b, v.Personal)
	b = append(b, `,"actions":`...)
	b = appendList(b, v.Actions)
	b = append(b, `,"reply":`...)
	b = appendReply(b, v.Reply)
	b = append(b, `,"redacted":`...)
	b = appendString(b, v.Redacted)
	return append(b, '}')
}

// appendReply is appendString for a reply. Replies come from a small
// catalogue, so their escaped forms are kept in a few slots (chosen by
// length), each holding the last reply of its length: a reply seen
// before is copied instead of escaped again. The slots hold immutable
// entries behind atomic pointers, so concurrent verdicts may share them.
func appendReply(b []byte, s string) []byte {
	if len(s) < minCachedReply {
		return appendString(b, s)
	}
	slot := &replySlots[len(s)%len(replySlots)]
	if e := slot.Load(); e != nil && e.text == s {
		return append(b, e.json...)
	}
	n := len(b)
	b = appendString(b, s)
	slot.Store(&escapedReply{text: strings.Clone(s), json: slices.Clone(b[n:])})
	return b
}

// minCachedReply is the length below which escaping costs less than a
// look in the cache.
const minCachedReply = 64

type escapedReply struct {
	text string
	json []byte // text as a JSON string, quotes included
}

var replySlots [64]atomic.Pointer[escapedReply]

func appendList[T ~string](b []byte, xs []T) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(x))
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping as encoding/json does
// with HTML escaping off: quotes, backslashes, control characters, U+2028
// and U+2029; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip eight plain bytes at a time: most of a verdict is ASCII
		// text that needs no escape.
		for i+8 <= len(s) {
			if !plain8(swar.Load(s[i : i+8])) {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plain8 reports whether the eight bytes of x are printable ASCII other
// than '"' and '\\', that is bytes appendString copies as they are.
func plain8(x uint64) bool {
	const ones = swar.Ones
	ctl := (x - 0x20*ones) & ^x // high bit set where a byte is below 0x20
	q := x ^ ('"' * ones)       // zero where a byte is '"'
	bs := x ^ ('\\' * ones)
	return (ctl|(q-ones)&^q|(bs-ones)&^bs|x)&swar.Highs == 0
}
