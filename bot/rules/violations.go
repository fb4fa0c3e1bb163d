package rules

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/inps-social/inpsbot/bot/internal/swar"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/text"
)

// violationsFile is the layout of violations.yaml: the settings shared by
// every lexicon and the list of lexicon files.
type violationsFile struct {
	Lexicons       []string              `yaml:"lexicons"`
	Shouting       shoutingSpec          `yaml:"shouting"`
	IgnoreMentions []string              `yaml:"ignore_mentions"`
	Domains        map[string][]string   `yaml:"domains"`
	Allowlist      []lineString          `yaml:"allowlist"`
	Thresholds     map[Violation]float64 `yaml:"thresholds"`
}

type shoutingSpec struct {
	MinLetters int      `yaml:"min_letters"`
	Acronyms   []string `yaml:"acronyms"`
}

// lexiconFile is the layout of one lexicon file: the rules of one label.
type lexiconFile struct {
	Label       Violation               `yaml:"label"`
	Deobfuscate bool                    `yaml:"deobfuscate"`
	Classes     map[string][]lineString `yaml:"classes"`
	Rules       []ruleSpec              `yaml:"rules"`
}

// ruleSpec is one rule: it fires when one pattern of Any matches, or when
// every group of All has a match (within Window tokens, 0 meaning anywhere
// in the post), unless a pattern of Unless matches in the same sentence.
type ruleSpec struct {
	ID       string         `yaml:"id"`
	Tier     string         `yaml:"tier"`
	Weight   float64        `yaml:"weight"`
	Any      []lineString   `yaml:"any"`
	All      [][]lineString `yaml:"all"`
	Window   int            `yaml:"window"`
	Sentence bool           `yaml:"sentence"`
	Unless   []lineString   `yaml:"unless"`
	Scope    string         `yaml:"unless_scope"`
	Line     int            `yaml:"-"`
}

var ruleKeys = []string{"id", "tier", "weight", "any", "all", "window", "sentence", "unless", "unless_scope"}

// UnmarshalYAML records the rule's line for error messages and rejects
// unknown keys.
func (r *ruleSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !slices.Contains(ruleKeys, k.Value) {
				return fmt.Errorf("line %d: unknown rule key %q", k.Line, k.Value)
			}
		}
	}
	type plain ruleSpec
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*r = ruleSpec(p)
	r.Line = n.Line
	return nil
}

// lineString is a YAML string that remembers its line.
type lineString struct {
	S    string
	Line int
}

// UnmarshalYAML decodes a scalar and records its line.
func (l *lineString) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected a string", n.Line)
	}
	l.S, l.Line = n.Value, n.Line
	return nil
}

// vSlot is one position of a pattern: a set of alternatives.
type vSlot struct {
	mention  bool
	num      bool
	anyURL   bool
	urlLists []string // names of domain lists
	hashtags []string // folded hashtag prefixes
	pii      uint16   // personal-data masks accepted (bit i: maskKinds[i])
	hasWords bool
}

// wordsOnly reports whether only a word (an entry of vocab or caseVocab)
// fills the slot: no token kind, link or mask does.
func (sl *vSlot) wordsOnly() bool {
	return !sl.mention && !sl.num && !sl.anyURL && len(sl.urlLists) == 0 && len(sl.hashtags) == 0 && sl.pii == 0
}

// maskKinds are the personal-data kinds whose redaction masks a pattern
// can name: <pii> is any of them, <pii:phone> one.
var maskKinds = pii.AllKinds

// maskBit returns the bit of a kind for vSlot.pii, or 0 when unknown.
func maskBit(kind string) uint16 {
	for i, k := range maskKinds {
		if string(k) == kind {
			return 1 << i
		}
	}
	return 0
}

type vElement struct {
	slot int32
	gap  int // tokens allowed between the previous element and this one
}

type vPattern struct {
	src   string
	elems []vElement
	rule  int32
	role  int8 // roleAny, roleUnless, or the group index of All (>= 0)
	// need holds the slots after the first that only words fill: a post
	// without one of them cannot match, whatever its tokens' order.
	need []int32
}

const (
	roleAny    = -1
	roleUnless = -2
)

type vRule struct {
	id       string
	name     string // label.id, as evidence names the rule
	label    Violation
	weight   float64
	mild     bool
	groups   int // 0 for an Any rule
	window   int
	sentence bool
	overlap  bool // an unless pattern cancels only the hits it overlaps
}

// violationRules is the compiled form of the violation lexicons.
type violationRules struct {
	minLetters int
	acronyms   map[string]bool
	// acroFilter[len][first] has bit last set for each acronym (with
	// acroIndex of its first and last bytes): most words skip the lookup.
	acroFilter [17][27]uint32
	ignore     map[string]bool
	domains    map[string][]string
	safe       []string
	allow      map[string][][]string // first raw token → raw token sequences
	thresholds map[Violation]float64

	slots     []vSlot
	vocab     map[string][]int32 // folded word → slots
	caseVocab map[string][]int32 // raw word → slots (case-sensitive entries)
	patterns  []vPattern
	startBy   [][]int32  // slot → patterns starting with it
	kindStart [8][]int32 // token kind → patterns whose first slot accepts that kind
	piiStart  []int32    // patterns whose first slot accepts a personal-data mask
	piiSlots  bool       // some slot accepts a personal-data mask
	rules     []vRule
	lex       *text.WordSet
	// vocabFilter holds the keys of vocab and caseVocab, to skip the map
	// lookups of most words that are in neither.
	vocabFilter wordFilter
	// vocabTab and caseVocabTab give the index in slotLists of a word's
	// slots (0: none), so that a scan keeps numbers, not slices.
	vocabTab, caseVocabTab wordTable
	slotLists              [][]int32
	startLists             [][]int32 // by slotLists index: the startBy lists of its slots, in order
}

