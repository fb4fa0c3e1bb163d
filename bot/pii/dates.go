package pii

import (
	"strings"
	"time"
)

// parseNumDate parses d/m/y, d.m.y or d-m-y (same separator twice, year
// of 2 or 4 digits) at s[i:]. It returns day, month, year (two-digit
// years as written) and the length consumed, or n == 0.
func parseNumDate(s string, i int) (d, m, y, n int) {
	j := i
	dl := digitRun(s, j)
	if dl < 1 || dl > 2 {
		return
	}
	d = atoi(s[j : j+dl])
	j += dl
	if j >= len(s) {
		return 0, 0, 0, 0
	}
	sep := s[j]
	if sep != '/' && sep != '.' && sep != '-' {
		return 0, 0, 0, 0
	}
	j++
	ml := digitRun(s, j)
	if ml < 1 || ml > 2 {
		return 0, 0, 0, 0
	}
	m = atoi(s[j : j+ml])
	j += ml
	if j >= len(s) || s[j] != sep {
		return 0, 0, 0, 0
	}
	j++
	yl := digitRun(s, j)
	if yl != 2 && yl != 4 {
		return 0, 0, 0, 0
	}
	y = atoi(s[j : j+yl])
	j += yl
	if d < 1 || d > 31 || m < 1 || m > 12 {
		return 0, 0, 0, 0
	}
	return d, m, y, j - i
}

var monthNames = []string{
	"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
	"settembre", "ottobre", "novembre", "dicembre",
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december",
	"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
}

// parseWordDate parses "5 giugno 1960", "1° marzo 1958", "5 giu. 1960"
// at lo[i:]. It returns the length consumed, or 0.
func parseWordDate(lo string, i int) (y, n int) {
	j := i
	dl := digitRun(lo, j)
	if dl < 1 || dl > 2 {
		return 0, 0
	}
	d := atoi(lo[j : j+dl])
	if d < 1 || d > 31 {
		return 0, 0
	}
	j += dl
	if strings.HasPrefix(lo[j:], "°") {
		j += len("°")
	} else if strings.HasPrefix(lo[j:], "º") {
		j += len("º")
	}
	if j >= len(lo) || lo[j] != ' ' {
		return 0, 0
	}
	j++
	found := false
	for _, m := range monthNames {
		if strings.HasPrefix(lo[j:], m) && !(j+len(m) < len(lo) && isLower(lo[j+len(m)])) {
			j += len(m)
			if j < len(lo) && lo[j] == '.' {
				j++
			}
			found = true
			break
		}
	}
	if !found {
		return 0, 0
	}
	j = skipSpaces(lo, j)
	if j < len(lo) && lo[j] == ',' {
		j = skipSpaces(lo, j+1)
	}
	yl := digitRun(lo, j)
	if yl != 4 {
		return 0, 0
	}
	return atoi(lo[j : j+yl]), j + yl - i
}

// birthCues announce a birth date.
var birthCues = []string{
	"nato", "nata", "nati", "nate", "nascita", "d.n.", "compleanno", "born", "birth", "sono del", "sono della",
	"classe", "nasce", "nacque", "dob",
}

// findBirthDates finds dates given as birth dates: a birth cue and, at
// most ~45 characters later in the same clause and with no other number
// in between, a full date with a plausible birth year.
func (d *Detector) findBirthDates(st *state) {
	if len(st.hits[kBirth]) == 0 {
		return
	}
	lo := st.lo
	nowYear := time.Now().Year()
	for _, h := range st.hits[kBirth] {
		{
			j, cue := h.pos, h.key
			if wordCharBefore(lo, j) || (isAlnum(cue[len(cue)-1]) && wordCharAt(lo, j+len(cue))) {
				continue
			}
			lim := clampFwd(lo, j+len(cue), 45)
			for i := j + len(cue); i < lim; i++ {
				c := lo[i]
				if c == '.' || c == '?' || c == '!' || c == ';' || c == '\n' {
					// allow abbreviations such as "S." before a capital
					if c == '.' && i+1 < len(lo) && lo[i+1] == ' ' && i >= 2 && isAlpha(lo[i-1]) && !isAlpha(lo[i-2]) {
						continue
					}
					break
				}
				if !isDigit(c) {
					continue
				}
				if wordCharBefore(lo, i) {
					break
				}
				var y, n int
				if _, _, yy, nn := parseNumDate(lo, i); nn > 0 {
					y, n = yy, nn
					if n > 0 && (digitAt(lo, i+n) || (i+n+1 < len(lo) && (lo[i+n] == '/' || lo[i+n] == '.' || lo[i+n] == '-') && digitAt(lo, i+n+1))) {
						n = 0
					}
				} else {
					y, n = parseWordDate(lo, i)
				}
				if n == 0 {
					break
				}
				if y < 100 {
					// two-digit year: any is plausible
				} else if y < 1900 || y > nowYear {
					break
				}
				if gap := lo[j+len(cue) : i]; containsAny(gap, "domanda", " dal ", " entro ", "scad", "pagat", "accredit", "rata") {
					break
				}
				st.claim(BirthDate, i, i+n)
				break
			}
		}
	}
}
