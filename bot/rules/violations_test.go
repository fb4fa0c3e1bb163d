package rules

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/inps-social/inpsbot/bot/text"
	"github.com/inps-social/inpsbot/configs"
)

func loadTestViolations(t testing.TB) *violationRules {
	t.Helper()
	v, err := loadViolations(configs.FS, "rules")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func findLabels(v *violationRules, s string) []Violation {
	d := text.Display(s)
	got, _ := v.find(prepare(Input{Display: d, Redacted: d}))
	slices.Sort(got)
	return slices.Compact(got)
}

// violationCases: each lexicon entry class with a post that fires and one
// that must not (the traps of the netiquette reference).
var violationCases = []struct {
	label Violation
	text  string
	fires bool
}{
	// shouting (§2.1)
	{Shouting, "NON HO ANCORA RICEVUTO NIENTE", true},
	{Shouting, "GRAZIE MILLE", true},
	{Shouting, "ISEE e DSU per l'AUU?", false},
	{Shouting, "Non ho ricevuto NIENTE", false},
	{Shouting, "OK GRAZIE", false},
	{Shouting, "GRAZIE!!!", false},
	{Shouting, "INPS NASPI ISEE DSU ADI SPID CIE IBAN", false},
	{Shouting, "@MARIO_ROSSI #VERGOGNAINPS https://WWW.INPS.IT ok", false},
	{Shouting, "PERCHÉ È SOSPESA LA MIA PRATICA", true},

	// profanity: vulgar words, whole tokens only
	{Profanity, "che cazzo di sito", true},
	{Profanity, "sono incazzato come una bestia", true},
	{Profanity, "minchia quanto si aspetta", true},
	{Profanity, "mi avete rotto i coglioni", true},
	{Profanity, "vaffanculo a tutti", true},
	{Profanity, "servizio di merda", true},
	{Profanity, "che palle questa attesa", true},
	{Profanity, "mi prendete per il culo da mesi", true},
	{Profanity, "andate a cagare", true},
	{Profanity, "figlio di puttana", true},
	{Profanity, "this fucking app never works", true},
	{Profanity, "belin che attesa", true},
	{Profanity, "🖕 INPS", true},
	{Profanity, "verifica della notifica in corso", false},
	{Profanity, "accesso negato, decesso del titolare", false},
	{Profanity, "lo stipendio e il sussidio", false},
	{Profanity, "mi fanno male le spalle", false},
	{Profanity, "pulivo lo sporco in cantina", false},
	{Profanity, "mia moglie Simona ha fatto domanda", false},
	{Profanity, "lo stronzio è un elemento", false},
	{Profanity, "ho comprato una cazzuola nuova", false},
	{Profanity, "abito a Cazzago San Martino", false},
	{Profanity, "il dottor Cazzaniga della sede", false},
	{Profanity, "saluti agli amici di Troia (FG)", false},
	{Profanity, "il patronato di Porcari mi ha aiutato", false},
	{Profanity, "in vacanza a Madonna di Campiglio", false},
	{Profanity, "il professor Figà-Talamanca", false},
	{Profanity, "le pene previste dalla legge", false},
	{Profanity, "una sega circolare per il lavoro", false},
	{Profanity, "lo zoccolo duro dei pensionati", false},
	{Profanity, "porca miseria, ho perso la password", false},
	{Profanity, "mannaggia, cavolo, che cacchio", false},
	// blasphemy: sacred name next to a degrading word
	{Profanity, "porco dio che attesa", true},
	{Profanity, "Dio cane, cinque ore di fila", true},
	{Profanity, "porca madonna, cade la linea", true},
	{Profanity, "porco due di sistema", true},
	{Profanity, "porcodio ho sbagliato la DSU", true},
	{Profanity, "grazie a Dio è arrivata", false},
	{Profanity, "Madonna santa quanta attesa", false},
	{Profanity, "il mio cane è malato", false},
	// obfuscated spellings
	{Profanity, "sta c4zz0 di pensione", true},
	{Profanity, "m*rda di servizio", true},
	{Profanity, "C***o, mi è scaduto il PIN", true},
	{Profanity, "s t r o n z i, ridatemi i soldi", true},
	{Profanity, "sei uno st.ronzo", true},
	{Profanity, "sempre la solita merdaaa", true},
	{Profanity, "сazzo, la CU quando esce?", true},
	{Profanity, "vaff******** a voi", true},
	{Profanity, "803 164 oppure 06 164 164", false},

	// hate: slur alone, or group + predicate
	{Hate, "i negri del centro prendono tutto", true},
	{Hate, "polentoni che si lamentano", true},
	{Hate, "una sede piena di terroni", true},
	{Hate, "coppie di froci", true},
	{Hate, "quei mongoloidi non meritano nulla", true},
	{Hate, "quel ritardato dell'impiegato", true},
	{Hate, "Gli stranieri sono tutti parassiti", true},
	{Hate, "gli immigrati ci rubano la pensione, prima gli italiani", true},
	{Hate, "i musulmani sono animali", true},
	{Hate, "Questi rumeni, fuori dall'Italia", true},
	{Hate, "🐒🍌 @utente_x torna in Africa", true},
	{Hate, "Gli extracomunitari hanno diritto all'assegno unico?", false},
	{Hate, "ho lavorato in nero per due anni", false},
	{Hate, "vorrei tutto nero su bianco", false},
	{Hate, "ho l'handicap grave della legge 104", false},
	{Hate, "mio figlio disabile ha diritto alla 104?", false},
	{Hate, "sono andato all'INPS di Roma", false},
	{Hate, "un ragazzo rom è stato trattato malissimo allo sportello", false},
	{Hate, "Zingaretti ha detto in TV che le minime aumentano", false},
	{Hate, "il negozio è chiuso e l'esito è negativo", false},
	{Hate, "il pagamento ritardato della NASpI", false},

	// insult: epithet aimed at a person
	{Insult, "sei un idiota", true},
	{Insult, "@carlo_b sei un buffone", true},
	{Insult, "l'operatrice è un'incompetente", true},
	{Insult, "L'impiegato di Napoli è uno scemo", true},
	{Insult, "il medico della commissione è un pagliaccio", true},
	{Insult, "quel verme del mio ex capo", true},
	{Insult, "vergognati!", true},
	{Insult, "st.ronzo sei tu", true},
	{Insult, "Salvini buffone", true},
	{Insult, "INPS incompetente, nessuno risponde", false},
	{Insult, "siete degli incapaci", false},
	{Insult, "sono un idiota, ho sbagliato la DSU", false},
	{Insult, "l'operatrice mi ha dato dell'ignorante", false},
	{Insult, "regola stupida", false},
	{Insult, "il ladro mi ha rubato la carta", false},

	// political: mention + cue, case-sensitive names
	{Political, "Votate Lega alle prossime elezioni", true},
	{Political, "Meloni dimettiti", true},
	{Political, "colpa del PD se la NASpI dura poco", true},
	{Political, "questo governo di incapaci, andate a casa", true},
	{Political, "#votaAVS per le minime", true},
	{Political, "il governo ha prorogato Quota 103?", false},
	{Political, "la legge Fornero vale ancora?", false},
	{Political, "il decreto Lavoro ha cambiato la NASpI?", false},
	{Political, "il reddito di cittadinanza esiste ancora?", false},
	{Political, "ho firmato la delega, il mio collega allega i documenti", false},
	{Political, "La dottoressa Conte è stata gentilissima, grazie", false},
	{Political, "ho comprato dei meloni al mercato, vergogna i prezzi", false},
	{Political, "azione legale contro il datore", false},

	// advertising
	{Advertising, "problemi con la NASpI? scrivimi in privato", true},
	{Advertising, "contattami su WhatsApp per la pratica", true},
	{Advertising, "entra nel gruppo t.me/bonus_news", true},
	{Advertising, "info su wa.me/393331112222", true},
	{Advertising, "il nostro patronato offre assistenza gratuita", true},
	{Advertising, "prenota una consulenza presso il nostro CAF", true},
	{Advertising, "ti faccio io la domanda a 20 €", true},
	{Advertising, "cessione del quinto per pensionati", true},
	{Advertising, "guadagna da casa con il trading", true},
	{Advertising, "codice invito MARIO10", true},
	{Advertising, "link in bio", true},
	{Advertising, "leggi qui https://www.inps.it/it/it/dati-e-bilanci.html", false},
	{Advertising, "la legge: https://www.normattiva.it/uri-res/N2Ls", false},
	{Advertising, "rivolgiti a un patronato, è gratis", false},
	{Advertising, "sono andato al CAF ma non sapevano niente", false},
	{Advertising, "articolo su https://www.ilsole24ore.com/art/pensioni", false},
	{Advertising, "come faccio la domanda di NASpI?", false},
	{Advertising, "il nostro CAF ci ha detto di aspettare", false},
	{Advertising, "Contattatemi al più presto, la pratica è bloccata", false},
	{Political, "Il governo Meloni ha approvato la manovra, cosa cambia?", false},
	{Political, "La Lega dei pensionati organizza un incontro", false},
	{Profanity, "Dio mio quanto è lento il sito", false},
	{Hate, "i rom hanno diritto all'ADI?", false},
	{Insult, "sono stufo, siete incompetenti", false},
	{Insult, "l'operatore è stato gentilissimo", false},
	{Illegal, "mi hanno chiamato dall'INPS per un controllo, è normale?", false},
	{Illegal, "prendo la pensione di invalidità e lavoro part time, devo comunicarlo?", false},

	// illegal
	{Illegal, "so dove abitate, ve la faccio pagare", true},
	{Illegal, "vi vengo a prendere uno per uno", true},
	{Illegal, "ti aspetto fuori dalla sede", true},
	{Illegal, "vi ammazzo tutti 💣", true},
	{Illegal, "🔫 state attenti a come trattate la gente", true},
	{Illegal, "prendo la NASpI e lavoro in nero", true},
	{Illegal, "ho l'ADI e lavoro senza contratto", true},
	{Illegal, "la mia colf è in nero", true},
	{Illegal, "ho nascosto il conto per l'ISEE", true},
	{Illegal, "residenza fittizia per abbassare l'ISEE", true},
	{Illegal, "il mio vicino prende il reddito e lavora in nero", true},
	{Illegal, "il datore mi teneva in nero, ho diritto alla NASpI?", true},
	{Illegal, "mi hanno chiamato dall'INPS e gli ho dato il codice OTP", true},
	{Illegal, "vi denuncio, faccio ricorso e scrivo al Garante", false},
	{Illegal, "mi ammazzo di lavoro tutti i giorni", false},
	{Illegal, "domani vengo a prendere il modulo in sede", false},
	{Illegal, "cosa rischia chi lavora in nero?", false},
	{Illegal, "come si denuncia il lavoro nero?", false},
	{Illegal, "attenzione alle false e-mail INPS", false},
	{Illegal, "mi hanno rubato la carta della pensione", false},

	// illegal: assets kept out of the ISEE on purpose; phishing texts
	{Illegal, "Nella DSU ho tenuto fuori il libretto postale di mia moglie", true},
	{Illegal, "ho messo la casa al mare a nome di mia sorella, tanto nessuno controlla", true},
	{Illegal, "Ho dimenticato di inserire il conto deposito nella DSU, devo rifarla?", false},
	{Illegal, "il conto cointestato va lasciato fuori dall'ISEE?", false},
	{Illegal, "Avviso INPS: la sua pratica è bloccata, aggiorni i dati qui https://inps-verifica-pratiche.net/login", true},
	{Illegal, "segnalo il sito inps-bonus-famiglie.com che chiede i dati della carta", true},
	{Illegal, "per aggiornare i dati dell'IBAN entrate su https://servizi2.inps.it", false},
}

// maskedCases run on redacted text: personal data appear as masks.
var maskedCases = []struct {
	label Violation
	text  string
	fires bool
}{
	// advertising: business contact data with a trade, a price or a booking
	{Advertising, "Ripetizioni di matematica a domicilio, 15 € l'ora, chiamare il [telefono]", true},
	{Advertising, "Patronato Sole e Luna snc, P.IVA [partita iva]: prenota la pratica di pensione", true},
	{Advertising, "Consulenze su NASpI e disoccupazione, mail [email]", true},
	{Advertising, "Assistenza previdenziali online: [email] oppure whatsapp [telefono]", true},
	{Advertising, "Compilazione del 730 rapida, studio in [indirizzo]", true},
	{Advertising, "Il mio numero è [telefono], vi prego richiamatemi per la pratica di NASpI", false},
	{Advertising, "Sono artigiano con partita IVA [partita iva], quanti contributi pago ogni anno?", false},
	{Advertising, "Vivo in [indirizzo], il preventivo del CAF per la successione è giusto?", false},
	{Advertising, "vi ho lasciato il mio cellulare [telefono] per le consulenze della sede, nessuno chiama", false},
	{Advertising, "Rispondete a [email], ho bisogno del modulo per la maternità", false},
	{Advertising, "Mio padre paga la cessione del quinto sulla pensione, è legale trattenere così tanto?", false},
	{Advertising, "Prestiti e cessione del quinto per pensionati, tasso agevolato", true},
	// phishing message itself: a call to act with a link
	{Advertising, "INPS informa: la sua domanda è sospesa. Confermi i dati entro oggi su https://bit.ly/x9kq", true},
	{Advertising, "Mi è arrivato un sms che dice di aggiornare i dati su https://inps-aggiorna.net, è vero?", false},
	{Illegal, "Mi è arrivato un sms che dice di aggiornare i dati su https://inps-aggiorna.net, è vero?", true},

	// insult: compound epithets and late predicates
	{Insult, "@rossi_77 faccia di merda, stai zitto", true},
	{Insult, "sei proprio una testa di cazzo", true},
	{Insult, "il funzionario della sede è un pezzo di merda", true},
	{Insult, "che testa di cazzo che sono, ho sbagliato la data", false},
	{Insult, "Meloni aveva promesso le pensioni a mille euro e invece è una bugiarda", true},
	{Insult, "Tajani ha detto in TV che la quattordicesima non cambia, non è un ladro", false},
}

func TestMaskedCases(t *testing.T) {
	v := loadTestViolations(t)
	for _, c := range maskedCases {
		got, _ := v.find(prepare(Input{Display: c.text, Redacted: c.text}))
		if slices.Contains(got, c.label) != c.fires {
			t.Errorf("%s on %q: fires=%v, want %v (got %v)", c.label, c.text, !c.fires, c.fires, got)
		}
	}
}

func TestViolationCases(t *testing.T) {
	v := loadTestViolations(t)
	for _, c := range violationCases {
		got := findLabels(v, c.text)
		if slices.Contains(got, c.label) != c.fires {
			t.Errorf("%s on %q: fires=%v, want %v (got %v)", c.label, c.text, !c.fires, c.fires, got)
		}
	}
}

// TestMildNeverFires checks that no mild-tier entry fires its label.
func TestMildNeverFires(t *testing.T) {
	v := loadTestViolations(t)
	for _, s := range []string{"cavolo", "cacchio", "mannaggia", "porca miseria", "porca vacca", "mizzica",
		"accidenti", "caspita", "diamine", "porco giuda", "madonna santa", "grazie a dio", "rompiscatole"} {
		if got := findLabels(v, s); len(got) != 0 {
			t.Errorf("%q: got %v, want none", s, got)
		}
	}
}

func TestEvidenceNamesEntry(t *testing.T) {
	v := loadTestViolations(t)
	_, ev := v.find(prepare(Input{Display: "che cazzo", Redacted: "che cazzo"}))
	if len(ev) == 0 || ev[0].Label != string(Profanity) || ev[0].Match == "" || strings.Contains(ev[0].Match, "che") {
		t.Errorf("evidence %+v", ev)
	}
}

func TestLoadViolationsErrors(t *testing.T) {
	base := func() fstest.MapFS {
		fs := fstest.MapFS{}
		fs["r/violations.yaml"] = &fstest.MapFile{Data: []byte("lexicons: [a.yaml]\nshouting:\n  min_letters: 10\n")}
		fs["r/a.yaml"] = &fstest.MapFile{Data: []byte("label: profanity\nrules:\n  - id: x\n    any: [cazzo]\n")}
		return fs
	}
	if _, err := loadViolations(base(), "r"); err != nil {
		t.Fatalf("minimal set: %v", err)
	}
	cases := []struct{ file, data, want string }{
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    any: [cazzo\n", "r/a.yaml"},
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    anny: [cazzo]\n", "line 4"},
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    any:\n      - \"$nope ~2 x\"\n", "r/a.yaml:5"},
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    any:\n      - \"a ~99 b\"\n", "r/a.yaml:5"},
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    tier: loud\n    any: [a]\n", "r/a.yaml:3"},
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    tier: contextual\n    any: [a]\n", "r/a.yaml:5"},
		{"r/a.yaml", "label: repeated\nrules:\n  - id: x\n    any: [a]\n", "r/a.yaml"},
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    any: [cazz(o|i]\n", "r/a.yaml:4"},
		{"r/a.yaml", "label: profanity\nrules:\n  - id: x\n    any: [\"<pii:fax> ~2 cazzo\"]\n", "unknown personal-data kind"},
		{"r/violations.yaml", "lexicons: [a.yaml]\nshouting:\n  min_letters: 0\n", "r/violations.yaml"},
		{"r/violations.yaml", "lexicons: [b.yaml]\nshouting:\n  min_letters: 10\n", "b.yaml"},
	}
	for _, c := range cases {
		fs := base()
		fs[c.file] = &fstest.MapFile{Data: []byte(c.data)}
		_, err := loadViolations(fs, "r")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.data, err, c.want)
		}
	}
}

