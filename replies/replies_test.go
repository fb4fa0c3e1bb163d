package replies_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/replies"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	handle     = "@mario@mastodon.uno"
	longHandle = "@abcdefghijklmnopqrstuvwxyz0123@social.example.org" // a 30-character username
)

// replyCase is one verdict rendered for one post.
type replyCase struct {
	intent   rules.Intent
	personal bool
	hidden   bool // hidden for personal data
	shouting bool
	platform string
	handle   string
	risponde bool
}

func (rc replyCase) String() string {
	s := fmt.Sprintf("%s · %s", rc.intent, rc.platform)
	if rc.personal {
		s += " · personal"
	}
	if rc.hidden {
		s += " · hidden for personal data"
	}
	if rc.shouting {
		s += " · shouting"
	}
	if rc.handle != "" {
		s += " · handle " + rc.handle
	}
	if rc.risponde {
		s += " · risponde"
	}
	return s
}

func (rc replyCase) verdict() *bot.Verdict {
	v := &bot.Verdict{Intent: rc.intent, Personal: rc.personal, Shouting: rc.shouting, Actions: []bot.ActionKind{bot.ActReply}}
	if rc.hidden {
		v.Violations = []rules.Violation{rules.PersonalData}
		v.Actions = []bot.ActionKind{bot.ActHide, bot.ActReply}
	}
	if rc.shouting {
		v.Violations = append(v.Violations, rules.Shouting)
	}
	return v
}

func (rc replyCase) post() bot.Post {
	return bot.Post{Platform: rc.platform, Handle: rc.handle, Kind: bot.KindComment, Visibility: "public"}
}

var catalogs sync.Map // risponde bool → *replies.Catalog

func load(t *testing.T, risponde bool) *replies.Catalog {
	t.Helper()
	if c, ok := catalogs.Load(risponde); ok {
		return c.(*replies.Catalog)
	}
	c, err := replies.Load(replies.Config{Risponde: risponde})
	if err != nil {
		t.Fatalf("Load(Risponde: %v): %v", risponde, err)
	}
	catalogs.Store(risponde, c)
	return c
}

// privateContact are phrases that ask for private messages or data, or
// promise to handle a case.
var privateContact = []string{
	"scrivici in privato", "scrivimi in privato", "in privato", "in dm", "in pvt", "messaggio privato",
	"ci mandi i suoi dati", "ci invii", "mandaci", "scrivici", "whatsapp", "il suo numero",
	"verificheremo", "ci occuperemo", "risolveremo", "la sua pratica è",
}

var (
	detector = pii.New()
	found    sync.Map // reply body → []pii.Span, as many replies repeat
)

func findPII(body string) []pii.Span {
	if spans, ok := found.Load(body); ok {
		return spans.([]pii.Span)
	}
	spans := detector.Find(body)
	found.Store(body, spans)
	return spans
}

// checkReply applies the rules every reply follows.
func checkReply(t *testing.T, rc replyCase, got string) {
	t.Helper()
	if n, limit := replies.Length(rc.platform, got), replies.Limit(rc.platform); n > limit {
		t.Errorf("%s: %d characters, over the limit of %d:\n%s", rc, n, limit, got)
	}
	body := got
	if rc.platform == replies.Mastodon && rc.handle != "" {
		var ok bool
		if body, ok = strings.CutPrefix(got, rc.handle+" "); !ok {
			t.Errorf("%s: reply does not open with the handle:\n%s", rc, got)
		}
	}
	if rc.handle != "" && strings.Contains(body, strings.Split(rc.handle, "@")[1]) {
		t.Errorf("%s: reply body holds the handle:\n%s", rc, got)
	}
	if !strings.Contains(body, "803 164") && !strings.Contains(body, "06 164 164") && !strings.Contains(body, "URP") {
		t.Errorf("%s: reply names no channel:\n%s", rc, got)
	}
	if spans := findPII(body); len(spans) > 0 {
		for _, s := range spans {
			t.Errorf("%s: personal data %s %q in reply:\n%s", rc, s.Kind, body[s.Start:s.End], got)
		}
	}
	low := strings.ToLower(body)
	for _, p := range privateContact {
		if strings.Contains(low, p) {
			t.Errorf("%s: reply contains %q:\n%s", rc, p, got)
		}
	}
	if strings.Contains(body, "{{") || strings.Contains(body, "<no value>") {
		t.Errorf("%s: reply holds template residue:\n%s", rc, got)
	}
	if last, _ := utf8.DecodeLastRuneInString(body); !unicode.IsLetter(last) && last != '.' {
		t.Errorf("%s: reply ends with %q, not a closing formula:\n%s", rc, last, got)
	}
	if strings.Contains(body, "  ") || strings.Contains(body, " .") || strings.Contains(body, " ,") {
		t.Errorf("%s: reply has stray spaces:\n%s", rc, got)
	}
}