// wordFilter is a bit set over a cheap hash of a word's length and its
// first, middle and last bytes: a word whose bit is clear is not in the
// set it was built from.
type wordFilter struct{ bits [wordFilterBits / 64]uint64 }

const wordFilterBits = 1 << 15

func wordFilterHash(w string) uint32 {
	n := len(w)
	if n == 0 {
		return 0
	}
	h := uint32(n)*0x9E3779B1 ^ uint32(w[0])*0x85EBCA77 ^ uint32(w[n-1])*0xC2B2AE3D ^ uint32(w[n/2])*0x27D4EB2F
	h ^= h >> 15
	return h % wordFilterBits
}

func (f *wordFilter) add(w string) {
	h := wordFilterHash(w)
	f.bits[h/64] |= 1 << (h % 64)
}

func (f *wordFilter) mayHave(w string) bool { return f.has(wordFilterHash(w)) }

// has is mayHave for a word of hash h.
func (f *wordFilter) has(h uint32) bool { return f.bits[h/64]&(1<<(h%64)) != 0 }

// wordTable maps the words of a lexicon to their slotLists index through
// the filter's hash, already at hand when the filter lets a word through:
// open addressing, linear probing, at most half full.
type wordTable struct {
	words []string
	idx   []int32
	mask  uint32
}

func newWordTable(m map[string]int32) wordTable {
	size := 16
	for size < 2*len(m) {
		size *= 2
	}
	t := wordTable{words: make([]string, size), idx: make([]int32, size), mask: uint32(size - 1)}
	for w, i := range m {
		k := wordFilterHash(w) & t.mask
		for t.idx[k] != 0 {
			k = (k + 1) & t.mask
		}
		t.words[k], t.idx[k] = w, i
	}
	return t
}

// find returns the slotLists index of w, whose wordFilterHash is h, or 0.
func (t *wordTable) find(w string, h uint32) int32 {
	for k := h & t.mask; t.idx[k] != 0; k = (k + 1) & t.mask {
		if t.words[k] == w {
			return t.idx[k]
		}
	}
	return 0
}

