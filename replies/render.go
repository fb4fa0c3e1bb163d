package replies

import (
	"regexp"
	"strings"
	"text/template"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

var _ bot.Replier = (*Catalog)(nil)

// The platforms a reply is rendered for.
const (
	Telegram = "telegram"
	Mastodon = "mastodon"
	Console  = "console"
)

// Platforms lists the platforms replies are checked against at load.
var Platforms = []string{Telegram, Mastodon, Console}

// Limit is the longest reply a platform accepts, in that platform's own
// count (Mastodon: characters, a URL as 23 and a mention without its
// domain; Telegram: UTF-16 code units). An unknown platform gets the
// smallest limit.
func Limit(platform string) int {
	switch platform {
	case Telegram, Console:
		return 4096
	}
	return 500
}

// maxMention is the longest Mastodon username (30) with its "@" and the
// space after it: the room a mention may take in the budget.
const maxMention = 1 + 30 + 1

// data is what a template sees: catalogue data and flags, never the post.
type data struct {
	Topic    Topic
	Search   string // the pages' search terms, quoted: «A» o «B»
	Links    string // the pages' verified URLs
	Contact  Contact
	Removed  bool
	Risponde bool
	Reminder string
}

func (c *Catalog) data(s situation, platform string, shout bool) data {
	d := data{
		Topic:    s.topic,
		Contact:  c.contact,
		Removed:  platform != Mastodon,
		Risponde: c.risponde,
	}
	if shout {
		d.Reminder = c.reminder
	}
	var terms, links []string
	for _, p := range s.topic.Pages {
		if p.URL != "" {
			links = append(links, p.URL)
		} else {
			terms = append(terms, "«"+p.Search+"»")
		}
	}
	d.Search = strings.Join(terms, " o ")
	d.Links = strings.Join(links, " e ")
	return d
}

func render(t *template.Template, d data) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// Reply renders the reply to a verdict for the platform of p, or "" when
// the verdict has no reply action or nothing to answer. It picks, in
// order: the privacy notice when the post is hidden for personal data; the
// forget-me acknowledgement; the personal-case redirect; the topic answer;
// the complaint answer. On Mastodon it opens with the author's handle. When
// the reply is too long it drops the capitals reminder, then takes shorter
// variants; it never cuts text.
func (c *Catalog) Reply(v *bot.Verdict, p bot.Post) string {
	if v == nil || !v.Has(bot.ActReply) {
		return ""
	}
	k, s, ok := c.choose(v)
	if !ok {
		return ""
	}
	mention := ""
	if p.Platform == Mastodon {
		mention = mentionOf(p.Handle)
	}
	key := renderKey{kind: k, intent: s.topic.Intent, platform: p.Platform, shout: v.Shouting}
	bare, ok := c.rendered.Load(key)
	if !ok {
		bare = c.fit(k, s, p.Platform, v.Shouting, "")
		c.rendered.Store(key, bare)
	}
	if text := bare.(string); mention == "" {
		return text
	} else if with := mention + " " + text; text != "" && Length(p.Platform, with) <= Limit(p.Platform) {
		return with
	}
	out := c.fit(k, s, p.Platform, v.Shouting, mention)
	if out == "" && mention != "" {
		// A handle too long for even the shortest variant: reply without
		// it rather than beyond the limit.
		out = c.fit(k, s, p.Platform, v.Shouting, "")
	}
	return out
}

// choose picks the kind of reply and its topic for a verdict.
func (c *Catalog) choose(v *bot.Verdict) (kind, situation, bool) {
	topic, hasTopic := c.topics[v.Intent]
	switch {
	case v.Has(bot.ActHide) && v.HasViolation(rules.PersonalData):
		return kindPrivacy, situation{}, true
	case v.Intent == rules.ForgetMe:
		return kindForget, situation{topic: c.topics[rules.ForgetMe]}, true
	case v.Personal:
		if !v.Intent.IsTopic() || !hasTopic {
			return kindPersonal, situation{}, true
		}
		return kindPersonal, situation{topic: topic}, true
	case v.Intent.IsTopic() && hasTopic:
		return kindTopic, situation{topic: topic}, true
	case v.Intent == rules.Complaint:
		return kindComplaint, situation{topic: c.topics[rules.Complaint]}, true
	}
	return "", situation{}, false
}

// fit renders the first variant, with the reminder while it fits, that
// fits the platform's limit with the mention in front; "" when none does.
func (c *Catalog) fit(k kind, s situation, platform string, shout bool, mention string) string {
	limit := Limit(platform)
	for i, t := range c.templates[k] {
		tries := []bool{false}
		if shout && i == 0 && c.reminder != "" {
			tries = []bool{true, false}
		}
		for _, withReminder := range tries {
			text, err := render(t, c.data(s, platform, withReminder))
			if err != nil || text == "" {
				continue
			}
			if mention != "" {
				text = mention + " " + text
			}
			if Length(platform, text) <= limit {
				return text
			}
		}
	}
	return ""
}

// handle matches a Mastodon handle: @user or @user@domain.
var handle = regexp.MustCompile(`^@?([A-Za-z0-9_][A-Za-z0-9_.-]*)(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?$`)

// mentionOf returns the mention for a handle, or "" when the handle is
// empty or not a well-formed handle.
func mentionOf(h string) string {
	m := handle.FindStringSubmatch(strings.TrimSpace(h))
	if m == nil {
		return ""
	}
	return "@" + m[1] + m[2]
}

var (
	urlRE     = regexp.MustCompile(`https?://[^\s]+`)
	mentionRE = regexp.MustCompile(`(^|[^\w/@])(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
)

// Length counts text as the platform does. Mastodon counts characters, a
// URL as 23 and a mention without its domain; Telegram counts UTF-16 code
// units; other platforms count characters.
func Length(platform, text string) int {
	switch platform {
	case Mastodon:
		s := urlRE.ReplaceAllStringFunc(text, func(u string) string {
			// Trailing punctuation is not part of the URL.
			trimmed := strings.TrimRight(u, ".,;:!?)»\"'")
			return strings.Repeat("x", 23) + u[len(trimmed):]
		})
		s = mentionRE.ReplaceAllString(s, "$1$2")
		return utf8.RuneCountInString(s)
	case Telegram:
		n := 0
		for _, r := range text {
			n += utf16.RuneLen(r)
		}
		return n
	}
	return utf8.RuneCountInString(text)
}

// worstLength is a reply's length with the longest mention the platform
// may put in front of it.
func worstLength(platform, text string) int {
	if platform == Mastodon {
		return maxMention + Length(platform, text)
	}
	return Length(platform, text)
}
