package telegram

import (
	"strings"
	"unicode/utf16"
)

// Split cuts text into parts of at most limit UTF-16 code units (Telegram's
// measure), preferring a paragraph break, then a line break, then the end
// of a sentence, then a space, in the second half of each part; only a text
// without any of them is cut mid-word (on a rune boundary). Parts are
// trimmed; an empty text gives no parts.
func Split(text string, limit int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for text != "" {
		if utf16Len(text) <= limit {
			parts = append(parts, text)
			break
		}
		max := prefixLen(text, limit)
		cut := boundary(text[:max])
		part := strings.TrimSpace(text[:cut])
		if part == "" { // only spaces before the boundary: cut hard
			cut, part = max, text[:max]
		}
		parts = append(parts, part)
		text = strings.TrimSpace(text[cut:])
	}
	return parts
}

// prefixLen is the byte length of the longest prefix of s within limit
// UTF-16 code units, ending on a rune boundary.
func prefixLen(s string, limit int) int {
	n := 0
	for i, r := range s {
		l := utf16.RuneLen(r)
		if l < 0 {
			l = 1
		}
		if n+l > limit {
			return i
		}
		n += l
	}
	return len(s)
}

// boundary returns where to cut s (a prefix already within the limit): the
// best break found in its second half, else the best anywhere, else len(s).
func boundary(s string) int {
	finders := []func(string) int{
		func(s string) int { return strings.LastIndex(s, "\n\n") },
		func(s string) int { return strings.LastIndex(s, "\n") },
		func(s string) int {
			best := -1
			for _, end := range []string{". ", "! ", "? ", "… ", ".\n", "; "} {
				if i := strings.LastIndex(s, end); i >= 0 && i+len(end)-1 > best {
					// Cut after the punctuation, before the space.
					best = i + len(end) - 1
				}
			}
			return best
		},
		func(s string) int { return strings.LastIndex(s, " ") },
	}
	for _, half := range []int{len(s) / 2, 1} {
		for _, find := range finders {
			if i := find(s); i >= half {
				return i
			}
		}
	}
	return len(s)
}