// loadViolations reads violations.yaml and the lexicon files it lists from
// dir in fsys and compiles them; errors name the file and the line.
func loadViolations(fsys fs.FS, dir string) (*violationRules, error) {
	name := path.Join(dir, "violations.yaml")
	var vf violationsFile
	if err := decodeFile(fsys, name, &vf); err != nil {
		return nil, err
	}
	v := &violationRules{
		minLetters: vf.Shouting.MinLetters,
		acronyms:   map[string]bool{},
		ignore:     map[string]bool{},
		domains:    vf.Domains,
		allow:      map[string][][]string{},
		thresholds: map[Violation]float64{},
		vocab:      map[string][]int32{},
		caseVocab:  map[string][]int32{},
	}
	var errs []error
	if v.minLetters <= 0 {
		errs = append(errs, fmt.Errorf("%s: shouting.min_letters must be positive", name))
	}
	for _, a := range vf.Shouting.Acronyms {
		a = strings.ToUpper(a)
		v.acronyms[a] = true
		if a != "" && len(a) <= 16 {
			v.acroFilter[len(a)][acroIndex(a[0])] |= 1 << acroIndex(a[len(a)-1])
		}
	}
	for _, m := range vf.IgnoreMentions {
		v.ignore["@"+strings.ToLower(strings.TrimPrefix(m, "@"))] = true
	}
	v.safe = vf.Domains["safe"]
	for lbl, t := range vf.Thresholds {
		if !isLexiconLabel(lbl) {
			errs = append(errs, fmt.Errorf("%s: thresholds: unknown or reserved violation %q", name, lbl))
		}
		if t <= 0 {
			errs = append(errs, fmt.Errorf("%s: thresholds: %s must be positive", name, lbl))
		}
		v.thresholds[lbl] = t
	}
	for _, a := range vf.Allowlist {
		seq := rawTokens(a.S)
		if len(seq) == 0 {
			errs = append(errs, fmt.Errorf("%s:%d: empty allowlist entry", name, a.Line))
			continue
		}
		v.allow[seq[0]] = append(v.allow[seq[0]], seq)
	}
	if len(vf.Lexicons) == 0 {
		errs = append(errs, fmt.Errorf("%s: no lexicons listed", name))
	}
	files := make([]lexiconFile, len(vf.Lexicons))
	classes := map[string][]lineString{}
	classFile := map[string]string{}
	for i, lf := range vf.Lexicons {
		fname := path.Join(dir, lf)
		if err := decodeFile(fsys, fname, &files[i]); err != nil {
			errs = append(errs, err)
			continue
		}
		if !isLexiconLabel(files[i].Label) {
			errs = append(errs, fmt.Errorf("%s: label %q is not a lexicon violation", fname, files[i].Label))
		}
		for c, entries := range files[i].Classes {
			if prev, ok := classFile[c]; ok {
				errs = append(errs, fmt.Errorf("%s: class %q already defined in %s", fname, c, prev))
				continue
			}
			classes[c], classFile[c] = entries, fname
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c := &vCompiler{v: v, classes: classes, classFile: classFile, expanded: map[string][]string{}, slotIDs: map[string]int32{}}
	var lexWords []string
	for i, lf := range vf.Lexicons {
		fname := path.Join(dir, lf)
		c.words = nil
		c.file = fname
		for _, rs := range files[i].Rules {
			if err := c.compileRule(files[i].Label, rs); err != nil {
				errs = append(errs, err)
			}
		}
		if files[i].Deobfuscate {
			for _, w := range c.words {
				if len(w) >= 4 && isPlainWord(w) {
					lexWords = append(lexWords, w)
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	v.lex = text.NewWordSet(lexWords)
	for i := range v.patterns {
		p := &v.patterns[i]
		for _, e := range p.elems[1:] {
			if sl := &v.slots[e.slot]; sl.wordsOnly() && !slices.Contains(p.need, e.slot) {
				p.need = append(p.need, e.slot)
			}
		}
	}
	for w := range v.vocab {
		v.vocabFilter.add(w)
	}
	for w := range v.caseVocab {
		v.vocabFilter.add(w)
	}
	v.slotLists, v.startLists = [][]int32{nil}, [][]int32{nil}
	v.vocabTab, v.caseVocabTab = newWordTable(v.indexLists(v.vocab)), newWordTable(v.indexLists(v.caseVocab))
	return v, nil
}

// indexLists numbers the slot lists of m in slotLists, and lists in
// startLists the patterns that start with one of each list's slots.
func (v *violationRules) indexLists(m map[string][]int32) map[string]int32 {
	idx := make(map[string]int32, len(m))
	for w, slots := range m {
		idx[w] = int32(len(v.slotLists))
		v.slotLists = append(v.slotLists, slots)
		var starts []int32
		for _, s := range slots {
			if int(s) < len(v.startBy) {
				starts = append(starts, v.startBy[s]...)
			}
		}
		v.startLists = append(v.startLists, starts)
	}
	return idx
}

func isLexiconLabel(l Violation) bool {
	switch l {
	case Profanity, Hate, Insult, Political, Advertising, Illegal:
		return true
	}
	return false
}

func isPlainWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// rawTokens splits an allowlist entry into its raw word tokens.
func rawTokens(s string) []string {
	var out []string
	for _, t := range text.Analyze(s, nil) {
		out = append(out, t.Raw)
	}
	return out
}

// vCompiler turns rule specs into patterns and slots.
type vCompiler struct {
	v         *violationRules
	classes   map[string][]lineString
	classFile map[string]string
	expanded  map[string][]string
	slotIDs   map[string]int32
	file      string
	words     []string // words of the current file, for the deobfuscation lexicon
}

func (c *vCompiler) compileRule(label Violation, rs ruleSpec) error {
	where := fmt.Sprintf("%s:%d", c.file, rs.Line)
	if rs.ID == "" {
		return fmt.Errorf("%s: rule without id", where)
	}
	tier := rs.Tier
	switch tier {
	case "", "strong", "contextual", "mild", "cue":
	default:
		return fmt.Errorf("%s: rule %q: unknown tier %q (strong, contextual, cue, mild)", where, rs.ID, tier)
	}
	if (len(rs.Any) == 0) == (len(rs.All) == 0) {
		return fmt.Errorf("%s: rule %q: give exactly one of any and all", where, rs.ID)
	}
	if len(rs.All) == 1 {
		return fmt.Errorf("%s: rule %q: all needs at least two groups", where, rs.ID)
	}
	if rs.Scope != "" && rs.Scope != "sentence" && rs.Scope != "overlap" {
		return fmt.Errorf("%s: rule %q: unless_scope must be sentence or overlap", where, rs.ID)
	}
	if rs.Weight < 0 || rs.Window < 0 {
		return fmt.Errorf("%s: rule %q: weight and window must not be negative", where, rs.ID)
	}
	w := rs.Weight
	if w == 0 {
		w = 1
	}
	ri := int32(len(c.v.rules))
	c.v.rules = append(c.v.rules, vRule{id: rs.ID, name: string(label) + "." + rs.ID, label: label, weight: w, mild: tier == "mild",
		groups: len(rs.All), window: rs.Window, sentence: rs.Sentence, overlap: rs.Scope == "overlap"})
	add := func(ls lineString, role int8) error {
		p, err := c.compilePattern(ls.S)
		if err != nil {
			return fmt.Errorf("%s:%d: rule %q: pattern %q: %w", c.file, ls.Line, rs.ID, ls.S, err)
		}
		if tier == "contextual" && role == roleAny && len(p.elems) < 2 {
			return fmt.Errorf("%s:%d: rule %q: a contextual pattern needs at least two words", c.file, ls.Line, rs.ID)
		}
		p.rule, p.role = ri, role
		id := int32(len(c.v.patterns))
		c.v.patterns = append(c.v.patterns, p)
		first := p.elems[0].slot
		sl := c.v.slots[first]
		if sl.hasWords {
			for int(first) >= len(c.v.startBy) {
				c.v.startBy = append(c.v.startBy, nil)
			}
			c.v.startBy[first] = append(c.v.startBy[first], id)
		}
		if sl.mention {
			c.v.kindStart[text.Mention] = append(c.v.kindStart[text.Mention], id)
		}
		if sl.num {
			c.v.kindStart[text.Number] = append(c.v.kindStart[text.Number], id)
		}
		if sl.anyURL || len(sl.urlLists) > 0 {
			c.v.kindStart[text.URL] = append(c.v.kindStart[text.URL], id)
		}
		if len(sl.hashtags) > 0 {
			c.v.kindStart[text.Hashtag] = append(c.v.kindStart[text.Hashtag], id)
		}
		if sl.pii != 0 {
			c.v.piiStart = append(c.v.piiStart, id)
		}
		return nil
	}
	var errs []error
	for _, a := range rs.Any {
		errs = append(errs, add(a, roleAny))
	}
	for g, group := range rs.All {
		if len(group) == 0 {
			errs = append(errs, fmt.Errorf("%s: rule %q: empty group %d", where, rs.ID, g))
		}
		for _, a := range group {
			errs = append(errs, add(a, int8(g)))
		}
	}
	for _, u := range rs.Unless {
		errs = append(errs, add(u, roleUnless))
	}
	return errors.Join(errs...)
}

// compilePattern parses "a|b ~2 $class =Name @ <num> <url:chat> #tag".
func (c *vCompiler) compilePattern(src string) (vPattern, error) {
	var p vPattern
	p.src = src
	gap := 0
	for _, f := range strings.Fields(src) {
		if strings.HasPrefix(f, "~") {
			n, err := strconv.Atoi(f[1:])
			if err != nil || n < 1 || n > 20 {
				return p, fmt.Errorf("bad gap %q (~1 to ~20)", f)
			}
			if len(p.elems) == 0 {
				return p, errors.New("a pattern cannot start with a gap")
			}
			gap = n
			continue
		}
		id, err := c.slot(f)
		if err != nil {
			return p, err
		}
		p.elems = append(p.elems, vElement{slot: id, gap: gap})
		gap = 0
	}
	if len(p.elems) == 0 {
		return p, errors.New("empty pattern")
	}
	if gap != 0 {
		return p, errors.New("a pattern cannot end with a gap")
	}
	return p, nil
}

// slot returns the id of the slot for one pattern element, creating it.
func (c *vCompiler) slot(f string) (int32, error) {
	if id, ok := c.slotIDs[f]; ok {
		c.collectWords(f)
		return id, nil
	}
	id := int32(len(c.v.slots))
	var sl vSlot
	var words, caseWords []string
	for _, alt := range splitAlternatives(f) {
		switch {
		case alt == "":
			return 0, errors.New("empty alternative")
		case alt == "@":
			sl.mention = true
		case alt == "<num>":
			sl.num = true
		case alt == "<url>":
			sl.anyURL = true
		case alt == "<pii>":
			sl.pii = 1<<len(maskKinds) - 1
		case strings.HasPrefix(alt, "<pii:") && strings.HasSuffix(alt, ">"):
			b := maskBit(alt[5 : len(alt)-1])
			if b == 0 {
				return 0, fmt.Errorf("unknown personal-data kind %q", alt[5:len(alt)-1])
			}
			sl.pii |= b
		case strings.HasPrefix(alt, "<url:") && strings.HasSuffix(alt, ">"):
			name := alt[5 : len(alt)-1]
			if _, ok := c.v.domains[name]; !ok {
				return 0, fmt.Errorf("unknown domain list %q", name)
			}
			sl.urlLists = append(sl.urlLists, name)
		case strings.HasPrefix(alt, "<"):
			return 0, fmt.Errorf("unknown atom %q", alt)
		case strings.HasPrefix(alt, "#") && len(alt) > 1:
			sl.hashtags = append(sl.hashtags, text.Fold(alt[1:]))
		case strings.HasPrefix(alt, "$"):
			ws, err := c.expandClass(alt[1:], nil)
			if err != nil {
				return 0, err
			}
			for _, w := range ws {
				if strings.HasPrefix(w, "=") {
					caseWords = append(caseWords, w[1:])
				} else {
					words = append(words, w)
				}
			}
		case strings.HasPrefix(alt, "="):
			ws, err := expandWord(alt[1:])
			if err != nil {
				return 0, err
			}
			caseWords = append(caseWords, ws...)
		default:
			ws, err := expandWord(alt)
			if err != nil {
				return 0, err
			}
			for _, w := range ws {
				words = append(words, text.Fold(w))
			}
		}
	}
	c.v.slots = append(c.v.slots, sl)
	c.v.piiSlots = c.v.piiSlots || sl.pii != 0
	for _, w := range words {
		if !slices.Contains(c.v.vocab[w], id) {
			c.v.vocab[w] = append(c.v.vocab[w], id)
		}
	}
	for _, w := range caseWords {
		if !slices.Contains(c.v.caseVocab[w], id) {
			c.v.caseVocab[w] = append(c.v.caseVocab[w], id)
		}
	}
	c.v.slots[id].hasWords = len(words)+len(caseWords) > 0
	c.slotIDs[f] = id
	c.words = append(c.words, words...)
	return id, nil
}

// collectWords adds the words of an already compiled slot to the current
// file's word list.
func (c *vCompiler) collectWords(f string) {
	for _, alt := range splitAlternatives(f) {
		if strings.HasPrefix(alt, "$") {
			ws, _ := c.expandClass(alt[1:], nil)
			c.words = append(c.words, ws...)
		} else if alt != "" && !strings.ContainsAny(alt[:1], "@<#=") {
			ws, _ := expandWord(alt)
			for _, w := range ws {
				c.words = append(c.words, text.Fold(w))
			}
		}
	}
}

// expandClass returns the folded words of a class, case-sensitive entries
// keeping their "=" prefix; entries may name other classes ($name).
func (c *vCompiler) expandClass(name string, seen []string) ([]string, error) {
	if ws, ok := c.expanded[name]; ok {
		return ws, nil
	}
	entries, ok := c.classes[name]
	if !ok {
		return nil, fmt.Errorf("unknown class $%s", name)
	}
	if slices.Contains(seen, name) {
		return nil, fmt.Errorf("class $%s refers to itself", name)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.S, "$") {
			ws, err := c.expandClass(e.S[1:], append(seen, name))
			if err != nil {
				return nil, err
			}
			out = append(out, ws...)
			continue
		}
		if strings.ContainsAny(e.S, " \t") || e.S == "" {
			return nil, fmt.Errorf("%s:%d: class $%s: entry %q must be one word", c.classFile[name], e.Line, name, e.S)
		}
		cased := strings.HasPrefix(e.S, "=")
		ws, err := expandWord(strings.TrimPrefix(e.S, "="))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: class $%s: %w", c.classFile[name], e.Line, name, err)
		}
		for _, w := range ws {
			if cased {
				out = append(out, "="+w)
			} else {
				out = append(out, text.Fold(w))
			}
		}
	}
	c.expanded[name] = out
	return out, nil
}

// splitAlternatives splits on '|' outside parentheses.
func splitAlternatives(f string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, f[start:i])
				start = i + 1
			}
		}
	}
	return append(out, f[start:])
}

