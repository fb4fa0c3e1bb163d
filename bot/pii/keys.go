package pii

import "strings"

// Keyword lists looked up by the one-pass keyword index.
const (
	kLegal = iota
	kCase
	kBirth
	kStreet
	kAt
	kInps
	kCiro
	kNum
	nLists
)

// keyRef is one keyword of one list.
type keyRef struct {
	list int
	key  string
}

// hit is a keyword found in the text: its list, position and text.
type hit struct {
	pos int
	key string
}

var (
	// keyIndex maps the first ASCII-letter run of each keyword to the
	// keywords that start with it.
	keyIndex map[string][]keyRef
	// lenMask[c-'a'] has bit n set when some keyword's first run starts
	// with c and has length n: a cheap filter before the map lookup.
	lenMask [26]uint32
	// lastMask[c-'a'] has bit n set when some keyword's first run ends
	// with c and has length n.
	lastMask [26]uint32
	// keyFilter has bit keyHash(run) set for each keyword's first run:
	// the filter that rejects the common short words lenMask and
	// lastMask let through ("il", "al", "mio").
	keyFilter [keyFilterBits / 64]uint64
)

const keyFilterBits = 1 << 12

// keyHash is the filter bit of a run of letters, as buildHits computes it
// while it reads the run.
func keyHash(run string) uint32 {
	h := uint32(0)
	for i := 0; i < len(run); i++ {
		h = h*31 + uint32(run[i])
	}
	return keyBit(h)
}

func keyBit(h uint32) uint32 { return (h ^ h>>13) * 0x9E3779B1 >> (32 - 12) }

func init() {
	lists := [nLists][]string{
		kLegal:  legalKeys,
		kCase:   caseKeys,
		kBirth:  birthCues,
		kStreet: streetWords,
		kAt:     {"at", "chiocciola"},
		kInps:   {"inps"},
		kCiro:   {"ciro il grande"},
	}
	for w := range numberWords {
		lists[kNum] = append(lists[kNum], w)
	}
	keyIndex = map[string][]keyRef{}
	for l, keys := range lists {
		for _, k := range keys {
			n := 0
			for n < len(k) && isLower(k[n]) {
				n++
			}
			if n == 0 || n > 31 {
				panic("pii: bad keyword " + k)
			}
			first := k[:n]
			keyIndex[first] = append(keyIndex[first], keyRef{l, k})
			lenMask[first[0]-'a'] |= 1 << n
			lastMask[first[n-1]-'a'] |= 1 << n
			b := keyHash(first)
			keyFilter[b/64] |= 1 << (b % 64)
		}
	}
}

// buildHits scans the lower-cased text once and records, per list, the
// keywords that occur at the start of an ASCII-letter run, keeping the
// longest keyword of a list at each position.
func (st *state) buildHits() {
	lo := st.lo
	for i := 0; i < len(lo); {
		c := lo[i]
		if !isLower(c) {
			i++
			continue
		}
		j, h := i+1, uint32(c)
		for j < len(lo) && isLower(lo[j]) {
			h = h*31 + uint32(lo[j])
			j++
		}
		n := j - i
		if b := keyBit(h); n < 32 && lenMask[c-'a']&(1<<n) != 0 && lastMask[lo[j-1]-'a']&(1<<n) != 0 &&
			keyFilter[b/64]&(1<<(b%64)) != 0 && !letterBefore(lo, i) {
			for _, r := range keyIndex[lo[i:j]] {
				if !strings.HasPrefix(lo[i:], r.key) {
					continue
				}
				h := st.hits[r.list]
				if len(h) > 0 && h[len(h)-1].pos == i {
					if len(r.key) > len(h[len(h)-1].key) {
						h[len(h)-1].key = r.key
					}
					continue
				}
				st.hits[r.list] = append(h, hit{i, r.key})
			}
		}
		i = j
	}
}
