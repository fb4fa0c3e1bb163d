package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/inps-social/inpsbot/bot/text"
)

// The intent matcher scores evidence. Every entry of intents.yaml is a
// word or a phrase of whole folded tokens (a trailing "*" makes a token a
// prefix, "$name" stands for any word of a class, "~N" lets up to N other
// tokens come before the next one) with a signed weight towards one score: an intent, the "ask"
// score (the post asks something), or the "personal" score (the post is
// about the writer's own records). A post's scores are the sums of the
// weights of the distinct entries it contains; a short decision over the
// scores, the thresholds and the violations already found picks the intent
// and the personal flag. Everything that can be tuned lives in the YAML.

// Score slots beyond the intents.
const (
	slotAsk      = len(intentOrder)     // the post asks a question or a service
	slotPersonal = len(intentOrder) + 1 // the post is about the writer's own case
	slotOthers   = len(intentOrder) + 2 // the personal data belong to someone else
	numSlots     = len(intentOrder) + 3
)

// intentOrder fixes the slot of each intent; it is AllIntents.
var intentOrder = [...]Intent{Naspi, AssegnoUnico, ISEE, ADI, Pensione, CedolinoPensione, CertificazioneUnica,
	Invalidita, Famiglia, Malattia, AccessoServizi, Contributi, LavoroDomestico, CassaIntegrazione, Pagamenti,
	Complaint, ForgetMe, Thanks, None}

// slotNames maps a score name of intents.yaml to its slot.
var slotNames = func() map[string]int {
	m := make(map[string]int, numSlots)
	for i, in := range intentOrder {
		m[string(in)] = i
	}
	m["ask"] = slotAsk
	m["personal"] = slotPersonal
	m["others_data"] = slotOthers
	return m
}()

func slotName(s int) string {
	switch s {
	case slotAsk:
		return "ask"
	case slotPersonal:
		return "personal"
	case slotOthers:
		return "others_data"
	}
	return string(intentOrder[s])
}

// Pseudo-tokens the tokenizer emits besides words.
const (
	tokQuestion = "?"     // one or more question marks
	tokUser     = "@user" // a mention of an account other than INPS
	tokINPS     = "@inps" // a mention of an INPS account
	tokURL      = "<url>" // a link; its text is not matched
)

// intentThresholds are the cut-offs of the decision.
type intentThresholds struct {
	Topic            float64 `yaml:"topic"`             // a topic's score needed to be the intent
	Complaint        float64 `yaml:"complaint"`         // complaint score needed
	HostileComplaint float64 `yaml:"hostile_complaint"` // complaint score needed when a hostile violation is present
	Thanks           float64 `yaml:"thanks"`            // thanks score needed
	ForgetMe         float64 `yaml:"forget_me"`         // forget_me score needed
	Ask              float64 `yaml:"ask"`               // ask score at which the post asks something
	Personal         float64 `yaml:"personal"`          // personal score at which personal is true
	OthersData       float64 `yaml:"others_data"`       // others_data score at which personal data stop counting
	ThanksMargin     float64 `yaml:"thanks_margin"`     // thanks beats complaint when it leads by this much
}

// violationEffect is how one violation already found steers the intent.
type violationEffect struct {
	ForceNone        bool `yaml:"force_none"`         // the post is none whatever it says
	NoPIIPersonal    bool `yaml:"no_pii_personal"`    // personal data do not make it personal
	Hostile          bool `yaml:"hostile"`            // a topic needs a question; complaint needs hostile_complaint
	NoComplaint      bool `yaml:"no_complaint"`       // never a complaint
	TopicAsComplaint bool `yaml:"topic_as_complaint"` // with no question, a topic mention is a complaint
}

// intentsFile is the schema of intents.yaml; the scores section is walked
// by hand to keep each entry's line.
type intentsFile struct {
	Skip         []string                   `yaml:"skip"`
	Classes      map[string][]string        `yaml:"classes"`
	Thresholds   intentThresholds           `yaml:"thresholds"`
	Violations   map[string]violationEffect `yaml:"violations"`
	PII          map[string]float64         `yaml:"pii"`
	PersonalBias map[string]float64         `yaml:"personal_bias"`
	Priority     []string                   `yaml:"priority"`
	Overrides    []overrideRule             `yaml:"overrides"`
	Scores       yaml.Node                  `yaml:"scores"`
}

// overrideRule is a neighbour rule: when Intent scores at least Min, it
// wins over the best topic if that topic is one of Over.
type overrideRule struct {
	Intent string   `yaml:"intent"`
	Min    float64  `yaml:"min"`
	Over   []string `yaml:"over"`
}