// expandWord expands a stem with suffix groups: "cazz(o|i|ata)" gives
// cazzo, cazzi, cazzata; "(|in)cazzat(o|a)" works too.
func expandWord(w string) ([]string, error) {
	open := strings.IndexByte(w, '(')
	if open < 0 {
		if strings.ContainsAny(w, ")|") {
			return nil, fmt.Errorf("unbalanced %q", w)
		}
		return []string{w}, nil
	}
	close := strings.IndexByte(w[open:], ')')
	if close < 0 {
		return nil, fmt.Errorf("unbalanced %q", w)
	}
	close += open
	rest, err := expandWord(w[close+1:])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, alt := range strings.Split(w[open+1:close], "|") {
		if strings.ContainsAny(alt, "()") {
			return nil, fmt.Errorf("nested group in %q", w)
		}
		for _, r := range rest {
			out = append(out, w[:open]+alt+r)
		}
	}
	return out, nil
}

// vScan is the per-post state of the matcher.
type vScan struct {
	v       *violationRules
	toks    []text.Token
	words   []int32 // per token: its slots, an index in slotLists
	cased   []int32
	neutral []bool
	masks   []uint16 // per token: the mask it opens (bit of maskKinds), or 0
	starts  []int32  // the tokens a pattern may start at, in order
	present []uint64 // bit set of the slots some token's words fill
	hitBuf  []vHit   // hits of the post
	byRule  []vHit   // hits grouped by rule
	unless  []vHit   // unless hits of one rule
	groups  [][]vHit // hits of one rule by group
	fired   []Evidence
}

