package telegram_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"

	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
)

// burstLimits have the shape of Telegram's published limits (30 messages a
// second overall, 20 a minute into one group, each with a small burst) but
// run faster, so that a burst of a thousand updates in one group drains in
// seconds rather than in most of an hour: 10× overall, and 200 a second
// into the group.
var burstLimits = bot.Limits{PerSecond: 300, Burst: 30, ChatRate: 200, ChatBurst: 5}

// burstKind is what a post of the burst is, and so what the bot must do.
type burstKind int

const (
	burstQuestion burstKind = iota // a question on an INPS topic: one reply
	burstPersonal                  // personal data: deleted, and a notice
	burstRepeat                    // a question asked again by its author: nothing
	burstChat                      // chit-chat: nothing
)

// burstPost is one post of the burst.
type burstPost struct {
	kind   burstKind
	user   int64
	text   string
	secret string // the personal datum of a burstPersonal post
	of     int    // for a burstRepeat, the index of the question it repeats
}

// TestBurstDiscussionGroup sends a thousand updates at once into one
// discussion group through the whole bot (real rules, replies and
// detector, sqlite store) and checks that the engine keeps to the send
// limits, answers every question once, ignores repeats and chit-chat, and
// deletes every post with personal data with a notice to its author.
func TestBurstDiscussionGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("a burst of 1,000 updates")
	}
	size := 1000
	if raceDetector {
		// The race detector slows the store several times over: a
		// smaller burst keeps the run short, at rates the limits do not
		// reach.
		size = 400
	}
	corpus := burstCorpus(t, size)
	checkCorpus(t, newResponder(t), corpus)

	s := telegramtest.NewServer(t, token)
	s.AddChat(pubChat)
	root := s.NewMessage(group, 777000, "Da oggi è attivo il nuovo servizio.")
	root.SenderChat = &channel
	root.IsAutomaticForward = true
	s.Add(tgmodels.Update{Message: &root})
	msgs := make([]tgmodels.Message, len(corpus))
	for i, bp := range corpus {
		m := s.NewMessage(group, bp.user, bp.text)
		m.ReplyToMessage = &root
		m.MessageThreadID = root.ID
		s.Add(tgmodels.Update{Message: &m})
		msgs[i] = m
	}

	metrics := &metricsRecorder{}
	start := time.Now()
	r := startBotWith(t, s, filepath.Join(t.TempDir(), "inpsbot.db"), map[string]bot.Limits{"telegram": burstLimits}, metrics)
	cursor := strconv.Itoa(1000 + 1 + len(corpus) + 1)
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := r.store.Cursor(t.Context(), "telegram/inps")
		n, err2 := r.store.Pending(t.Context())
		if err == nil && err2 == nil && c == cursor && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s: cursor %q (want %s), %d actions pending, %d messages sent", c, cursor, n, len(s.Sent()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	r.stop()

	// Rates, measured on the requests as the server received them.
	var sends, deletes []time.Time
	perChat := map[string][]time.Time{}
	for _, q := range s.Requests() {
		switch q.Method {
		case "sendMessage":
			sends = append(sends, q.Time)
			perChat[q.Params["chat_id"]] = append(perChat[q.Params["chat_id"]], q.Time)
		case "deleteMessage":
			deletes = append(deletes, q.Time)
		}
	}
	overall := maxInWindow(sends, time.Second)
	t.Logf("%d updates handled in %s: %d messages sent, %d deleted; at most %d messages in one second (limit %d), mean %.0f/s; at most %d deletions in one second",
		len(corpus), elapsed.Round(time.Millisecond), len(sends), len(deletes), overall,
		limitPerWindow(burstLimits.PerSecond, burstLimits.Burst), meanRate(sends), maxInWindow(deletes, time.Second))
	if limit := limitPerWindow(burstLimits.PerSecond, burstLimits.Burst); overall > limit {
		t.Errorf("%d messages in one second, want at most %d (rate %g + burst %d)", overall, limit, burstLimits.PerSecond, burstLimits.Burst)
	}
	for chat, times := range perChat {
		got, limit := maxInWindow(times, time.Second), limitPerWindow(burstLimits.ChatRate, burstLimits.ChatBurst)
		t.Logf("chat %s: at most %d messages in one second (limit %d), mean %.0f/s", chat, got, limit, meanRate(times))
		if got > limit {
			t.Errorf("chat %s: %d messages in one second, want at most %d (rate %g + burst %d)", chat, got, limit, burstLimits.ChatRate, burstLimits.ChatBurst)
		}
	}
	if most, n := metrics.maxBacklog(); most == 0 {
		t.Errorf("backlog reported %d times, never above 0", n)
	} else {
		t.Logf("largest backlog reported: %d actions, in %d reports", most, n)
	}

	// What was sent and deleted.
	sent := s.Sent()
	if got := s.Calls("sendMessage"); got != len(sent) {
		t.Errorf("sendMessage calls = %d for %d messages, want one call each", got, len(sent))
	}
	repliesTo := map[int]int{}
	noticesFor := map[int64]int{}
	for _, m := range sent {
		if m.ChatID != group {
			t.Errorf("message %d sent to chat %d, want %d", m.ID, m.ChatID, group)
		}
		if m.ReplyTo != 0 {
			repliesTo[m.ReplyTo]++
			continue
		}
		if len(m.Entities) != 1 || m.Entities[0].User == nil {
			t.Errorf("message %d is neither a reply nor a notice naming its reader: %q", m.ID, m.Text)
			continue
		}
		noticesFor[m.Entities[0].User.ID]++
	}
	deleted := map[int]int{}
	for _, d := range s.Deleted() {
		deleted[d.MessageID]++
	}
	var questions, personal int
	for i, bp := range corpus {
		id := msgs[i].ID
		wantReplies, wantDeleted, wantNotices := 0, 0, 0
		switch bp.kind {
		case burstQuestion:
			questions++
			wantReplies = 1
		case burstPersonal:
			personal++
			wantDeleted, wantNotices = 1, 1
		}
		if repliesTo[id] != wantReplies || deleted[id] != wantDeleted {
			t.Errorf("post %d (%s, message %d): %d replies, deleted %d times; want %d, %d",
				i, bp.kind, id, repliesTo[id], deleted[id], wantReplies, wantDeleted)
		}
		if bp.kind == burstPersonal && noticesFor[bp.user] != wantNotices {
			t.Errorf("post %d (%s, message %d): %d notices to its author, want %d", i, bp.kind, id, noticesFor[bp.user], wantNotices)
		}
	}
	if want := questions + personal; len(sent) != want {
		t.Errorf("%d messages sent, want %d (%d replies, %d notices)", len(sent), want, questions, personal)
	}
	if len(s.Deleted()) != personal {
		t.Errorf("%d deletions, want %d", len(s.Deleted()), personal)
	}
	for _, m := range sent {
		for _, bp := range corpus {
			if bp.secret != "" && strings.Contains(m.Text, bp.secret) {
				t.Errorf("message %d repeats a citizen's personal data", m.ID)
			}
		}
	}
}

