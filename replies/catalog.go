// Package replies holds what inpsbot answers: the intent catalogue (the
// topic as people name it, the www.inps.it scheda and search term, the
// channel) and the Italian reply templates. The defaults are embedded; a
// directory may override catalog.yaml, templates.yaml or both.
//
// A Catalog renders a reply from catalogue data alone: nothing of the
// post's text ever reaches a reply, only, on Mastodon, the author's handle.
package replies

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

// The files a catalogue is read from.
const (
	catalogFile   = "catalog.yaml"
	templatesFile = "templates.yaml"
)

//go:embed catalog.yaml templates.yaml
var embedded embed.FS

// Config says where the catalogue comes from and what it may mention.
type Config struct {
	// Risponde lets replies mention the INPS Risponde service, whose
	// current existence is not confirmed; off by default.
	Risponde bool
	// Dir is a directory whose catalog.yaml and templates.yaml replace the
	// embedded ones; a file missing there falls back to the embedded one.
	// Empty means the embedded defaults only.
	Dir string
}

// Channel is where a topic's reply sends people first.
type Channel string

// The channels of the catalogue.
const (
	ContactCenter Channel = "contact_center" // Contact Center Multicanale
	MyINPS        Channel = "myinps"         // the personal area of www.inps.it
	URP           Channel = "urp"            // the public relations office of the local branch
	Privacy       Channel = "privacy"        // the privacy page and the DPO
)

var channels = []Channel{ContactCenter, MyINPS, URP, Privacy}

// Page is one scheda of www.inps.it.
type Page struct {
	Search string `yaml:"search"` // the term to type in the site's search engine
	Title  string `yaml:"title"`  // the scheda's title, unconfirmed; never shown in replies
	URL    string `yaml:"url"`    // the scheda's address once verified, else empty
}

// Topic is the catalogue entry of one intent.
type Topic struct {
	Intent  rules.Intent `yaml:"intent"`
	Name    string       `yaml:"name"`    // the topic as people say it ("NASpI")
	Subject string       `yaml:"subject"` // with its article ("la NASpI")
	About   string       `yaml:"about"`   // with its preposition ("sulla NASpI")
	Channel Channel      `yaml:"channel"`
	Note    string       `yaml:"note"` // an optional sentence for the topic reply
	Pages   []Page       `yaml:"pages"`
}

// Contact holds the Contact Center numbers and hours.
type Contact struct {
	Landline string `yaml:"landline"` // free from a landline
	Mobile   string `yaml:"mobile"`   // from a mobile, at the operator's rate
	Hours    string `yaml:"hours"`    // opening hours, as a phrase
}

// kind is one reply situation, with its templates.
type kind string

const (
	kindPrivacy   kind = "privacy"
	kindPersonal  kind = "personal"
	kindTopic     kind = "topic"
	kindComplaint kind = "complaint"
	kindForget    kind = "forget"
)

var kinds = []kind{kindPrivacy, kindPersonal, kindTopic, kindComplaint, kindForget}

// Catalog is a loaded, validated catalogue with its templates. It is
// immutable and safe for concurrent use; it implements bot.Replier.
type Catalog struct {
	topics    map[rules.Intent]Topic
	contact   Contact
	reminder  string
	templates map[kind][]*template.Template
	risponde  bool

	// rendered caches fit's results without a mention: a reply depends
	// only on catalogue data and a few flags, never on the post.
	rendered sync.Map // renderKey → string
}

type renderKey struct {
	kind     kind
	intent   rules.Intent
	platform string
	shout    bool
}

type catalogDoc struct {
	Contact Contact       `yaml:"contact"`
	Topics  []*topicEntry `yaml:"topics"`
}

// topicEntry is a topic as read from the file, with its line.
type topicEntry struct {
	Topic
	line int
}

type templatesDoc struct {
	Reminder  string     `yaml:"reminder"`
	Privacy   []*variant `yaml:"privacy"`
	Personal  []*variant `yaml:"personal"`
	Topic     []*variant `yaml:"topic"`
	Complaint []*variant `yaml:"complaint"`
	Forget    []*variant `yaml:"forget"`
}