// golden compares got with testdata/name.golden, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestGolden(t *testing.T) {
	var topics []rules.Intent
	for _, i := range rules.AllIntents {
		if i.IsTopic() {
			topics = append(topics, i)
		}
	}
	platforms := []string{replies.Telegram, replies.Mastodon}
	tests := []struct {
		name  string
		cases []replyCase
	}{
		{
			name: "privacy",
			cases: cross([]rules.Intent{rules.Naspi, rules.None}, replies.Platforms, func(i rules.Intent, p string) replyCase {
				return replyCase{intent: i, hidden: true, personal: i == rules.Naspi, platform: p, handle: handle}
			}),
		},
		{
			name: "personal",
			cases: append(cross([]rules.Intent{rules.Naspi, rules.ADI, rules.Pensione, rules.Pagamenti, rules.AccessoServizi, rules.Complaint},
				platforms, func(i rules.Intent, p string) replyCase {
					return replyCase{intent: i, personal: true, platform: p, handle: handle}
				}),
				replyCase{intent: rules.Naspi, personal: true, platform: replies.Telegram, risponde: true},
				replyCase{intent: rules.Naspi, personal: true, platform: replies.Mastodon, handle: handle, risponde: true},
				replyCase{intent: rules.Naspi, personal: true, platform: replies.Console}),
		},
		{
			name: "topic",
			cases: append(cross(topics, platforms, func(i rules.Intent, p string) replyCase {
				return replyCase{intent: i, platform: p, handle: handle}
			}), replyCase{intent: rules.Naspi, platform: replies.Console}),
		},
		{
			name: "complaint",
			cases: cross([]rules.Intent{rules.Complaint}, replies.Platforms, func(i rules.Intent, p string) replyCase {
				return replyCase{intent: i, platform: p, handle: handle}
			}),
		},
		{
			name: "forget",
			cases: cross([]rules.Intent{rules.ForgetMe}, replies.Platforms, func(i rules.Intent, p string) replyCase {
				return replyCase{intent: i, personal: true, platform: p, handle: handle}
			}),
		},
		{
			name: "shouting",
			cases: cross([]rules.Intent{rules.Naspi, rules.Pagamenti, rules.Complaint, rules.ForgetMe}, platforms, func(i rules.Intent, p string) replyCase {
				return replyCase{intent: i, shouting: true, platform: p, handle: handle}
			}),
		},
		{
			name: "fallback",
			cases: []replyCase{
				{intent: rules.Naspi, personal: true, shouting: true, platform: replies.Mastodon, handle: handle},
				{intent: rules.ADI, shouting: true, platform: replies.Mastodon, handle: longHandle},
				{intent: rules.Pagamenti, platform: replies.Mastodon, handle: longHandle},
				{intent: rules.ForgetMe, shouting: true, platform: replies.Mastodon, handle: longHandle},
				{intent: rules.Naspi, hidden: true, shouting: true, platform: replies.Mastodon, handle: longHandle},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			for _, rc := range tc.cases {
				got := load(t, rc.risponde).Reply(rc.verdict(), rc.post())
				if got == "" {
					t.Errorf("%s: no reply", rc)
					continue
				}
				checkReply(t, rc, got)
				fmt.Fprintf(&b, "### %s (%d/%d)\n%s\n\n", rc, replies.Length(rc.platform, got), replies.Limit(rc.platform), got)
			}
			golden(t, tc.name, b.String())
		})
	}
}

func cross(intents []rules.Intent, platforms []string, f func(rules.Intent, string) replyCase) []replyCase {
	var out []replyCase
	for _, i := range intents {
		for _, p := range platforms {
			out = append(out, f(i, p))
		}
	}
	return out
}