func (k burstKind) String() string {
	return [...]string{"question", "personal data", "repeat", "chit-chat"}[k]
}

// burstCorpus returns a burst of n posts (at most 1,200), in a fixed
// pseudo-random order: 60% questions, each from its own user; 20% posts
// with personal data (IBAN, phone number, fiscal code), each from another
// user; 10% repeats of earlier questions by their authors; 10% chit-chat.
func burstCorpus(t *testing.T, n int) []burstPost {
	t.Helper()
	rng := rand.New(rand.NewPCG(20260301, 1))
	var out []burstPost
	user := int64(10000)
	next := func() int64 { user++; return user }

	// Questions: each stem under several greetings and endings, no two
	// alike.
	var qs []string
	for _, stem := range questionStems {
		for _, open := range greetings {
			for _, end := range endings {
				qs = append(qs, open+stem+end)
			}
		}
	}
	rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	for _, q := range qs[:n*6/10] {
		out = append(out, burstPost{kind: burstQuestion, user: next(), text: q})
	}

	for i := range n * 2 / 10 {
		var secret string
		switch i % 3 {
		case 0:
			secret = fakeIBAN(t, i)
		case 1:
			secret = fakePhone(i)
		default:
			secret = fakeTaxCode(t, i)
		}
		wording := personalWordings[i%3][(i/3)%len(personalWordings[i%3])]
		out = append(out, burstPost{kind: burstPersonal, user: next(), text: fmt.Sprintf(wording, secret), secret: secret})
	}

	for i := range n / 10 {
		a, b := chitChat[i%len(chitChat)], chitChatEnds[(i/len(chitChat))%len(chitChatEnds)]
		out = append(out, burstPost{kind: burstChat, user: next(), text: a + b})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })

	// Repeats, each somewhere after the question it repeats: the same
	// text, or the text with a reminder around it. Every post gets a
	// position; a repeat's lies between its question's and the end.
	type placed struct {
		post burstPost
		at   float64
		base int // index in out; -1 for a repeat
	}
	all := make([]placed, 0, len(out)+n/10)
	var asked []int
	for i, bp := range out {
		all = append(all, placed{post: bp, at: float64(i), base: i})
		if bp.kind == burstQuestion {
			asked = append(asked, i)
		}
	}
	rng.Shuffle(len(asked), func(i, j int) { asked[i], asked[j] = asked[j], asked[i] })
	for k, orig := range asked[:n/10] {
		q := out[orig]
		text := q.text
		switch k % 3 {
		case 1:
			text = "SOLLECITO: " + text
		case 2:
			text += " ???"
		}
		at := float64(orig) + 0.5 + rng.Float64()*float64(len(out)-orig)
		all = append(all, placed{post: burstPost{kind: burstRepeat, user: q.user, text: text, of: orig}, at: at, base: -1})
	}
	slices.SortStableFunc(all, func(a, b placed) int { return cmp.Compare(a.at, b.at) })
	index := make(map[int]int, len(out)) // index in out → index in the burst
	for i, p := range all {
		if p.base >= 0 {
			index[p.base] = i
		}
	}
	burst := make([]burstPost, len(all))
	for i, p := range all {
		burst[i] = p.post
		if p.post.kind == burstRepeat {
			burst[i].of = index[p.post.of]
		}
	}
	return burst
}