func TestShippedLexiconsLoad(t *testing.T) {
	if _, err := loadViolations(os.DirFS("../../configs"), "rules"); err != nil {
		t.Fatal(err)
	}
}

var violationBenchPosts = []string{
	"@inps_it Buongiorno, ho presentato la domanda di NASpI il 3 marzo e non ho ancora ricevuto nessuna comunicazione. Quanto bisogna aspettare di solito?",
	"<p><span class=\"h-card\"><a href=\"https://mastodon.uno/@inps_it\" class=\"u-url mention\">@<span>inps_it</span></a></span> Quando pagano l&#39;assegno unico a marzo?</p>",
	"Con 41 anni di contributi e 62 di età posso andare in pensione con Quota 103? Grazie mille per la risposta",
	"Vergogna, otto mesi per una pensione di reversibilità! Nessuno risponde al telefono.",
	"Il mio ISEE corrente scade a giugno, devo rifare la DSU per l'assegno unico o vale fino a dicembre?",
	"che cazzo di sito, non si apre mai la sezione del cedolino",
	"Il nostro patronato offre assistenza gratuita, scrivici in privato su wa.me/393331234567",
	"NON RIESCO AD ACCEDERE CON LO SPID, MI DA SEMPRE ERRORE",
}

func BenchmarkFind(b *testing.B) {
	v := loadTestViolations(b)
	posts := make([]*post, len(violationBenchPosts))
	for i, s := range violationBenchPosts {
		d := text.Display(s)
		posts[i] = prepare(Input{Display: d, Redacted: d})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v.find(posts[i%len(posts)])
	}
}

