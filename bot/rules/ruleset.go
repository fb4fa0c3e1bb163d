package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unsafe"

	"go.yaml.in/yaml/v3"

	"github.com/inps-social/inpsbot/bot/text"
)

// Ruleset is one loaded, validated set of rules: violations, intents,
// the repeat measure and the action policy. It is immutable and safe for
// concurrent use.
type Ruleset struct {
	violations *violationRules
	intents    *intentRules
	repeats    RepeatConfig
	policy     Policy
	files      []string
}

// Input is what the rules read of a post.
type Input struct {
	Display  string   // the text as a person reads it (HTML stripped)
	Redacted string   // Display with personal data masked
	PII      []string // personal-data kinds found, sorted
}

// Result is the rules' verdict on one post, before repeats and actions.
type Result struct {
	Violations []Violation // sorted; personal_data and repeated are not set here
	Intent     Intent
	Personal   bool
	Evidence   []Evidence
	// Fingerprint is what the repeated rule keeps of the post.
	Fingerprint Fingerprint
}

// post is the shared, prepared form of an Input that every rule reads.
type post struct {
	Input
	fold string // text.Fold of the redacted text
}

var textFold = text.Fold

func prepare(in Input) *post {
	return &post{Input: in, fold: text.Fold(in.Redacted)}
}

// analyzeScratch is the per-call working memory of Analyze, pooled: the
// folded text and the fingerprint's buffers live only during the call.
type analyzeScratch struct {
	fold   []byte
	norm   []byte
	starts []int
}

var analyzePool = sync.Pool{New: func() any { return new(analyzeScratch) }}

// Tokens splits folded text into word tokens: runs of letters and digits,
// with apostrophes splitting ("l'assegno" gives "l", "assegno").
func Tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f && isLetter(r))
	})
}

// Analyze gives the violations (but personal_data and repeated), the
// intent and the personal flag of one post.
func (rs *Ruleset) Analyze(in Input) Result {
	return rs.AnalyzeAll([]Input{in})[0]
}

// AnalyzeAll is Analyze over several posts: each stage (violations,
// intents, fingerprints) runs over all of them before the next, which
// keeps its code and tables in the processor's caches.
func (rs *Ruleset) AnalyzeAll(ins []Input) []Result {
	as := analyzePool.Get().(*analyzeScratch)
	defer analyzePool.Put(as)
	// The folded texts, one after the other in as.fold: their strings are
	// made once the buffer has stopped growing.
	ends := make([]int, len(ins))
	as.fold = as.fold[:0]
	for i, in := range ins {
		as.fold = text.AppendFold(as.fold, in.Redacted)
		ends[i] = len(as.fold)
	}
	ps := make([]post, len(ins))
	start := 0
	for i, in := range ins {
		f := as.fold[start:ends[i]]
		ps[i] = post{Input: in, fold: unsafe.String(unsafe.SliceData(f), len(f))}
		start = ends[i]
	}
	res := make([]Result, len(ins))
	for i := range ps {
		viol, ev := rs.violations.find(&ps[i])
		slices.Sort(viol)
		res[i].Violations, res[i].Evidence = slices.Compact(viol), ev
	}
	for i := range ps {
		r := &res[i]
		r.Intent, r.Personal, r.Evidence = rs.intents.classifyInto(&ps[i], r.Violations, r.Evidence)
	}
	for i := range ps {
		res[i].Fingerprint = fingerprintScratch(ps[i].fold, as)
	}
	return res
}

// Policy returns the action table of the ruleset.
func (rs *Ruleset) Policy() Policy { return rs.policy }

// Files lists the rule files the set was loaded from.
func (rs *Ruleset) Files() []string { return slices.Clone(rs.files) }

// Load reads and validates every rule file under dir in fsys ("rules" for
// the embedded defaults): the violation lexicons, the intents, repeated.yaml
// and policy.yaml. An error names the file and, where YAML gives it, the line.
func Load(fsys fs.FS, dir string) (*Ruleset, error) {
	rs := &Ruleset{}
	var errs []error
	var err error
	if rs.violations, err = loadViolations(fsys, dir); err != nil {
		errs = append(errs, err)
	}
	if rs.intents, err = loadIntents(fsys, dir); err != nil {
		errs = append(errs, err)
	}
	if rs.repeats, err = loadRepeats(fsys, dir); err != nil {
		errs = append(errs, err)
	}
	if rs.policy, err = loadPolicy(fsys, dir); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	rs.files, _ = fs.Glob(fsys, dir+"/*.yaml")
	return rs, nil
}

// decodeFile reads name from fsys into v, rejecting unknown keys; errors
// are prefixed with the file name and carry YAML's line numbers.
func decodeFile(fsys fs.FS, name string, v any) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func isLetter(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