func (d *templatesDoc) variants(k kind) []*variant {
	switch k {
	case kindPrivacy:
		return d.Privacy
	case kindPersonal:
		return d.Personal
	case kindTopic:
		return d.Topic
	case kindComplaint:
		return d.Complaint
	case kindForget:
		return d.Forget
	}
	return nil
}

// variant is one template text and the line its text starts on.
type variant struct {
	text    string
	line    int
	literal bool // a literal block (|): template lines are file lines
}

// UnmarshalYAML keeps the line of a template for error messages.
func (v *variant) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n.Line, "a template must be a string")
	}
	v.text, v.line = n.Value, n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		v.line++ // the text starts below the | or > indicator
	}
	v.literal = n.Style&yaml.LiteralStyle != 0
	return nil
}

var templateLine = regexp.MustCompile(`^template: [^:]+:(\d+):`)

// errorLine is the file line of a template parse error: the template's
// own line where the block keeps lines, else the line the text starts on.
func (v *variant) errorLine(err error) int {
	if m := templateLine.FindStringSubmatch(err.Error()); m != nil && v.literal {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			return v.line + n - 1
		}
	}
	return v.line
}

// UnmarshalYAML decodes a topic strictly and keeps its line.
func (e *topicEntry) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, Topic{}); err != nil {
		return err
	}
	if err := n.Decode(&e.Topic); err != nil {
		return err
	}
	e.line = n.Line
	return nil
}

// UnmarshalYAML decodes a page strictly.
func (p *Page) UnmarshalYAML(n *yaml.Node) error {
	type plain Page
	if err := knownKeys(n, plain{}); err != nil {
		return err
	}
	return n.Decode((*plain)(p))
}

// knownKeys rejects mapping keys that are not yaml tags of v's struct type,
// which Node.Decode alone would silently ignore.
func knownKeys(n *yaml.Node, v any) error {
	if n.Kind != yaml.MappingNode {
		return typeError(n.Line, "expected a mapping")
	}
	t := reflect.TypeOf(v)
	allowed := map[string]bool{}
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			allowed[tag] = true
		}
	}
	var errs []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !allowed[k.Value] {
			errs = append(errs, fmt.Sprintf("line %d: unknown field %q", k.Line, k.Value))
		}
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

func typeError(line int, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", line, msg)}}
}

// Load reads the catalogue and templates (embedded, or from cfg.Dir where
// it has them) and validates them: every entry complete, every template
// parsing, rendering for every intent, situation and platform, naming a
// channel, free of requests for private contact, and its shortest variant
// within the platform's limit. Errors name file and line.
func Load(cfg Config) (*Catalog, error) {
	catFS, catName, err := source(cfg.Dir, catalogFile)
	if err != nil {
		return nil, err
	}
	tplFS, tplName, err := source(cfg.Dir, templatesFile)
	if err != nil {
		return nil, err
	}
	var cat catalogDoc
	var tpl templatesDoc
	errs := []error{decode(catFS, catalogFile, catName, &cat), decode(tplFS, templatesFile, tplName, &tpl)}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	c := &Catalog{
		topics:    map[rules.Intent]Topic{},
		contact:   cat.Contact,
		reminder:  tpl.Reminder,
		templates: map[kind][]*template.Template{},
		risponde:  cfg.Risponde,
	}
	errs = append(errs[:0], c.addTopics(catName, &cat)...)
	errs = append(errs, c.parseTemplates(tplName, &tpl)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := c.check(tplName, &tpl); err != nil {
		return nil, err
	}
	return c, nil
}

// source picks the file system holding name: dir when it has the file,
// else the embedded defaults. It also returns the name to use in errors.
func source(dir, name string) (fs.FS, string, error) {
	if dir == "" {
		return embedded, name, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("replies: %w", err)
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("replies: %s: not a directory", dir)
	}
	fsys := os.DirFS(dir)
	if _, err := fs.Stat(fsys, name); errors.Is(err, fs.ErrNotExist) {
		return embedded, name, nil
	}
	return fsys, filepath.Join(dir, name), nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// decode reads name from fsys strictly into v; errors read "shown:line: …".
func decode(fsys fs.FS, name, shown string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err = dec.Decode(v)
	if err == nil {
		return nil
	}
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			errs = append(errs, fmt.Errorf("%s:%s: %s", shown, sm[1], sm[2]))
		} else {
			errs = append(errs, fmt.Errorf("%s: %s", shown, strings.TrimPrefix(m, "yaml: ")))
		}
	}
	return errors.Join(errs...)
}