func ExampleRuleset_Analyze() {
	rs, err := Load(configs.FS, "rules")
	if err != nil {
		panic(err)
	}
	res := rs.Analyze(Input{Display: "sei un buffone @mario_r", Redacted: "sei un buffone @mario_r"})
	fmt.Println(res.Violations)
	// Output: [insult]
}

func TestCapsBound(t *testing.T) {
	naive := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0xC0 {
				n++
			}
		}
		return n
	}
	tests := []string{
		"",
		"ABC",
		"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[`abcdefghijklmnopqrstuvwxyz{",
		"PERCHÉ NON PAGATE LA NASPI?!? È UNA VERGOGNA",
		"\x7f\x80\xbf\xc0\xff\x41\x5a\x40\x5b\x00\x01ZZZZZZZZ",
		"Привет ΑΒΓ 日本 🙂 Zz",
	}
	var every []byte
	for c := range 256 {
		every = append(every, byte(c))
	}
	tests = append(tests, string(every))
	for _, s := range tests {
		for i := range len(s) + 1 { // every alignment of the tail
			if got, want := capsBound(s[i:]), naive(s[i:]); got != want {
				t.Errorf("capsBound(%q) = %d, want %d", s[i:], got, want)
			}
		}
	}
}

func TestIndexFrom(t *testing.T) {
	s := "Chiamatemi al [telefono] oppure al [telefono], grazie: ciao ciao ciao ciao!"
	subs := []string{"", "C", "Chiamatemi", "telefono", "ciao", "!", "grazie", "x", s, s + "x", "[telefono],"}
	for _, sub := range subs {
		for from := 0; from <= len(s); from++ {
			want := strings.Index(s[from:], sub)
			if want >= 0 {
				want += from
			}
			if got := indexFrom(s, sub, from); got != want {
				t.Errorf("indexFrom(s, %q, %d) = %d, want %d", sub, from, got, want)
			}
		}
	}
}

// TestWordTable: the lexicon table finds every lexicon word and no other.
func TestWordTable(t *testing.T) {
	v := loadDefault(t).violations
	for _, tc := range []struct {
		words map[string][]int32
		tab   *wordTable
	}{{v.vocab, &v.vocabTab}, {v.caseVocab, &v.caseVocabTab}} {
		if len(tc.words) == 0 {
			continue
		}
		for w, slots := range tc.words {
			i := tc.tab.find(w, wordFilterHash(w))
			if i == 0 || !slices.Equal(v.slotLists[i], slots) {
				t.Errorf("find(%q) = %d (slots %v), want slots %v", w, i, v.slotLists[i], slots)
			}
		}
		for _, w := range []string{"", "zzzz", "buongiorno!", "inpss", "x"} {
			if _, in := tc.words[w]; !in && tc.tab.find(w, wordFilterHash(w)) != 0 {
				t.Errorf("find(%q) found a word not in the lexicon", w)
			}
		}
	}
}