// checkCorpus makes sure, before the burst, that the responder sees each
// post as the test means it, so that a change of rules fails here with the
// post at fault rather than in the counts.
func checkCorpus(t *testing.T, resp *bot.Responder, corpus []burstPost) {
	t.Helper()
	seen := map[string]bool{}
	fps := map[int]rules.Fingerprint{}
	for i, bp := range corpus {
		if bp.kind != burstRepeat && seen[bp.text] {
			t.Fatalf("corpus: post %d (%s) is not distinct: %q", i, bp.kind, bp.text)
		}
		seen[bp.text] = true
		p := bot.Post{Platform: "telegram", Account: "inps", ID: strconv.Itoa(i), Author: strconv.FormatInt(bp.user, 10), Kind: bot.KindComment, Text: bp.text}
		var earlier []rules.Fingerprint
		if bp.kind == burstRepeat {
			if bp.of < 0 || bp.of >= i || corpus[bp.of].user != bp.user {
				t.Fatalf("corpus: repeat %d does not follow its question (%d)", i, bp.of)
			}
			earlier = []rules.Fingerprint{fps[bp.of]}
		}
		v := resp.Decide(p, earlier)
		fps[i] = v.Fingerprint
		var ok bool
		switch bp.kind {
		case burstQuestion:
			ok = v.Has(bot.ActReply) && !v.Has(bot.ActHide) && !v.Has(bot.ActEscalate) && len(v.PII) == 0 && v.Reply != ""
		case burstPersonal:
			ok = v.Has(bot.ActHide) && v.HasViolation(rules.PersonalData) && !v.Has(bot.ActEscalate) && v.Reply != ""
		case burstRepeat:
			ok = v.HasViolation(rules.Repeated) && !v.Has(bot.ActReply) && !v.Has(bot.ActHide)
		case burstChat:
			ok = len(v.Actions) == 0
		}
		if !ok {
			t.Fatalf("corpus: post %d (%s) %q: intent %s, violations %v, actions %v", i, bp.kind, bp.text, v.Intent, v.Violations, v.Actions)
		}
	}
}

