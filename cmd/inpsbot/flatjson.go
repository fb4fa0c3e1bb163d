package main

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeFlat reads the common shape of an input line without reflection:
// one JSON object whose values are strings, numbers, true, false or null.
// It returns false on anything else — nested values, odd spacing it does
// not expect, a syntax error — and the caller then uses encoding/json,
// which also gives the error. Repeated keys keep the last value, as
// encoding/json does; key matching is exact (encoding/json also accepts
// other cases, so such lines take the slow path).
func decodeFlat(b []byte, in *inputPost) bool {
	// One copy of the line: the values without escapes are slices of it.
	src := string(b)
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		key, next, ok := readString(b, src, i)
		if !ok {
			return false
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return false
		}
		start := i
		var str string
		isString := b[i] == '"'
		if isString {
			if str, i, ok = readString(b, src, i); !ok {
				return false
			}
		} else if i, ok = skipLiteral(b, i); !ok {
			return false
		}
		raw := b[start:i]
		switch key {
		case "id":
			// A string id is kept decoded; any other is kept raw for
			// rawID, as encoding/json would.
			if in.id, in.idSet = str, isString; !isString {
				in.ID = append(in.ID[:0], raw...)
			}
		case "text":
			if !isString {
				return false // encoding/json reports the type error
			}
			in.text, in.textSet = str, true
		case "author", "channel", "platform", "ts":
			if !isString {
				if string(raw) != "null" {
					return false
				}
				str = ""
			}
			switch key {
			case "author":
				in.Author = str
			case "channel":
				in.Channel = str
			case "platform":
				in.Platform = str
			case "ts":
				in.TS = str
			}
		default:
			if len(key) == 0 || lowerASCII(key) != key {
				return false // may match a field case-insensitively
			}
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return ""
		}
	}
	return s
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipLiteral passes a number, true, false or null.
func skipLiteral(b []byte, i int) (int, bool) {
	for _, lit := range []string{"true", "false", "null"} {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return i + len(lit), true
		}
	}
	return skipNumber(b, i)
}

// skipNumber passes a number of JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, bool) {
	digits := func(j int) int {
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// readString decodes the JSON string starting at b[i] (a quote) as
// encoding/json does: escapes resolved, invalid UTF-8 and lone surrogates
// replaced by U+FFFD. It returns the index after the closing quote. src
// holds the same bytes as b: a string without escapes is a slice of it.
func readString(b []byte, src string, i int) (string, int, bool) {
	i++
	start := i
	// Fast path: no escape, valid UTF-8, no control character. Only a
	// string with a byte above ASCII needs its UTF-8 checked.
	var or byte
	// Eight bytes at a time while none is a quote, a backslash or a
	// control character.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var or8 uint64
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ '"'*ones
		bs := x ^ '\\'*ones
		if ((x-0x20*ones)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
			break
		}
		or8 |= x
		i += 8
	}
	if or8&highs != 0 {
		or = utf8.RuneSelf
	}
	for i < len(b) {
		c := b[i]
		or |= c
		if c == '"' {
			if or < utf8.RuneSelf || utf8.Valid(b[start:i]) {
				return src[start:i], i + 1, true
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		i++
	}
	out := make([]byte, 0, len(b)-start)
	for i = start; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			return string(out), i + 1, true
		case c < 0x20:
			return "", 0, false
		case c == '\\':
			if i+1 >= len(b) {
				return "", 0, false
			}
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				i += 2
			case 'b':
				out, i = append(out, '\b'), i+2
			case 'f':
				out, i = append(out, '\f'), i+2
			case 'n':
				out, i = append(out, '\n'), i+2
			case 'r':
				out, i = append(out, '\r'), i+2
			case 't':
				out, i = append(out, '\t'), i+2
			case 'u':
				r, ok := hex4(b, i+2)
				if !ok {
					return "", 0, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(b, i+2); ok && i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", 0, false
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, b[i:i+size]...)
			}
			i += size
		}
	}
	return "", 0, false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