// override is the compiled overrideRule.
type override struct {
	slot int
	min  float64
	over [numSlots]bool
}

// pattern is one token of an entry: an exact token, a prefix, or any
// member of a word class. gap is how many other tokens may come between
// the previous token of the entry and this one.
type pattern struct {
	s      string
	prefix bool
	set    *wordClass
	gap    int
}

func (pt pattern) matches(tok string) bool {
	switch {
	case pt.set != nil:
		return pt.set.has(tok)
	case pt.prefix:
		return strings.HasPrefix(tok, pt.s)
	}
	return tok == pt.s
}

// wordClass is a named set of tokens and prefixes ("$name" in a phrase).
type wordClass struct {
	name     string
	exact    map[string]bool
	prefixes []string
	// bits and first let has skip its lookups for most tokens: the
	// tokenBit of every exact word, the first byte of every prefix.
	bits  [512 / 64]uint64
	first [256 / 64]uint64
}

// index fills bits and first once exact and prefixes are complete.
func (c *wordClass) index() {
	for w := range c.exact {
		b := tokenBit(w)
		c.bits[b/64] |= 1 << (b % 64)
	}
	for _, p := range c.prefixes {
		c.first[p[0]/64] |= 1 << (p[0] % 64)
	}
}

func (c *wordClass) has(tok string) bool {
	if tok == "" {
		return false
	}
	if b := tokenBit(tok); c.bits[b/64]&(1<<(b%64)) != 0 && c.exact[tok] {
		return true
	}
	if c.first[tok[0]/64]&(1<<(tok[0]%64)) == 0 {
		return false
	}
	for _, p := range c.prefixes {
		if strings.HasPrefix(tok, p) {
			return true
		}
	}
	return false
}

// maxGap bounds the "~N" gap of a phrase.
const maxGap = 6

// entry is one weighted word or phrase.
type entry struct {
	slot   int
	weight float64
	toks   []pattern // first token is found through the trie
	match  string    // the entry as written in the file
	// need holds the presence bits (tokenBit) of the exact words after
	// the first: a post without one of them cannot match the entry.
	need []uint16
}

// noNeed is the presence bit past tokenBit's range, set in every post:
// the first need of an entry that needs no word.
const noNeed = 512

// tokenBit is the bit of a token in a post's presence set: a cheap hash
// of the word, so that a clear bit says the word is absent.
func tokenBit(w string) uint16 { return uint16(wordFilterHash(w) % 512) }

// trieNode is a node of the byte trie over the first tokens of entries.
type trieNode struct {
	edgeLo, edgeHi int32   // children: edges[edgeLo:edgeHi]
	dense          int32   // children by byte class: dense[dense+class]; -1 when the node has few children
	exact          []int32 // entries whose first token is this string
	prefix         []int32 // entries whose first token has this prefix
	skip           bool    // the string is a skip word
}

type trieEdge struct {
	b    byte
	next int32
}

// intentRules is the compiled form of intents.yaml. It is immutable.
type intentRules struct {
	entries   []entry
	firstNeed []uint16 // by entry: its first need bit, or noNeed
	nodes     []trieNode
	edges     []trieEdge
	root      [256]int32  // first byte → node (0: none)
	class     [256]uint16 // byte → its class in dense rows (0: no edge has it)
	nclass    int32       // classes per dense row
	dense     []int32     // rows of children of the nodes with many of them
	th        intentThresholds
	viol      map[Violation]violationEffect
	pii       map[string]float64
	bias      [numSlots]float64
	rank      [numSlots]int // tie-break rank of each topic (lower wins)
	overrides []override
	file      string
	numTopics int
}

// buildTrie is the mutable form of the trie while loading.
type buildNode struct {
	kids   map[byte]*buildNode
	exact  []int32
	prefix []int32
	skip   bool
}

func (b *buildNode) child(c byte) *buildNode {
	if b.kids == nil {
		b.kids = map[byte]*buildNode{}
	}
	n := b.kids[c]
	if n == nil {
		n = &buildNode{}
		b.kids[c] = n
	}
	return n
}

func (b *buildNode) walk(s string) *buildNode {
	n := b
	for i := 0; i < len(s); i++ {
		n = n.child(s[i])
	}
	return n
}

