package rules

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot/text"
)

// RepeatConfig holds the near-duplicate measure of the repeated rule.
type RepeatConfig struct {
	Jaccard        float64       `yaml:"jaccard"`         // shingle Jaccard at or above which a post repeats
	Containment    float64       `yaml:"containment"`     // containment of the shorter post at or above which it repeats
	MinContainment int           `yaml:"min_containment"` // shingles the shorter post needs for containment to count
	ShortTokens    int           `yaml:"short_tokens"`    // posts with fewer tokens need an exact match
	Window         time.Duration `yaml:"window"`          // how far back the same author's posts count
	PerAuthor      int           `yaml:"per_author"`      // how many of an author's posts are kept
}

func (c RepeatConfig) validate() error {
	var errs []error
	if c.Jaccard <= 0 || c.Jaccard > 1 {
		errs = append(errs, fmt.Errorf("jaccard: %v not in (0, 1]", c.Jaccard))
	}
	if c.Containment <= 0 || c.Containment > 1 {
		errs = append(errs, fmt.Errorf("containment: %v not in (0, 1]", c.Containment))
	}
	if c.Window <= 0 {
		errs = append(errs, errors.New("window: must be positive"))
	}
	if c.PerAuthor <= 0 {
		errs = append(errs, errors.New("per_author: must be positive"))
	}
	return errors.Join(errs...)
}