// metricsRecorder is a bot.Metrics that keeps the backlog figures.
type metricsRecorder struct {
	mu       sync.Mutex
	backlogs []int
}

func (m *metricsRecorder) PostHandled(string, *bot.Verdict, time.Duration)          {}
func (m *metricsRecorder) ActionDone(string, bot.OutboxKind, string, time.Duration) {}
func (m *metricsRecorder) PlatformUp(string, bool)                                  {}

func (m *metricsRecorder) Backlog(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.backlogs = append(m.backlogs, n)
}

// maxBacklog returns the largest backlog reported and how many reports
// there were.
func (m *metricsRecorder) maxBacklog() (most, reports int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range m.backlogs {
		most = max(most, n)
	}
	return most, len(m.backlogs)
}

// maxInWindow returns the most times that fall within one window of
// length w.
func maxInWindow(times []time.Time, w time.Duration) int {
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// limitPerWindow is what a token bucket lets through in one second.
func limitPerWindow(rate float64, burst int) int {
	return int(rate) + burst
}

// meanRate is the number of events per second between the first and the
// last.
func meanRate(times []time.Time) float64 {
	if len(times) < 2 {
		return 0
	}
	lo, hi := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	return float64(len(times)-1) / hi.Sub(lo).Seconds()
}

// fakeIBAN is a valid Italian IBAN (check digits computed) for a made-up
// account.
func fakeIBAN(t *testing.T, n int) string {
	t.Helper()
	bban := fmt.Sprintf("X%05d%05d%012d", 3000+n*7%900, 11100+n%90, 100000+n*7919)
	for check := range 100 {
		iban := fmt.Sprintf("IT%02d%s", check, bban)
		if pii.ValidIBAN(iban) {
			return iban
		}
	}
	t.Fatalf("no check digits make an IBAN of %s", bban)
	return ""
}

// fakeTaxCode is a valid fiscal code (check letter computed) of a made-up
// person.
func fakeTaxCode(t *testing.T, n int) string {
	t.Helper()
	const months = "ABCDEHLMPRST"
	surnames := []string{"RSS", "BNC", "VRD", "FRR", "CLM", "GLL", "MRN", "CST", "RMN", "SPS"}
	names := []string{"MRA", "LGU", "NNA", "GLI", "PLA", "FNC", "SRA", "MRC", "LCA", "CHR"}
	places := []string{"H501", "F205", "F839", "L219", "A662", "D612", "G273", "C351"}
	base := fmt.Sprintf("%s%s%02d%c%02d%s", surnames[n%10], names[n/10%10], 50+n%45, months[n%12], 1+n%28+40*(n%2), places[n%len(places)])
	for c := 'A'; c <= 'Z'; c++ {
		if cf := base + string(c); pii.ValidTaxCode(cf) {
			return cf
		}
	}
	t.Fatalf("no check letter makes a fiscal code of %s", base)
	return ""
}

// fakePhone is an Italian mobile number, written in one of the usual ways.
func fakePhone(n int) string {
	prefixes := []string{"320", "328", "333", "338", "340", "347", "349", "380", "388", "393"}
	pre, rest := prefixes[n%len(prefixes)], 1000000+n*7717%9000000
	switch n % 4 {
	case 0:
		return fmt.Sprintf("%s%07d", pre, rest)
	case 1:
		return fmt.Sprintf("%s %07d", pre, rest)
	case 2:
		return fmt.Sprintf("+39 %s %03d %04d", pre, rest/10000, rest%10000)
	default:
		return fmt.Sprintf("%s.%03d.%04d", pre, rest/10000, rest%10000)
	}
}

var greetings = []string{
	"Buongiorno, ", "Salve, ", "Buonasera, ", "Ciao, ", "Scusate, ", "Una domanda: ",
	"Gentile INPS, ", "Salve a tutti, ", "Buongiorno a tutti, ", "Vorrei sapere ",
}

var endings = []string{"", " Grazie.", " Non trovo informazioni chiare sul sito.", " Grazie in anticipo a chi risponde."}

var questionStems = []string{
	"come si fa domanda di NASpI?",
	"quanti mesi di NASpI spettano dopo due anni di lavoro con contratti a termine?",
	"come si presenta la domanda di assegno unico per i figli?",
	"l'assegno unico va rinnovato ogni anno?",
	"come si calcola l'ISEE?",
	"dove si scarica l'attestazione ISEE?",
	"chi può chiedere l'assegno di inclusione?",
	"con quanti anni di contributi si può andare in pensione?",
	"dove trovo il cedolino della pensione di questo mese?",
	"dove si scarica la certificazione unica?",
	"come si chiede il riconoscimento dell'invalidità civile?",
	"come funziona il congedo parentale per i papà?",
	"chi deve mandare il certificato di malattia all'INPS?",
	"come si accede ai servizi online dell'INPS con lo SPID?",
	"come controllo l'estratto conto contributivo?",
	"come si pagano i contributi della colf?",
	"come funziona la cassa integrazione ordinaria?",
	"quando arriva il pagamento della NASpI?",
}

var personalWordings = [3][]string{
	{
		"Non mi è arrivato il pagamento, il mio IBAN è %s",
		"Ho cambiato banca, il nuovo IBAN è %s: devo comunicarlo?",
		"IBAN per l'accredito: %s, è giusto così?",
		"Vi confermo le coordinate %s per il rimborso",
		"il conto su cui pagate è %s ma non vedo niente",
	},
	{
		"Potete richiamarmi al %s? Al numero verde non risponde nessuno",
		"Il mio cellulare è %s, contattatemi per la pratica",
		"Chiamatemi al %s per favore, è urgente",
		"Sono raggiungibile al numero %s dopo le 18",
		"scrivetemi su whatsapp al %s",
	},
	{
		"Il mio codice fiscale è %s, a che punto è la mia domanda?",
		"Vi lascio il codice fiscale %s così controllate",
		"CF %s, la pratica risulta ancora in istruttoria",
		"codice fiscale di mia madre: %s, perché non le arriva la pensione?",
		"Controllate per favore il codice fiscale %s",
	},
}

var chitChat = []string{
	"Buona giornata a tutti", "Che caldo oggi", "Qualcuno ha visto la partita ieri sera", "Ciao a tutti, sono nuovo nel gruppo",
	"Anche io sono in attesa, vediamo", "Ok, capito", "Buon fine settimana", "Bella foto del post",
	"Ci vediamo al mercato sabato", "Oggi piove a Milano", "Buon appetito a tutti", "Domani si parte per il mare",
	"Che bel tramonto stasera", "Sono d'accordo con chi ha scritto sopra", "Buona serata", "Forza ragazzi",
	"Ottimo lavoro con il nuovo servizio", "Qualcuno di Bologna qui", "Auguri a tutte le mamme", "Buon lunedì",
}

var chitChatEnds = []string{"", "!", " 😊", " :)", "..."}