var scanPool = sync.Pool{New: func() any { return &vScan{} }}

// release clears the references of a scan and returns it to the pool.
func (sc *vScan) release() {
	clear(sc.toks)
	sc.toks, sc.words, sc.cased = sc.toks[:0], sc.words[:0], sc.cased[:0]
	sc.neutral, sc.v, sc.masks = nil, nil, sc.masks[:0]
	scanPool.Put(sc)
}

type vHit struct {
	pat        int32
	start, end int
}

// has reports whether token i fills slot s.
func (sc *vScan) has(i int, s int32) bool {
	if sc.neutral != nil && sc.neutral[i] {
		return false
	}
	t := &sc.toks[i]
	sl := &sc.v.slots[s]
	if sl.pii != 0 && len(sc.masks) > 0 && sl.pii&sc.masks[i] != 0 {
		return true
	}
	switch t.Kind {
	case text.Mention:
		if sl.mention && !sc.v.ignore[t.Norm] {
			return true
		}
	case text.Number:
		if sl.num {
			return true
		}
	case text.URL:
		if sl.anyURL || len(sl.urlLists) > 0 {
			host := t.Norm
			if j := strings.IndexAny(host, "/?#"); j >= 0 {
				host = host[:j]
			}
			if hostIn(host, sc.v.safe) {
				return false
			}
			if sl.anyURL {
				return true
			}
			for _, l := range sl.urlLists {
				if hostIn(host, sc.v.domains[l]) || urlIn(t.Norm, sc.v.domains[l]) {
					return true
				}
			}
		}
		return false
	case text.Hashtag:
		for _, h := range sl.hashtags {
			if strings.HasPrefix(t.Norm, h) {
				return true
			}
		}
	}
	return slices.Contains(sc.v.slotLists[sc.words[i]], s) || slices.Contains(sc.v.slotLists[sc.cased[i]], s)
}