// addTopics validates the catalogue entries and indexes them by intent.
func (c *Catalog) addTopics(file string, doc *catalogDoc) []error {
	var errs []error
	at := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	if doc.Contact.Landline == "" || doc.Contact.Mobile == "" || doc.Contact.Hours == "" {
		at(1, "contact: landline, mobile and hours are required")
	}
	for _, t := range doc.Topics {
		if t == nil {
			continue
		}
		switch {
		case !slices.Contains(rules.AllIntents, t.Intent):
			at(t.line, "unknown intent %q", t.Intent)
			continue
		case t.Intent == rules.Thanks || t.Intent == rules.None:
			at(t.line, "%s: this intent gets no reply", t.Intent)
			continue
		}
		if _, dup := c.topics[t.Intent]; dup {
			at(t.line, "%s: listed twice", t.Intent)
			continue
		}
		if !slices.Contains(channels, t.Channel) {
			at(t.line, "%s: channel %q is not one of %v", t.Intent, t.Channel, channels)
		}
		if t.Intent.IsTopic() {
			for field, val := range map[string]string{"name": t.Name, "subject": t.Subject, "about": t.About} {
				if strings.TrimSpace(val) == "" {
					at(t.line, "%s: %s is required", t.Intent, field)
				}
			}
		}
		if (t.Intent.IsTopic() || t.Intent == rules.ForgetMe) && len(t.Pages) == 0 {
			at(t.line, "%s: at least one page is required", t.Intent)
		}
		for i, p := range t.Pages {
			if strings.TrimSpace(p.Search) == "" && p.URL == "" {
				at(t.line, "%s: pages[%d]: search or url is required", t.Intent, i)
			}
			if p.URL != "" && !inpsURL(p.URL) {
				at(t.line, "%s: pages[%d]: url %q is not an https://www.inps.it/ address", t.Intent, i, p.URL)
			}
		}
		c.topics[t.Intent] = t.Topic
	}
	for _, i := range rules.AllIntents {
		if _, ok := c.topics[i]; !ok && (i.IsTopic() || i == rules.ForgetMe) {
			at(1, "%s: no entry", i)
		}
	}
	return errs
}

// inpsURL reports whether s is an https address on www.inps.it.
func inpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && (u.Host == "www.inps.it" || u.Host == "inps.it") &&
		!strings.ContainsAny(s, " \t\n")
}

// parseTemplates parses every variant of every situation.
func (c *Catalog) parseTemplates(file string, doc *templatesDoc) []error {
	var errs []error
	for _, k := range kinds {
		vs := doc.variants(k)
		if len(vs) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: at least one template is required", file, k))
			continue
		}
		for i, v := range vs {
			name := fmt.Sprintf("%s[%d]", k, i)
			t, err := template.New(name).Option("missingkey=error").Parse(v.text)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %w", file, v.errorLine(err), err))
				continue
			}
			c.templates[k] = append(c.templates[k], t)
		}
	}
	if strings.TrimSpace(doc.Reminder) != "" && !strings.HasPrefix(doc.Reminder, " ") {
		errs = append(errs, fmt.Errorf("%s: reminder: must start with a space", file))
	}
	return errs
}

