package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"strings"
	"time"
)

// sampleTemplates are invented posts in the shapes citizens write; %s
// slots take generated personal data. They feed benchmarks, never tests
// of quality.
var sampleTemplates = []string{
	"Buongiorno, quanti mesi di NASpI spettano se ho lavorato %d anni con contratti a termine?",
	"Il mio IBAN è %s, potete accreditare lì l'assegno unico?",
	"Codice fiscale %s, la mia domanda di pensione è ancora in istruttoria da mesi",
	"Quando pagano l'ADI di %s? La ricarica non è ancora arrivata",
	"<p><span class=\"h-card\"><a href=\"https://mastodon.uno/@inps_it\" class=\"u-url mention\">@<span>inps_it</span></a></span> Come si rinnova l&#39;ISEE per il %d?</p>",
	"Chiamatemi al %s per la mia pratica di invalidità, grazie",
	"Vergogna! Aspetto da mesi e nessuno risponde al telefono",
	"GRAZIE MILLE PER NIENTE, SIETE INUTILI",
	"Grazie, gentilissimi, buona giornata!",
	"Scrivetemi a %s per il congedo parentale di mia moglie",
	"Ho chiamato il Contact Center 803 164 ma è sempre occupato, anche lo 06 164 164",
	"La circolare n. %d del 2024 vale anche per la Quota 103?",
	"Abito in Via Roma %d, 00100 Roma: dove trovo la sede più vicina?",
	"Sono nata il %s, con 35 anni di contributi posso andare in pensione?",
	"Sei un idiota, @utente%d, stai zitto",
	"Il mio vicino prende il reddito e lavora in nero, dove lo segnalo?",
	"Offriamo assistenza per la NASpI a 20 euro, scrivimi in privato su WhatsApp",
	"Come si scarica la CU %d dal sito? Non riesco ad accedere con lo SPID",
	"Cedolino di marzo più basso di %d euro, perché?",
	"Pratica numero %d ferma da due mesi, che faccio?",
}

// generator produces sample posts, deterministic for a seed.
type generator struct{ r *rand.Rand }

func newGenerator(seed uint64) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *generator) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

// iban returns a valid Italian IBAN, spaced in groups of four.
func (g *generator) iban() string {
	bban := string(rune('A'+g.r.IntN(26))) + g.digits(10) + g.digits(12)
	check := ibanCheck("IT", bban)
	s := "IT" + check + bban
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func ibanCheck(country, bban string) string {
	var num strings.Builder
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprintf(&num, "%d", c-'A'+10)
		} else {
			num.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	mod := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%02d", 98-mod)
}

// taxCode returns a codice fiscale with a valid check character.
func (g *generator) taxCode() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const months = "ABCDEHLMPRST"
	var b strings.Builder
	for range 6 {
		b.WriteByte(letters[g.r.IntN(26)])
	}
	fmt.Fprintf(&b, "%02d%c%02d%c%03d", 40+g.r.IntN(60), months[g.r.IntN(12)], 1+g.r.IntN(28),
		letters[g.r.IntN(26)], g.r.IntN(1000))
	odd := [...]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i, c := range b.String() {
		v := int(c - 'A')
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		}
		if i%2 == 0 {
			sum += odd[v]
		} else {
			sum += v
		}
	}
	b.WriteByte(byte('A' + sum%26))
	return b.String()
}

func (g *generator) fill(tpl string) string {
	var args []any
	for i := 0; i < len(tpl)-1; i++ {
		if tpl[i] != '%' {
			continue
		}
		switch tpl[i+1] {
		case 'd':
			args = append(args, 1+g.r.IntN(2024))
		case 's':
			switch {
			case strings.Contains(tpl, "IBAN"):
				args = append(args, g.iban())
			case strings.Contains(tpl, "fiscale"):
				args = append(args, g.taxCode())
			case strings.Contains(tpl, "Chiamatemi"):
				args = append(args, "3"+g.digits(2)+" "+g.digits(3)+" "+g.digits(4))
			case strings.Contains(tpl, "Scrivetemi"):
				args = append(args, fmt.Sprintf("utente%d@example.it", g.r.IntN(1e6)))
			case strings.Contains(tpl, "nata"):
				args = append(args, fmt.Sprintf("%d/%d/19%02d", 1+g.r.IntN(28), 1+g.r.IntN(12), 40+g.r.IntN(60)))
			default:
				args = append(args, []string{"gennaio", "marzo", "luglio"}[g.r.IntN(3)])
			}
		}
	}
	return fmt.Sprintf(tpl, args...)
}

// line returns the i-th sample post as one JSON line of the batch contract.
func (g *generator) line(i int) []byte {
	tpl := sampleTemplates[g.r.IntN(len(sampleTemplates))]
	platform := "telegram"
	if strings.HasPrefix(tpl, "<p>") || g.r.IntN(3) == 0 {
		platform = "mastodon"
	}
	b, _ := json.Marshal(map[string]string{
		"id":       fmt.Sprintf("s%d", i),
		"text":     g.fill(tpl),
		"author":   fmt.Sprintf("%d", 1000+g.r.IntN(200000)),
		"channel":  "-1001234567890",
		"platform": platform,
		// One post a minute: busier than the institute's accounts are.
		"ts": time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
	})
	return b
}

func cmdSample(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lines := fs.Int("lines", 100000, "how many posts to write")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: inpsbot sample [--lines N] [--seed S] > posts.jsonl   (synthetic posts for benchmarks)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	w := bufio.NewWriter(stdout)
	g := newGenerator(*seed)
	for i := range *lines {
		w.Write(g.line(i))
		w.WriteByte('\n')
	}
	return w.Flush()
}