// hostIn reports whether host is one of the domains or under one; an
// entry written "*word*" matches any host that contains word (a look-alike
// of a brand, once the brand's own domains are excluded as safe).
func hostIn(host string, domains []string) bool {
	for _, d := range domains {
		if len(d) > 2 && d[0] == '*' && d[len(d)-1] == '*' {
			if strings.Contains(host, d[1:len(d)-1]) {
				return true
			}
			continue
		}
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// urlIn reports whether a link starts with an entry holding a path
// ("youtube.com/@").
func urlIn(u string, entries []string) bool {
	u = strings.TrimPrefix(u, "www.")
	for _, e := range entries {
		if strings.Contains(e, "/") && strings.HasPrefix(u, e) {
			return true
		}
	}
	return false
}

// match tries pattern p with its first element at token i and returns the
// index of its last token.
func (sc *vScan) match(p *vPattern, k, i int) (int, bool) {
	if !sc.has(i, p.elems[k].slot) {
		return 0, false
	}
	if k == len(p.elems)-1 {
		return i, true
	}
	next := p.elems[k+1]
	for j := i + 1; j <= i+1+next.gap && j < len(sc.toks); j++ {
		if sc.toks[j].Sentence != sc.toks[i].Sentence {
			break
		}
		if end, ok := sc.match(p, k+1, j); ok {
			return end, true
		}
	}
	return 0, false
}

func (sc *vScan) hits() []vHit {
	out := sc.hitBuf[:0]
	defer func() { sc.hitBuf = out }()
	v := sc.v
	for _, i32 := range sc.starts {
		i := int(i32)
		try := func(ids []int32) {
			for _, id := range ids {
				p := &v.patterns[id]
				if !sc.mayMatch(p) {
					continue
				}
				if end, ok := sc.match(p, 0, i); ok {
					out = append(out, vHit{pat: id, start: i, end: end})
				}
			}
		}
		try(v.startLists[sc.words[i]])
		try(v.startLists[sc.cased[i]])
		if k := sc.toks[i].Kind; k != text.Word && int(k) < len(v.kindStart) {
			try(v.kindStart[k])
		}
		if len(sc.masks) > 0 && sc.masks[i] != 0 {
			try(v.piiStart)
		}
	}
	return out
}

// mayMatch reports whether every slot p needs is filled somewhere in the
// post.
func (sc *vScan) mayMatch(p *vPattern) bool {
	for _, s := range p.need {
		if sc.present[s>>6]&(1<<(s&63)) == 0 {
			return false
		}
	}
	return true
}

// find returns the lexicon violations and shouting of a post, with their
// evidence; a label may appear more than once.
func (v *violationRules) find(p *post) ([]Violation, []Evidence) {
	var viol []Violation
	var ev []Evidence
	if v.shouting(p.Display) {
		viol = append(viol, Shouting)
		ev = append(ev, Evidence{Label: string(Shouting), Rule: "shouting"})
	}
	sc := scanPool.Get().(*vScan)
	defer sc.release()
	sc.v = v
	sc.toks = text.AppendAnalyze(sc.toks, p.Redacted, v.lex)
	sc.words = slices.Grow(sc.words[:0], len(sc.toks))[:len(sc.toks)]
	sc.cased = slices.Grow(sc.cased[:0], len(sc.toks))[:len(sc.toks)]
	sc.present = slices.Grow(sc.present[:0], (len(v.slots)+63)/64)[:(len(v.slots)+63)/64]
	clear(sc.present)
	sc.markMasks(p.Redacted)
	// The tokens a pattern may start at: those with a word of the
	// lexicons, of a kind some pattern starts with, or opening a mask.
	sc.starts = sc.starts[:0]
	for i := range sc.toks {
		words, cased := int32(0), int32(0)
		t := &sc.toks[i]
		if t.Kind == text.Word || t.Kind == text.Emoji || t.Kind == text.Number || t.Kind == text.Symbol || t.Kind == text.Hashtag {
			if h := wordFilterHash(t.Norm); v.vocabFilter.has(h) {
				words = v.vocabTab.find(t.Norm, h)
				for _, s := range v.slotLists[words] {
					sc.present[s>>6] |= 1 << (s & 63)
				}
			}
			if c := t.Raw[0]; c >= 'A' && c <= 'Z' {
				if h := wordFilterHash(t.Raw); v.vocabFilter.has(h) {
					cased = v.caseVocabTab.find(t.Raw, h)
				}
				for _, s := range v.slotLists[cased] {
					sc.present[s>>6] |= 1 << (s & 63)
				}
			}
		}
		sc.words[i], sc.cased[i] = words, cased
		if words != 0 || cased != 0 || t.Kind != text.Word && int(t.Kind) < len(v.kindStart) ||
			len(sc.masks) > 0 && sc.masks[i] != 0 {
			sc.starts = append(sc.starts, int32(i))
		}
	}
	hs := sc.hits()
	if len(hs) == 0 {
		return viol, ev
	}
	if len(v.allow) > 0 && sc.markAllowed() {
		hs = sc.hits()
	}
	lv, lev := v.evaluate(sc, hs)
	return append(viol, lv...), append(ev, lev...)
}

// indexFrom is strings.Index(s[from:], sub) + from, or -1. The tokens of
// a text come in order, a few bytes apart: look at the next bytes before
// searching the whole rest.
func indexFrom(s, sub string, from int) int {
	if sub == "" {
		return from
	}
	for j, end := from, min(from+8, len(s)-len(sub)); j <= end; j++ {
		if s[j] == sub[0] && s[j:j+len(sub)] == sub {
			return j
		}
	}
	if from+9 > len(s) {
		return -1
	}
	if j := strings.Index(s[from+9:], sub); j >= 0 {
		return j + from + 9
	}
	return -1
}

// markMasks records which tokens open a personal-data mask of the redacted
// text ("[telefono]"), so that patterns can name the data (<pii:phone>)
// without reading the placeholder's words as the writer's.
func (sc *vScan) markMasks(redacted string) {
	sc.masks = sc.masks[:0]
	if !sc.v.piiSlots || strings.IndexByte(redacted, '[') < 0 {
		return
	}
	sc.masks = slices.Grow(sc.masks, len(sc.toks))[:len(sc.toks)]
	clear(sc.masks)
	found := false
	cur := 0
	for i := range sc.toks {
		raw := sc.toks[i].Raw
		j := indexFrom(redacted, raw, cur)
		if raw == "" || j < 0 {
			continue
		}
		cur = j + len(raw)
		if j == 0 || redacted[j-1] != '[' {
			continue
		}
		for b, k := range maskKinds {
			if strings.HasPrefix(redacted[j-1:], k.Mask()) {
				sc.masks[i] = 1 << b
				found = true
				break
			}
		}
	}
	if !found {
		sc.masks = sc.masks[:0]
	}
}

// markAllowed flags the tokens of allowlisted phrases (places, surnames)
// so that no rule reads them; it reports whether any was found.
func (sc *vScan) markAllowed() bool {
	found := false
	for i := range sc.toks {
		for _, seq := range sc.v.allow[sc.toks[i].Raw] {
			if i+len(seq) > len(sc.toks) {
				continue
			}
			ok := true
			for k := 1; k < len(seq); k++ {
				if sc.toks[i+k].Raw != seq[k] {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if sc.neutral == nil {
				sc.neutral = make([]bool, len(sc.toks))
			}
			for k := range seq {
				sc.neutral[i+k] = true
			}
			found = true
		}
	}
	return found
}

// evaluate turns pattern hits into fired rules and labels.
func (v *violationRules) evaluate(sc *vScan, hs []vHit) ([]Violation, []Evidence) {
	// Group the hits by rule, keeping their order within a rule.
	byRule := append(sc.byRule[:0], hs...)
	slices.SortStableFunc(byRule, func(a, b vHit) int {
		return int(v.patterns[a.pat].rule) - int(v.patterns[b.pat].rule)
	})
	sc.byRule = byRule
	type score struct {
		label Violation
		s     float64
	}
	var scoreBuf [8]score
	scores := scoreBuf[:0]
	fired := sc.fired[:0]
	defer func() { sc.fired = fired }()
	for lo := 0; lo < len(byRule); {
		ri := v.patterns[byRule[lo].pat].rule
		hi := lo + 1
		for hi < len(byRule) && v.patterns[byRule[hi].pat].rule == ri {
			hi++
		}
		rh := byRule[lo:hi]
		lo = hi
		r := &v.rules[ri]
		if r.mild {
			continue
		}
		unless := sc.unless[:0]
		for _, h := range rh {
			if v.patterns[h.pat].role == roleUnless {
				unless = append(unless, h)
			}
		}
		sc.unless = unless
		blocked := func(hs ...vHit) bool {
			for _, u := range unless {
				for _, h := range hs {
					if r.overlap {
						if u.start <= h.end && h.start <= u.end {
							return true
						}
						continue
					}
					if sc.toks[u.start].Sentence == sc.toks[h.start].Sentence ||
						sc.toks[u.start].Sentence == sc.toks[h.end].Sentence {
						return true
					}
				}
			}
			return false
		}
		var match string
		if r.groups == 0 {
			for _, h := range rh {
				if v.patterns[h.pat].role == roleAny && !blocked(h) {
					match = v.patterns[h.pat].src
					break
				}
			}
		} else {
			if cap(sc.groups) < r.groups {
				sc.groups = make([][]vHit, r.groups)
			}
			groups := sc.groups[:r.groups]
			for g := range groups {
				groups[g] = groups[g][:0]
			}
			for _, h := range rh {
				if g := v.patterns[h.pat].role; g >= 0 {
					groups[g] = append(groups[g], h)
				}
			}
			if combo := v.combine(sc, r, groups, nil, blocked); combo != nil {
				parts := make([]string, len(combo))
				for k, h := range combo {
					parts[k] = v.patterns[h.pat].src
				}
				match = strings.Join(parts, " + ")
			}
		}
		if match == "" {
			continue
		}
		k := 0
		for k < len(scores) && scores[k].label != r.label {
			k++
		}
		if k == len(scores) {
			scores = append(scores, score{label: r.label})
		}
		scores[k].s += r.weight
		fired = append(fired, Evidence{Label: string(r.label), Rule: r.name, Match: match, Weight: r.weight})
	}
	var viol []Violation
	for _, sc := range scores {
		t, ok := v.thresholds[sc.label]
		if !ok {
			t = 1
		}
		if sc.s >= t {
			viol = append(viol, sc.label)
		}
	}
	if len(viol) == 0 {
		return nil, nil
	}
	var ev []Evidence
	for _, e := range fired {
		if slices.Contains(viol, Violation(e.Label)) {
			ev = append(ev, e)
		}
	}
	slices.SortFunc(ev, func(a, b Evidence) int { return compareJoined(a.Rule, a.Match, b.Rule, b.Match) })
	return viol, ev
}

// compareJoined compares a1+a2 with b1+b2 without building them.
func compareJoined(a1, a2, b1, b2 string) int {
	la, lb := len(a1)+len(a2), len(b1)+len(b2)
	for i := 0; i < la && i < lb; i++ {
		var ca, cb byte
		if i < len(a1) {
			ca = a1[i]
		} else {
			ca = a2[i-len(a1)]
		}
		if i < len(b1) {
			cb = b1[i]
		} else {
			cb = b2[i-len(b1)]
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return cmp.Compare(la, lb)
}

// combine picks one hit per group so that the hits do not overlap, lie
// within the rule's window (and sentence), and none is blocked.
func (v *violationRules) combine(sc *vScan, r *vRule, groups [][]vHit, chosen []vHit, blocked func(...vHit) bool) []vHit {
	g := len(chosen)
	if g == len(groups) {
		lo, hi := chosen[0].start, chosen[0].end
		for _, h := range chosen[1:] {
			lo, hi = min(lo, h.start), max(hi, h.end)
		}
		if r.window > 0 && hi-lo > r.window {
			return nil
		}
		if r.sentence && sc.toks[lo].Sentence != sc.toks[hi].Sentence {
			return nil
		}
		if blocked(chosen...) {
			return nil
		}
		return slices.Clone(chosen)
	}
	for _, h := range groups[g] {
		overlap := false
		for _, c := range chosen {
			if h.start <= c.end && c.start <= h.end {
				overlap = true
				break
			}
		}
		if overlap {
			continue
		}
		if out := v.combine(sc, r, groups, append(chosen, h), blocked); out != nil {
			return out
		}
	}
	return nil
}

// shouting applies netiquette §2.1 to the display text: after removing
// allowlisted acronyms, links, mentions, hashtags and tokens with a digit,
// at least minLetters letters remain and more than half are upper case.
func (v *violationRules) shouting(s string) bool {
	// Cheap bound first: without enough capitals nothing can shout. A
	// non-ASCII letter may be upper case: count its first byte.
	caps := capsBound(s)
	if 2*caps <= v.minLetters {
		return false
	}
	letters, upper := 0, 0
	for i := 0; i < len(s); {
		if isSpaceByte(s[i]) {
			i++
			continue
		}
		end, digit, colon, dot := i, false, false, false
		for end < len(s) && !isSpaceByte(s[end]) {
			c := s[end]
			digit = digit || c >= '0' && c <= '9'
			colon = colon || c == ':'
			dot = dot || c == '.' && end > i
			end++
		}
		f := s[i:end]
		i = end
		if f[0] == '@' || f[0] == '#' || digit || colon && strings.Contains(f, "://") || dot && looksLikeLink(f) {
			continue
		}
		start := -1
		for k, r := range f {
			if unicode.IsLetter(r) {
				if start < 0 {
					start = k
				}
				continue
			}
			if start >= 0 {
				v.countWord(f[start:k], &letters, &upper)
				start = -1
			}
		}
		if start >= 0 {
			v.countWord(f[start:], &letters, &upper)
		}
	}
	return letters >= v.minLetters && 2*upper > letters
}

// capsBound counts the bytes of s that are an ASCII capital or the first
// byte of a character outside U+0000–U+007F (which may be a capital),
// eight bytes at a time.
func capsBound(s string) int {
	n, i := 0, 0
	for ; i+8 <= len(s); i += 8 {
		x := swar.Load(s[i : i+8])
		lead := x & (x << 1) & swar.Highs // high bit set where a byte is 0xC0 or above
		n += bits.OnesCount64(swar.Upper(x) | lead)
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0xC0 {
			n++
		}
	}
	return n
}

// acroIndex numbers a byte for acroFilter: a letter (either case) by its
// place in the alphabet, anything else 26.
func acroIndex(c byte) uint8 {
	if c |= 0x20; c >= 'a' && c <= 'z' {
		return c - 'a'
	}
	return 26
}

// countWord adds the letters of w unless it is an allowlisted acronym.
func (v *violationRules) countWord(w string, letters, upper *int) {
	if len(w) <= 16 && v.acroFilter[len(w)][acroIndex(w[0])]&(1<<acroIndex(w[len(w)-1])) != 0 {
		var buf [16]byte
		ascii := true
		for i := 0; i < len(w); i++ {
			c := w[i]
			if c >= 0x80 {
				ascii = false
				break
			}
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii && v.acronyms[string(buf[:len(w)])] {
			return
		}
	}
	for _, r := range w {
		*letters++
		if unicode.IsUpper(r) {
			*upper++
		}
	}
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// looksLikeLink reports whether a field is a bare link such as t.me/x.
func looksLikeLink(f string) bool {
	toks := text.Analyze(f, nil)
	return len(toks) == 1 && toks[0].Kind == text.URL
}