// TestEveryReply renders every intent in every situation on every
// platform and checks each reply.
func TestEveryReply(t *testing.T) {
	var n int
	for _, risponde := range []bool{false, true} {
		c := load(t, risponde)
		for _, intent := range append(rules.AllIntents, "unknown_intent") {
			for _, personal := range []bool{false, true} {
				for _, hidden := range []bool{false, true} {
					for _, shouting := range []bool{false, true} {
						for _, platform := range append(replies.Platforms, "unknown_platform") {
							for _, h := range []string{"", handle, longHandle} {
								rc := replyCase{intent: intent, personal: personal, hidden: hidden, shouting: shouting,
									platform: platform, handle: h, risponde: risponde}
								got := c.Reply(rc.verdict(), rc.post())
								wantReply := hidden || personal || intent.IsTopic() || intent == rules.Complaint || intent == rules.ForgetMe
								if intent == "unknown_intent" && !hidden && !personal {
									wantReply = false
								}
								switch {
								case wantReply && got == "":
									t.Errorf("%s: no reply", rc)
								case !wantReply && got != "":
									t.Errorf("%s: unexpected reply:\n%s", rc, got)
								case got != "":
									checkReply(t, rc, got)
									n++
								}
								noAction := rc.verdict()
								noAction.Actions = slicesWithout(noAction.Actions, bot.ActReply)
								if got := c.Reply(noAction, rc.post()); got != "" {
									t.Errorf("%s without the reply action: got %q, want none", rc, got)
								}
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d replies checked", n)
}

func slicesWithout(in []bot.ActionKind, x bot.ActionKind) []bot.ActionKind {
	var out []bot.ActionKind
	for _, a := range in {
		if a != x {
			out = append(out, a)
		}
	}
	return out
}

func TestReplyChoice(t *testing.T) {
	c := load(t, false)
	tests := []struct {
		name    string
		verdict *bot.Verdict
		post    bot.Post
		want    string // a phrase of the chosen template; "" for no reply
	}{
		{
			name:    "nil verdict",
			verdict: nil,
			post:    bot.Post{Platform: replies.Telegram},
		},
		{
			name:    "no reply action",
			verdict: &bot.Verdict{Intent: rules.Naspi, Actions: []bot.ActionKind{bot.ActEscalate}},
			post:    bot.Post{Platform: replies.Telegram},
		},
		{
			name: "hidden for personal data wins over the topic",
			verdict: &bot.Verdict{Intent: rules.Naspi, Personal: true, Violations: []rules.Violation{rules.PersonalData},
				Actions: []bot.ActionKind{bot.ActHide, bot.ActReply}},
			post: bot.Post{Platform: replies.Telegram},
			want: "abbiamo nascosto il Suo messaggio",
		},
		{
			name: "personal data on Mastodon asks the author to delete",
			verdict: &bot.Verdict{Intent: rules.None, Violations: []rules.Violation{rules.PersonalData},
				Actions: []bot.ActionKind{bot.ActHide, bot.ActReply}},
			post: bot.Post{Platform: replies.Mastodon, Handle: handle, Visibility: "direct"},
			want: "La invitiamo a cancellare il Suo messaggio",
		},
		{
			name:    "personal data not hidden gets no privacy notice",
			verdict: &bot.Verdict{Intent: rules.Naspi, Violations: []rules.Violation{rules.PersonalData}, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "le informazioni sulla NASpI",
		},
		{
			name:    "forget me wins over personal",
			verdict: &bot.Verdict{Intent: rules.ForgetMe, Personal: true, Actions: []bot.ActionKind{bot.ActEscalate, bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "abbiamo inoltrato la Sua richiesta ai moderatori",
		},
		{
			name:    "personal case names the topic",
			verdict: &bot.Verdict{Intent: rules.Naspi, Personal: true, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "casi personali, anche quando riguardano la NASpI",
		},
		{
			name:    "personal complaint gets the redirect without a topic",
			verdict: &bot.Verdict{Intent: rules.Complaint, Personal: true, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "non trattiamo sui social casi personali. Lo stato",
		},
		{
			name:    "topic",
			verdict: &bot.Verdict{Intent: rules.ISEE, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "(cerchi «ISEE» nel motore di ricerca del sito)",
		},
		{
			name:    "complaint",
			verdict: &bot.Verdict{Intent: rules.Complaint, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "Per un reclamo formale può rivolgersi all'URP",
		},
		{
			name:    "thanks",
			verdict: &bot.Verdict{Intent: rules.Thanks, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
		},
		{
			name:    "none",
			verdict: &bot.Verdict{Intent: rules.None, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Mastodon, Handle: handle},
		},
		{
			name:    "shouting appends the reminder",
			verdict: &bot.Verdict{Intent: rules.Naspi, Shouting: true, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "Le ricordiamo che la netiquette chiede di non scrivere in maiuscolo. Cordiali saluti",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Reply(tc.verdict, tc.post)
			switch {
			case tc.want == "" && got != "":
				t.Errorf("Reply() = %q, want no reply", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("Reply() = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

func TestMention(t *testing.T) {
	c := load(t, false)
	v := &bot.Verdict{Intent: rules.Naspi, Actions: []bot.ActionKind{bot.ActReply}}
	tests := []struct {
		name       string
		post       bot.Post
		wantPrefix string
		wantNo     string
	}{
		{name: "mastodon remote handle", post: bot.Post{Platform: replies.Mastodon, Handle: handle}, wantPrefix: handle + " Buongiorno"},
		{name: "mastodon local handle", post: bot.Post{Platform: replies.Mastodon, Handle: "@mario"}, wantPrefix: "@mario Buongiorno"},
		{name: "mastodon handle without @", post: bot.Post{Platform: replies.Mastodon, Handle: "mario@mastodon.uno"}, wantPrefix: handle + " Buongiorno"},
		{name: "mastodon no handle", post: bot.Post{Platform: replies.Mastodon}, wantPrefix: "Buongiorno"},
		{name: "mastodon malformed handle", post: bot.Post{Platform: replies.Mastodon, Handle: "@mario rossi 3331234567"}, wantPrefix: "Buongiorno", wantNo: "3331234567"},
		{name: "telegram never mentions", post: bot.Post{Platform: replies.Telegram, Handle: "@mario"}, wantPrefix: "Buongiorno", wantNo: "@mario"},
		{name: "console never mentions", post: bot.Post{Platform: replies.Console, Handle: "@mario"}, wantPrefix: "Buongiorno", wantNo: "@mario"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Reply(v, tc.post)
			if !strings.HasPrefix(got, tc.wantPrefix) {
				t.Errorf("Reply(handle %q) = %q, want prefix %q", tc.post.Handle, got, tc.wantPrefix)
			}
			if tc.wantNo != "" && strings.Contains(got, tc.wantNo) {
				t.Errorf("Reply(handle %q) = %q, want no %q", tc.post.Handle, got, tc.wantNo)
			}
		})
	}
}

func TestLength(t *testing.T) {
	tests := []struct {
		name     string
		platform string
		text     string
		want     int
	}{
		{name: "plain", platform: replies.Mastodon, text: "Buongiorno", want: 10},
		{name: "accents count once", platform: replies.Mastodon, text: "perché «così»", want: 13},
		{name: "url counts 23", platform: replies.Mastodon, text: "vedi https://www.inps.it/it/it/schede/prestazioni-e-servizi/naspi.html ok", want: 5 + 23 + 3},
		{name: "short url counts 23", platform: replies.Mastodon, text: "https://a.it", want: 23},
		{name: "trailing period is text", platform: replies.Mastodon, text: "https://www.inps.it/x.html.", want: 24},
		{name: "bare domain is text", platform: replies.Mastodon, text: "www.inps.it", want: 11},
		{name: "mention without domain", platform: replies.Mastodon, text: "@mario@mastodon.uno ciao", want: len("@mario ciao")},
		{name: "local mention", platform: replies.Mastodon, text: "@mario ciao", want: 11},
		{name: "email is not a mention", platform: replies.Mastodon, text: "a@b.it", want: 6},
		{name: "telegram counts UTF-16", platform: replies.Telegram, text: "ok 🙏", want: 5},
		{name: "telegram accents", platform: replies.Telegram, text: "è", want: 1},
		{name: "console counts characters", platform: replies.Console, text: "ok 🙏", want: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := replies.Length(tc.platform, tc.text); got != tc.want {
				t.Errorf("Length(%q, %q) = %d, want %d", tc.platform, tc.text, got, tc.want)
			}
		})
	}
}

func TestLimit(t *testing.T) {
	tests := []struct {
		platform string
		want     int
	}{
		{platform: replies.Mastodon, want: 500},
		{platform: replies.Telegram, want: 4096},
		{platform: replies.Console, want: 4096},
		{platform: "other", want: 500},
	}
	for _, tc := range tests {
		if got := replies.Limit(tc.platform); got != tc.want {
			t.Errorf("Limit(%q) = %d, want %d", tc.platform, got, tc.want)
		}
	}
}

func TestTopic(t *testing.T) {
	c := load(t, false)
	tests := []struct {
		intent     rules.Intent
		wantOK     bool
		wantName   string
		wantSearch string
		wantTitle  string
	}{
		{intent: rules.Naspi, wantOK: true, wantName: "NASpI", wantSearch: "NASpI", wantTitle: "NASpI: indennità mensile di disoccupazione"},
		{intent: rules.AssegnoUnico, wantOK: true, wantName: "Assegno unico", wantSearch: "Assegno unico", wantTitle: "Assegno unico e universale per i figli a carico"},
		{intent: rules.CedolinoPensione, wantOK: true, wantName: "cedolino della pensione", wantSearch: "cedolino della pensione", wantTitle: "Cedolino della pensione"},
		{intent: rules.ForgetMe, wantOK: true, wantName: "diritto all'oblio", wantSearch: "privacy", wantTitle: "Privacy"},
		{intent: rules.Thanks},
		{intent: rules.None},
	}
	for _, tc := range tests {
		t.Run(string(tc.intent), func(t *testing.T) {
			got, ok := c.Topic(tc.intent)
			if ok != tc.wantOK {
				t.Fatalf("Topic(%s) ok = %v, want %v", tc.intent, ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if got.Name != tc.wantName || got.Pages[0].Search != tc.wantSearch || got.Pages[0].Title != tc.wantTitle || got.Pages[0].URL != "" {
				t.Errorf("Topic(%s) = %+v, want name %q, search %q, title %q, no url", tc.intent, got, tc.wantName, tc.wantSearch, tc.wantTitle)
			}
		})
	}
	for _, i := range rules.AllIntents {
		if _, ok := c.Topic(i); i.IsTopic() && !ok {
			t.Errorf("Topic(%s): no entry", i)
		}
	}
}

// writeDir writes files into a new temporary directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readDefault(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineOf is the 1-based line of the first occurrence of needle in s.
func lineOf(t *testing.T, s, needle string) int {
	t.Helper()
	i := strings.Index(s, needle)
	if i < 0 {
		t.Fatalf("%q not in the test file", needle)
	}
	return strings.Count(s[:i], "\n") + 1
}

func TestLoadErrors(t *testing.T) {
	cat := readDefault(t, "catalog.yaml")
	tpl := readDefault(t, "templates.yaml")
	replace := func(s, old, new string) string {
		t.Helper()
		if !strings.Contains(s, old) {
			t.Fatalf("%q not in the default file", old)
		}
		return strings.Replace(s, old, new, 1)
	}
	tests := []struct {
		name     string
		file     string // catalog.yaml or templates.yaml
		content  string
		want     string // a regexp the error must match
		wantLine string // the text whose line the error must name, if any
	}{
		{
			name:    "yaml syntax",
			file:    "catalog.yaml",
			content: replace(cat, "    name: NASpI\n", "    name: [NASpI\n"),
			want:    `catalog\.yaml:\d+: did not find expected`,
		},
		{
			name:     "unknown field in a topic",
			file:     "catalog.yaml",
			content:  replace(cat, "    name: NASpI\n", "    nmae: NASpI\n"),
			want:     `unknown field "nmae"`,
			wantLine: "nmae",
		},
		{
			name:     "unknown top-level field",
			file:     "templates.yaml",
			content:  replace(tpl, "reminder:", "remider:"),
			want:     `field remider not found`,
			wantLine: "remider:",
		},
		{
			name:     "unknown intent",
			file:     "catalog.yaml",
			content:  replace(cat, "intent: naspi", "intent: nasp"),
			want:     `unknown intent "nasp"`,
			wantLine: "intent: nasp",
		},
		{
			name:     "missing subject",
			file:     "catalog.yaml",
			content:  replace(cat, "    subject: la NASpI\n", ""),
			want:     `naspi: subject is required`,
			wantLine: "intent: naspi",
		},
		{
			name:     "unverified url",
			file:     "catalog.yaml",
			content:  replace(cat, "title: \"NASpI: indennità mensile di disoccupazione\"\n        url: \"\"", "title: NASpI\n        url: \"http://example.com/naspi\""),
			want:     `url "http://example\.com/naspi" is not an https://www\.inps\.it/ address`,
			wantLine: "intent: naspi",
		},
		{
			name:     "template syntax",
			file:     "templates.yaml",
			content:  replace(tpl, "Buongiorno, le informazioni {{.Topic.About}} sono su", "Buongiorno, le informazioni {{.Topic.About sono su"),
			want:     `template: topic\[2\]:1: function "sono" not defined`,
			wantLine: "{{.Topic.About sono su",
		},
		{
			name:    "template reads the post",
			file:    "templates.yaml",
			content: replace(tpl, "Gentile utente, ci dispiace per il disagio. ", "{{.Post.Text}} "),
			want:    `complaint\[1\].*can't evaluate field Post`,
		},
		{
			name:    "private contact",
			file:    "templates.yaml",
			content: replace(tpl, "Gentile utente, ci dispiace per il disagio. ", "Gentile utente, ci scriva in privato. "),
			want:    `complaint\[1\].*contains "in privato"`,
		},
		{
			name:    "no channel",
			file:    "templates.yaml",
			content: replace(tpl, "Per le pratiche individuali può chiamare il Contact Center {{.Contact.Landline}} o {{.Contact.Mobile}},\n    o rivolgersi all'URP della sede INPS.", "Arrivederci."),
			want:    `privacy\[1\].*names no channel`,
		},
		{
			name:    "last variant too long",
			file:    "templates.yaml",
			content: replace(tpl, "Gentile utente, ci dispiace per il disagio. ", "Gentile utente, "+strings.Repeat("ci dispiace. ", 40)),
			want:    `complaint\[1\] for complaint on mastodon: \d+ characters, over the limit of 500`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{tc.file: tc.content})
			_, err := replies.Load(replies.Config{Dir: dir})
			if err == nil {
				t.Fatalf("Load() = nil error, want %q", tc.want)
			}
			if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("Load() error = %q, want match for %q", err, tc.want)
			}
			prefix := filepath.Join(dir, tc.file) + ":"
			if !strings.Contains(err.Error(), prefix) {
				t.Errorf("Load() error = %q, want it to name %s", err, prefix)
			}
			if tc.wantLine != "" {
				want := fmt.Sprintf("%s%d:", prefix, lineOf(t, tc.content, tc.wantLine))
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load() error = %q, want it to name %s", err, want)
				}
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	t.Run("missing directory", func(t *testing.T) {
		if _, err := replies.Load(replies.Config{Dir: filepath.Join(t.TempDir(), "absent")}); err == nil {
			t.Error("Load(missing dir) = nil error, want one")
		}
	})
	t.Run("empty directory uses the defaults", func(t *testing.T) {
		c, err := replies.Load(replies.Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		v := &bot.Verdict{Intent: rules.Naspi, Actions: []bot.ActionKind{bot.ActReply}}
		p := bot.Post{Platform: replies.Telegram}
		if got, want := c.Reply(v, p), load(t, false).Reply(v, p); got != want {
			t.Errorf("Reply() = %q, want the default %q", got, want)
		}
	})
}

func TestOverride(t *testing.T) {
	cat := readDefault(t, "catalog.yaml")
	tpl := readDefault(t, "templates.yaml")
	const naspiURL = "https://www.inps.it/it/it/dettaglio-scheda.schede-servizio-strumento.schede-servizi.naspi-indennita-mensile-di-disoccupazione-50105.html"
	tests := []struct {
		name    string
		files   map[string]string
		verdict *bot.Verdict
		post    bot.Post
		want    string
		wantNot string
	}{
		{
			name:    "templates",
			files:   map[string]string{"templates.yaml": strings.ReplaceAll(tpl, "Buongiorno, le informazioni", "Salve, le informazioni")},
			verdict: &bot.Verdict{Intent: rules.Naspi, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "Salve, le informazioni sulla NASpI",
		},
		{
			name:    "catalogue url",
			files:   map[string]string{"catalog.yaml": strings.Replace(cat, "        url: \"\"", "        url: "+naspiURL, 1)},
			verdict: &bot.Verdict{Intent: rules.Naspi, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Mastodon, Handle: handle},
			want:    "sono disponibili su www.inps.it: " + naspiURL + ". Per ulteriori",
			wantNot: "«NASpI»",
		},
		{
			name: "contact hours",
			files: map[string]string{"catalog.yaml": strings.Replace(cat,
				"dal lunedì al venerdì dalle 8 alle 20 e il sabato dalle 8 alle 14", "dal lunedì al venerdì dalle 8 alle 18", 1)},
			verdict: &bot.Verdict{Intent: rules.Complaint, Actions: []bot.ActionKind{bot.ActReply}},
			post:    bot.Post{Platform: replies.Telegram},
			want:    "da cellulare, dal lunedì al venerdì dalle 8 alle 18. Per un reclamo",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := replies.Load(replies.Config{Dir: writeDir(t, tc.files)})
			if err != nil {
				t.Fatal(err)
			}
			got := c.Reply(tc.verdict, tc.post)
			if !strings.Contains(got, tc.want) {
				t.Errorf("Reply() = %q, want it to contain %q", got, tc.want)
			}
			if tc.wantNot != "" && strings.Contains(got, tc.wantNot) {
				t.Errorf("Reply() = %q, want no %q", got, tc.wantNot)
			}
			if got == load(t, false).Reply(tc.verdict, tc.post) {
				t.Errorf("Reply() = %q, the same as with the defaults", got)
			}
			checkReply(t, replyCase{intent: tc.verdict.Intent, platform: tc.post.Platform, handle: tc.post.Handle}, got)
		})
	}
}

// TestFit checks the order in which a long reply is shortened: first the
// reminder goes, then shorter variants; the text is never cut.
func TestFit(t *testing.T) {
	long := "Gentile utente, " + strings.Repeat("testo lungo. ", 33) + "Contact Center {{.Contact.Landline}}.{{.Reminder}} Cordiali saluti"
	short := "Gentile utente, risposta breve: Contact Center {{.Contact.Landline}}. Cordiali saluti"
	tpl := readDefault(t, "templates.yaml")
	i := strings.Index(tpl, "topic:\n")
	j := strings.Index(tpl, "# A complaint")
	tpl = tpl[:i] + "topic:\n  - \"" + long + "\"\n  - \"" + short + "\"\n\n" + tpl[j:]
	c, err := replies.Load(replies.Config{Dir: writeDir(t, map[string]string{"templates.yaml": tpl})})
	if err != nil {
		t.Fatal(err)
	}
	longText := strings.NewReplacer("{{.Contact.Landline}}", "803 164", "{{.Reminder}}", "").Replace(long)
	reminder := " Le ricordiamo che la netiquette chiede di non scrivere in maiuscolo."
	withReminder := strings.Replace(longText, ". Cordiali", "."+reminder+" Cordiali", 1)
	shortText := strings.ReplaceAll(short, "{{.Contact.Landline}}", "803 164")
	// It must fit with "@mario " (7) but not with a 21-character mention
	// and its space (22), nor with the reminder.
	if n := utf8.RuneCountInString(longText); n <= 500-22 || n > 500-7 {
		t.Fatalf("long template is %d characters; the test needs it in (478, 493]", n)
	}
	tests := []struct {
		name     string
		platform string
		handle   string
		shouting bool
		want     string
	}{
		{name: "room for the reminder", platform: replies.Telegram, shouting: true, want: withReminder},
		{name: "reminder dropped", platform: replies.Mastodon, shouting: true, want: longText},
		{name: "reminder dropped, short handle", platform: replies.Mastodon, handle: "@mario@mastodon.uno", shouting: true, want: "@mario@mastodon.uno " + longText},
		{name: "long handle takes the short variant", platform: replies.Mastodon, handle: "@abcdefghijklmnopqrst@mastodon.uno", want: "@abcdefghijklmnopqrst@mastodon.uno " + shortText},
		{name: "no shouting", platform: replies.Mastodon, want: longText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &bot.Verdict{Intent: rules.Naspi, Shouting: tc.shouting, Actions: []bot.ActionKind{bot.ActReply}}
			got := c.Reply(v, bot.Post{Platform: tc.platform, Handle: tc.handle})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Reply() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConcurrentReplies(t *testing.T) {
	c := load(t, false)
	var wg sync.WaitGroup
	for _, intent := range rules.AllIntents {
		wg.Go(func() {
			for _, p := range replies.Platforms {
				c.Reply(&bot.Verdict{Intent: intent, Actions: []bot.ActionKind{bot.ActReply}}, bot.Post{Platform: p, Handle: handle})
			}
		})
	}
	wg.Wait()
}