// check renders every variant in every situation it serves, on every
// platform, and applies the rules every reply must follow. Only the last
// variant of a situation must fit the platform's limit: the others are
// skipped when they do not.
func (c *Catalog) check(file string, doc *templatesDoc) error {
	var errs []error
	for _, k := range kinds {
		vs := doc.variants(k)
		for i, t := range c.templates[k] {
			for _, s := range c.situations(k) {
				for _, platform := range Platforms {
					for _, shout := range []bool{false, true} {
						d := c.data(s, platform, shout)
						text, err := render(t, d)
						where := fmt.Sprintf("%s:%d: %s[%d] for %s on %s", file, vs[i].line, k, i, s.label(), platform)
						if err != nil {
							errs = append(errs, fmt.Errorf("%s: %w", where, err))
							continue
						}
						if problem := c.lint(text); problem != nil {
							errs = append(errs, fmt.Errorf("%s: %w", where, problem))
						}
						if i == len(vs)-1 && !shout {
							if n, limit := worstLength(platform, text), Limit(platform); n > limit {
								errs = append(errs, fmt.Errorf("%s: %d characters, over the limit of %d", where, n, limit))
							}
						}
					}
				}
			}
		}
	}
	if problem := c.lint(c.reminder); c.reminder != "" && problem != nil && problem.Reason != bot.RefusedChannel {
		errs = append(errs, fmt.Errorf("%s: reminder: %w", file, problem))
	}
	return errors.Join(errs...)
}

// situation is one combination a template is rendered for.
type situation struct {
	topic Topic
}

func (s situation) label() string {
	if s.topic.Intent == "" {
		return "no topic"
	}
	return string(s.topic.Intent)
}

// situations lists what a kind of template is rendered with.
func (c *Catalog) situations(k kind) []situation {
	switch k {
	case kindPrivacy:
		return []situation{{}}
	case kindForget:
		return []situation{{topic: c.topics[rules.ForgetMe]}}
	case kindComplaint:
		return []situation{{topic: c.topics[rules.Complaint]}}
	}
	var out []situation
	if k == kindPersonal {
		out = append(out, situation{})
	}
	for _, i := range rules.AllIntents {
		if t, ok := c.topics[i]; ok && i.IsTopic() {
			out = append(out, situation{topic: t})
		}
	}
	return out
}

// forbidden are phrases no reply may hold: requests for private contact or
// personal data, and promises to handle a case.
var forbidden = []string{
	"in privato", "in dm", "in direct", "in pvt", "messaggio privato", "messaggi privati",
	"scrivici", "scriveteci", "ci scriva", "ci mandi", "ci invii", "mandateci", "inviateci",
	"whatsapp", "telegram", "i suoi dati", "il suo numero", "il suo codice fiscale", "la sua email",
	"la sua e-mail", "verificheremo", "controlleremo", "ce ne occupiamo", "ci occuperemo", "risolveremo",
	"<no value>",
}

// lint returns what is wrong with a rendered reply, or nil.
func (c *Catalog) lint(text string) *bot.ReplyRefusal {
	low := strings.ToLower(text)
	for _, f := range forbidden {
		if strings.Contains(low, f) {
			return &bot.ReplyRefusal{Reason: bot.RefusedPhrase, Detail: f}
		}
	}
	if strings.TrimSpace(text) == "" {
		return &bot.ReplyRefusal{Reason: bot.RefusedEmpty}
	}
	if !namesChannel(text, c.contact) {
		return &bot.ReplyRefusal{Reason: bot.RefusedChannel}
	}
	return nil
}

// namesChannel reports whether text names the Contact Center or the URP.
func namesChannel(text string, ct Contact) bool {
	return strings.Contains(text, ct.Landline) || strings.Contains(text, ct.Mobile) || strings.Contains(text, "URP")
}

// Topic returns the catalogue entry of an intent: its name, channel and
// www.inps.it pages. Complaint and forget_me have entries too; thanks and
// none have none.
func (c *Catalog) Topic(i rules.Intent) (Topic, bool) {
	t, ok := c.topics[i]
	if ok {
		t.Pages = slices.Clone(t.Pages)
	}
	return t, ok
}

// Check tells whether a reply written or edited by a moderator may be
// posted on a platform: within its limit, naming the Contact Center or the
// URP, with no request for private contact or data and no promise to
// handle a case. Personal data are the caller's to look for. A refusal
// is a *bot.ReplyRefusal.
func (c *Catalog) Check(text, platform string) error {
	if r := c.lint(text); r != nil {
		return r
	}
	if n, limit := Length(platform, text), Limit(platform); n > limit {
		return &bot.ReplyRefusal{Reason: bot.RefusedLength, Length: n, Limit: limit, Platform: platform}
	}
	return nil
}