// loadIntents reads and compiles dir/intents.yaml. Errors name the file
// and, for entries, thresholds and labels, the line.
func loadIntents(fsys fs.FS, dir string) (*intentRules, error) {
	name := dir + "/intents.yaml"
	var f intentsFile
	if err := decodeFile(fsys, name, &f); err != nil {
		return nil, err
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	ir := &intentRules{file: name, viol: map[Violation]violationEffect{}, pii: map[string]float64{}}
	var errs []error
	bad := func(path []string, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, lineOf(&doc, path...), fmt.Sprintf(format, a...)))
	}

	t := f.Thresholds
	for _, c := range []struct {
		key string
		v   float64
	}{{"topic", t.Topic}, {"complaint", t.Complaint}, {"hostile_complaint", t.HostileComplaint},
		{"thanks", t.Thanks}, {"forget_me", t.ForgetMe}, {"ask", t.Ask}, {"personal", t.Personal},
		{"others_data", t.OthersData}, {"thanks_margin", t.ThanksMargin}} {
		if !(c.v > 0) || math.IsInf(c.v, 0) {
			bad([]string{"thresholds", c.key}, "threshold %s: %v must be a positive number", c.key, c.v)
		}
	}
	ir.th = t

	for k, v := range f.Violations {
		if !slices.Contains(AllViolations, Violation(k)) {
			bad([]string{"violations", k}, "unknown violation %q", k)
			continue
		}
		ir.viol[Violation(k)] = v
	}
	for k, w := range f.PII {
		if !validWeight(w) {
			bad([]string{"pii", k}, "pii %s: bad weight %v", k, w)
		}
		ir.pii[k] = w
	}
	for k, w := range f.PersonalBias {
		s, ok := slotNames[k]
		if !ok || s >= len(intentOrder) {
			bad([]string{"personal_bias", k}, "unknown intent %q", k)
			continue
		}
		if !validWeight(w) {
			bad([]string{"personal_bias", k}, "personal_bias %s: bad weight %v", k, w)
		}
		ir.bias[s] = w
	}
	for i := range ir.rank {
		ir.rank[i] = len(ir.rank)
	}
	for i, k := range f.Priority {
		s, ok := slotNames[k]
		if !ok || s >= len(intentOrder) || !intentOrder[s].IsTopic() {
			errs = append(errs, fmt.Errorf("%s:%d: priority: %q is not a topic intent", name, lineOfSeq(&doc, i, "priority"), k))
			continue
		}
		ir.rank[s] = i
	}

	for i, o := range f.Overrides {
		line := lineOfSeq(&doc, i, "overrides")
		s, ok := slotNames[o.Intent]
		if !ok || s >= len(intentOrder) || !intentOrder[s].IsTopic() {
			errs = append(errs, fmt.Errorf("%s:%d: overrides: intent %q is not a topic intent", name, line, o.Intent))
			continue
		}
		if !(o.Min > 0) || math.IsInf(o.Min, 0) {
			errs = append(errs, fmt.Errorf("%s:%d: overrides: min %v must be a positive number", name, line, o.Min))
			continue
		}
		ov := override{slot: s, min: o.Min}
		for _, x := range o.Over {
			xs, ok := slotNames[x]
			if !ok || xs >= len(intentOrder) || !intentOrder[xs].IsTopic() {
				errs = append(errs, fmt.Errorf("%s:%d: overrides: %q is not a topic intent", name, line, x))
				continue
			}
			ov.over[xs] = true
		}
		ir.overrides = append(ir.overrides, ov)
	}

	root := &buildNode{}
	for _, w := range f.Skip {
		toks := phraseTokens(w)
		if len(toks) != 1 {
			bad([]string{"skip"}, "skip word %q is not one token", w)
			continue
		}
		root.walk(toks[0]).skip = true
	}

	classes := map[string]*wordClass{}
	for cname, words := range f.Classes {
		c := &wordClass{name: cname, exact: map[string]bool{}}
		if cname == "" || strings.ContainsAny(cname, " $~*") {
			bad([]string{"classes", cname}, "class name %q must be one plain word", cname)
			continue
		}
		for _, w := range words {
			prefix := strings.HasSuffix(w, "*") && len(w) > 1
			toks := phraseTokens(strings.TrimSuffix(w, "*"))
			if len(toks) != 1 {
				bad([]string{"classes", cname}, "class %s: %q is not one token", cname, w)
				continue
			}
			t := toks[0]
			if n := lookupBuild(root, t); n != nil && n.skip && !prefix {
				bad([]string{"classes", cname}, "class %s: %q is a skip word", cname, w)
				continue
			}
			if prefix {
				if len(t) < 3 {
					bad([]string{"classes", cname}, "class %s: prefix %q shorter than 3 letters", cname, t)
					continue
				}
				c.prefixes = append(c.prefixes, t)
			} else {
				c.exact[t] = true
			}
		}
		if len(c.exact)+len(c.prefixes) == 0 {
			bad([]string{"classes", cname}, "class %s is empty", cname)
			continue
		}
		slices.Sort(c.prefixes)
		c.index()
		classes[cname] = c
	}

	sc := &f.Scores
	if sc.Kind != yaml.MappingNode {
		if sc.Kind == 0 {
			errs = append(errs, fmt.Errorf("%s: scores: missing", name))
		} else {
			errs = append(errs, fmt.Errorf("%s:%d: scores: want a mapping of score names", name, sc.Line))
		}
	} else {
		for i := 0; i+1 < len(sc.Content); i += 2 {
			kn, vn := sc.Content[i], sc.Content[i+1]
			seen := map[string]int{} // compiled phrase → line, within one score
			slot, ok := slotNames[kn.Value]
			if !ok {
				errs = append(errs, fmt.Errorf("%s:%d: unknown intent or score %q", name, kn.Line, kn.Value))
				continue
			}
			if vn.Kind != yaml.MappingNode {
				errs = append(errs, fmt.Errorf("%s:%d: %s: want a mapping of phrase: weight", name, vn.Line, kn.Value))
				continue
			}
			for j := 0; j+1 < len(vn.Content); j += 2 {
				pn, wn := vn.Content[j], vn.Content[j+1]
				var w float64
				if wn.Kind != yaml.ScalarNode || wn.Decode(&w) != nil || !validWeight(w) {
					errs = append(errs, fmt.Errorf("%s:%d: %s: %q: weight %q must be a non-zero number in [-50, 50]",
						name, wn.Line, kn.Value, pn.Value, wn.Value))
					continue
				}
				pats, err := compilePhrase(pn.Value, root, classes)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s:%d: %s: %w", name, pn.Line, kn.Value, err))
					continue
				}
				key := phraseKey(pats)
				if prev, ok := seen[key]; ok {
					errs = append(errs, fmt.Errorf("%s:%d: %s: %q matches the same tokens as the entry on line %d (skip words are dropped)",
						name, pn.Line, kn.Value, pn.Value, prev))
					continue
				}
				seen[key] = pn.Line
				id := int32(len(ir.entries))
				e := entry{slot: slot, weight: w, toks: pats, match: pn.Value}
				// Longer words first: they are rarer, so the check fails sooner.
				var words []string
				for _, pt := range pats[1:] {
					if pt.set == nil && !pt.prefix {
						words = append(words, pt.s)
					}
				}
				slices.SortStableFunc(words, func(a, b string) int { return len(b) - len(a) })
				for _, w := range words {
					e.need = append(e.need, tokenBit(w))
				}
				ir.entries = append(ir.entries, e)
				if c := pats[0].set; c != nil {
					// A class first token is found through each member.
					for t := range c.exact {
						n := root.walk(t)
						n.exact = append(n.exact, id)
					}
					for _, t := range c.prefixes {
						n := root.walk(t)
						n.prefix = append(n.prefix, id)
					}
				} else {
					n := root.walk(pats[0].s)
					if pats[0].prefix {
						n.prefix = append(n.prefix, id)
					} else {
						n.exact = append(n.exact, id)
					}
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ir.firstNeed = make([]uint16, len(ir.entries))
	for i, e := range ir.entries {
		ir.firstNeed[i] = noNeed
		if len(e.need) > 0 {
			ir.firstNeed[i] = e.need[0]
		}
	}
	ir.flatten(root)
	return ir, nil
}

// phraseKey is the identity of a compiled phrase: two entries with the
// same key would both count on every match.
func phraseKey(pats []pattern) string {
	var b strings.Builder
	for _, p := range pats {
		if p.gap > 0 {
			fmt.Fprintf(&b, "~%d ", p.gap)
		}
		if p.set != nil {
			b.WriteString("$" + p.set.name)
		} else {
			b.WriteString(p.s)
		}
		if p.prefix {
			b.WriteByte('*')
		}
		b.WriteByte(' ')
	}
	return b.String()
}

func validWeight(w float64) bool {
	return w != 0 && !math.IsNaN(w) && w >= -50 && w <= 50
}

// compilePhrase turns an entry into token patterns: folded, split like a
// post, skip words dropped. A trailing "*" marks a prefix token, "$name"
// stands for any word of a class and "~N" lets up to N other tokens come
// before the next one.
func compilePhrase(s string, root *buildNode, classes map[string]*wordClass) ([]pattern, error) {
	var out []pattern
	gap := 0
	for _, f := range strings.Fields(s) {
		if g, ok := gapField(f); ok {
			if g < 1 || g > maxGap {
				return nil, fmt.Errorf("%q: gap %q must be ~1 to ~%d", s, f, maxGap)
			}
			if len(out) == 0 {
				return nil, fmt.Errorf("%q: a gap cannot start a phrase", s)
			}
			gap += g
			continue
		}
		if name, ok := strings.CutPrefix(f, "$"); ok {
			c := classes[name]
			if c == nil {
				return nil, fmt.Errorf("%q: unknown class %q", s, f)
			}
			out = append(out, pattern{set: c, gap: gap})
			gap = 0
			continue
		}
		prefix := strings.HasSuffix(f, "*") && len(f) > 1
		toks := phraseTokens(strings.TrimSuffix(f, "*"))
		for i, t := range toks {
			if n := lookupBuild(root, t); n != nil && n.skip && !(prefix && i == len(toks)-1) {
				continue
			}
			out = append(out, pattern{s: t, prefix: prefix && i == len(toks)-1, gap: gap})
			gap = 0
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q: no token left to match", s)
	}
	if gap > 0 {
		return nil, fmt.Errorf("%q: a gap cannot end a phrase", s)
	}
	for _, p := range out {
		if p.set == nil && p.prefix && len(p.s) < 3 {
			return nil, fmt.Errorf("%q: prefix %q shorter than 3 letters", s, p.s)
		}
	}
	return out, nil
}

// gapField reads a "~N" field of a phrase.
func gapField(f string) (int, bool) {
	rest, ok := strings.CutPrefix(f, "~")
	if !ok || rest == "" {
		return 0, false
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' || n > maxGap {
			return -1, true
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func lookupBuild(root *buildNode, s string) *buildNode {
	n := root
	for i := 0; i < len(s) && n != nil; i++ {
		n = n.kids[s[i]]
	}
	return n
}

// phraseTokens splits one written entry word the way posts are split.
// Pseudo-tokens ("?", "@user", "@inps", "<url>") are kept as they are.
func phraseTokens(s string) []string {
	switch s {
	case tokQuestion, tokUser, tokINPS, tokURL:
		return []string{s}
	}
	var toks []string
	scanTokens(text.Fold(s), func(t string) { toks = append(toks, t) })
	return toks
}

// flatten turns the build trie into the flat, read-only arrays.
func (ir *intentRules) flatten(root *buildNode) {
	ir.nodes = append(ir.nodes, trieNode{}) // node 0: "no node"
	var add func(b *buildNode) int32
	add = func(b *buildNode) int32 {
		id := int32(len(ir.nodes))
		ir.nodes = append(ir.nodes, trieNode{exact: b.exact, prefix: b.prefix, skip: b.skip})
		keys := make([]byte, 0, len(b.kids))
		for k := range b.kids {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		lo := int32(len(ir.edges))
		for _, k := range keys {
			ir.edges = append(ir.edges, trieEdge{b: k})
		}
		hi := int32(len(ir.edges))
		ir.nodes[id].edgeLo, ir.nodes[id].edgeHi = lo, hi
		for i, k := range keys {
			ir.edges[lo+int32(i)].next = add(b.kids[k])
		}
		return id
	}
	for c := 0; c < 256; c++ {
		if k := root.kids[byte(c)]; k != nil {
			ir.root[c] = add(k)
		}
	}
	// Nodes with many children get a row indexed by byte class, so that
	// a walk does not scan their edges.
	for _, e := range ir.edges {
		if ir.class[e.b] == 0 {
			ir.nclass++
			ir.class[e.b] = uint16(ir.nclass)
		}
	}
	ir.nclass++ // class 0: a byte that no edge has
	for i := range ir.nodes {
		nd := &ir.nodes[i]
		nd.dense = -1
		if nd.edgeHi-nd.edgeLo <= denseMin {
			continue
		}
		nd.dense = int32(len(ir.dense))
		ir.dense = append(ir.dense, make([]int32, ir.nclass)...)
		for _, e := range ir.edges[nd.edgeLo:nd.edgeHi] {
			ir.dense[nd.dense+int32(ir.class[e.b])] = e.next
		}
	}
}

// denseMin is the number of children above which a node gets a dense row.
const denseMin = 3

// lineOf finds the line of the key at path in a YAML document (the
// deepest key found; 0 when none is).
func lineOf(doc *yaml.Node, path ...string) int {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			break
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return line
}

// lineOfSeq finds the line of item i of the sequence at path.
func lineOfSeq(doc *yaml.Node, i int, path ...string) int {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return n.Line
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				next = n.Content[j+1]
			}
		}
		if next == nil {
			return n.Line
		}
		n = next
	}
	if n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i].Line
	}
	return n.Line
}