func loadRepeats(fsys fs.FS, dir string) (RepeatConfig, error) {
	name := dir + "/repeated.yaml"
	var c RepeatConfig
	if err := decodeFile(fsys, name, &c); err != nil {
		return RepeatConfig{}, err
	}
	if err := c.validate(); err != nil {
		return RepeatConfig{}, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Repeats returns the repeat measure of the ruleset.
func (rs *Ruleset) Repeats() RepeatConfig { return rs.repeats }

// Fingerprint is what the repeated rule keeps of a post: hashes of its
// character 5-gram shingles, never its text.
type Fingerprint struct {
	Shingles []uint64 // sorted and distinct once settled: see Settled
	Tokens   int      // word tokens in the normalised text
	Exact    uint64   // hash of the whole normalised text

	// unsettled marks Shingles still in text order, repeats included:
	// most posts are never compared with another, so a new fingerprint
	// leaves the sorting to its first comparison.
	unsettled bool
}

const shingleSize = 5

// Fingerprint normalises a redacted text (fold; no URLs, mentions,
// hashtags, emoji or punctuation; digits kept) and hashes its shingles.
func (rs *Ruleset) Fingerprint(redacted string) Fingerprint {
	return fingerprintFolded(textFold(redacted))
}

func fingerprintFolded(f string) Fingerprint {
	return fingerprintScratch(f, new(analyzeScratch))
}

// fingerprintScratch is fingerprintFolded with its working buffers in as;
// only the shingles are allocated, in text order (unsettled).
func fingerprintScratch(f string, as *analyzeScratch) Fingerprint {
	norm := as.norm[:0]
	defer func() { as.norm = norm }()
	tokens := 0
	ascii := text.IsASCII(f)
	if ascii {
		norm, tokens = appendNormASCII(norm, f)
	} else {
		norm, tokens = appendNorm(norm, f)
	}
	fp := Fingerprint{Tokens: tokens, Exact: hashBytes(norm)}
	if len(norm) == 0 {
		return fp
	}
	if ascii || isASCII(norm) {
		if len(norm) < shingleSize {
			fp.Shingles = []uint64{fp.Exact}
			return fp
		}
		fp.Shingles = make([]uint64, len(norm)-shingleSize+1)
		var w uint64
		for _, c := range norm[:shingleSize-1] {
			w = w<<8 | uint64(c)
		}
		for i, c := range norm[shingleSize-1:] {
			w = (w<<8 | uint64(c)) & (1<<(8*shingleSize) - 1)
			fp.Shingles[i] = w
		}
	} else {
		// Byte offsets of each rune, so that shingles are 5 characters long.
		starts := as.starts[:0]
		for i := range string(norm) {
			starts = append(starts, i)
		}
		starts = append(starts, len(norm))
		as.starts = starts
		runes := len(starts) - 1
		if runes < shingleSize {
			fp.Shingles = []uint64{fp.Exact}
			return fp
		}
		fp.Shingles = make([]uint64, 0, runes-shingleSize+1)
		for i := 0; i+shingleSize <= runes; i++ {
			fp.Shingles = append(fp.Shingles, shingle(norm[starts[i]:starts[i+shingleSize]]))
		}
	}
	fp.unsettled = len(fp.Shingles) > 1
	return fp
}

// Settled returns fp with its shingles sorted and distinct. When they
// were not yet, the result has a slice of its own: fp and its copies are
// left as they are.
func (fp Fingerprint) Settled() Fingerprint {
	if !fp.unsettled {
		return fp
	}
	fp.unsettled = false
	s := make([]uint64, len(fp.Shingles))
	// An ASCII shingle is its five bytes; bucket the shingles on the
	// first (a space, a digit or a letter: the alphabet of the normalised
	// text, in byte order), then finish with an insertion sort, which
	// only has the disorder inside each bucket to undo. Other shingles
	// (hashes, or bytes outside that alphabet) take the general sort.
	var count [normAlphabet + 1]int32
	for _, w := range fp.Shingles {
		first := w >> (8 * (shingleSize - 1))
		if first >= 0x80 || normCode[first] == normOther {
			copy(s, fp.Shingles)
			slices.Sort(s)
			fp.Shingles = slices.Compact(s)
			return fp
		}
		count[normCode[first]+1]++
	}
	for b := 1; b < len(count); b++ {
		count[b] += count[b-1]
	}
	for _, w := range fp.Shingles {
		b := normCode[w>>(8*(shingleSize-1))]
		s[count[b]] = w
		count[b]++
	}
	insertionSort(s)
	fp.Shingles = compactSorted(s)
	return fp
}

// normAlphabet is the number of characters an ASCII normalised text is
// written with; normCode numbers them in byte order, normOther standing
// for any other byte.
const (
	normAlphabet = 1 + 10 + 26
	normOther    = normAlphabet
)

var normCode = func() (t [128]uint8) {
	for c := range t {
		switch {
		case c == ' ':
			t[c] = 0
		case c >= '0' && c <= '9':
			t[c] = uint8(1 + c - '0')
		case c >= 'a' && c <= 'z':
			t[c] = uint8(11 + c - 'a')
		default:
			t[c] = normOther
		}
	}
	return t
}()

// insertionSort sorts a short slice in place.
func insertionSort(a []uint64) {
	for i := 1; i < len(a); i++ {
		x := a[i]
		j := i
		for j > 0 && a[j-1] > x {
			a[j] = a[j-1]
			j--
		}
		a[j] = x
	}
}

// compactSorted drops the repeats of a sorted slice, like slices.Compact.
func compactSorted(a []uint64) []uint64 {
	if len(a) < 2 {
		return a
	}
	w := 1
	for i := 1; i < len(a); i++ {
		if a[i] != a[w-1] {
			a[w] = a[i]
			w++
		}
	}
	return a[:w]
}

// appendNorm appends to norm the normalised text of the folded text f
// (its words' letters and digits, one space between tokens) and returns
// it with the number of tokens.
func appendNorm(norm []byte, f string) ([]byte, int) {
	tokens := 0
	for w := range strings.FieldsSeq(f) {
		if w[0] == '@' || w[0] == '#' || strings.Contains(w, "://") || strings.HasPrefix(w, "www.") {
			continue
		}
		// Keep the word's letters and digits; any other character splits
		// it, as Tokens does.
		inToken := false
		for _, r := range w {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f && isLetter(r) {
				if !inToken {
					if len(norm) > 0 {
						norm = append(norm, ' ')
					}
					tokens++
					inToken = true
				}
				norm = utf8.AppendRune(norm, r)
			} else {
				inToken = false
			}
		}
	}
	return norm, tokens
}

// appendNormASCII is appendNorm for an ASCII f, in one pass: a word is
// written as it is read, and taken back if it turns out to be a link.
func appendNormASCII(norm []byte, f string) ([]byte, int) {
	tokens := 0
	n := len(norm)
	norm = slices.Grow(norm, len(f)) // never longer than f: a space stands for a byte of f
	buf := norm[:cap(norm)]
	for i := 0; i < len(f); {
		c := f[i]
		if asciiSpace(c) {
			i++
			continue
		}
		if c == '@' || c == '#' || strings.HasPrefix(f[i:], "www.") {
			for i < len(f) && !asciiSpace(f[i]) {
				i++
			}
			continue
		}
		n0, tokens0, start := n, tokens, i
		inToken, colon := false, false
		for ; i < len(f); i++ {
			c := f[i]
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				if !inToken {
					if n > 0 {
						buf[n] = ' '
						n++
					}
					tokens++
					inToken = true
				}
				buf[n] = c
				n++
				continue
			}
			if asciiSpace(c) {
				break
			}
			inToken = false
			colon = colon || c == ':'
		}
		if colon && strings.Contains(f[start:i], "://") {
			n, tokens = n0, tokens0 // a link: not part of the text
		}
	}
	return buf[:n], tokens
}

// asciiSpace reports whether c is an ASCII white space (unicode.IsSpace).
func asciiSpace(c byte) bool {
	return c == ' ' || c-'\t' <= '\r'-'\t' // '\t', '\n', '\v', '\f', '\r'
}

// shingle is the value of one 5-character shingle: its bytes themselves
// when it is ASCII (they fit in a word), else a hash with the top bit set.
func shingle(b []byte) uint64 {
	if len(b) == shingleSize {
		var w uint64
		for _, c := range b {
			w = w<<8 | uint64(c)
		}
		return w
	}
	return hashBytes(b) | 1<<63
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// IsRepeat reports whether fp repeats any of the earlier fingerprints.
func (rs *Ruleset) IsRepeat(fp Fingerprint, earlier []Fingerprint) bool {
	if len(fp.Shingles) == 0 {
		return false
	}
	c := rs.repeats
	for _, e := range earlier {
		if fp.Tokens < c.ShortTokens || e.Tokens < c.ShortTokens {
			if fp.Exact == e.Exact {
				return true
			}
			continue
		}
		fp, e = fp.Settled(), e.Settled()
		inter := intersect(fp.Shingles, e.Shingles)
		union := len(fp.Shingles) + len(e.Shingles) - inter
		if union > 0 && float64(inter)/float64(union) >= c.Jaccard {
			return true
		}
		shorter := min(len(fp.Shingles), len(e.Shingles))
		if shorter >= c.MinContainment && float64(inter)/float64(shorter) >= c.Containment {
			return true
		}
	}
	return false
}

func intersect(a, b []uint64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}

// hashBytes is 64-bit FNV-1a, inline to stay off the heap.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// MarshalBinary encodes the fingerprint for storage.
func (fp Fingerprint) MarshalBinary() ([]byte, error) {
	fp = fp.Settled()
	b := make([]byte, 0, 16+8*len(fp.Shingles))
	b = binary.AppendUvarint(b, uint64(fp.Tokens))
	b = binary.LittleEndian.AppendUint64(b, fp.Exact)
	for _, s := range fp.Shingles {
		b = binary.LittleEndian.AppendUint64(b, s)
	}
	return b, nil
}

// UnmarshalBinary decodes a fingerprint written by MarshalBinary.
func (fp *Fingerprint) UnmarshalBinary(b []byte) error {
	tokens, n := binary.Uvarint(b)
	if n <= 0 || len(b[n:]) < 8 || len(b[n+8:])%8 != 0 {
		return errors.New("fingerprint: malformed")
	}
	fp.Tokens = int(tokens)
	fp.Exact = binary.LittleEndian.Uint64(b[n:])
	rest := b[n+8:]
	fp.Shingles = make([]uint64, len(rest)/8)
	for i := range fp.Shingles {
		fp.Shingles[i] = binary.LittleEndian.Uint64(rest[8*i:])
	}
	return nil
}
