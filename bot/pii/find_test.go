package pii

import (
	"slices"
	"strings"
	"testing"
)

// findCase is one row of the detection tables: the text, the kinds
// expected and, optionally, the exact text of the spans.
type findCase struct {
	name  string
	text  string
	want  []Kind
	spans []string
}

func runFindCases(t *testing.T, cases []findCase) {
	t.Helper()
	d := New()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spans := d.Find(c.text)
			got := Kinds(spans)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Find(%q) kinds = %v, want %v (spans %v)", c.text, got, want, spanTexts(c.text, spans))
			}
			if c.spans != nil {
				if st := spanTexts(c.text, spans); !slices.Equal(st, c.spans) {
					t.Errorf("Find(%q) spans = %q, want %q", c.text, st, c.spans)
				}
			}
			checkSpans(t, c.text, spans)
			if again := d.Find(Redact(c.text, spans)); len(again) > 0 {
				t.Errorf("redacted %q still has %v", Redact(c.text, spans), again)
			}
		})
	}
}

func spanTexts(text string, spans []Span) []string {
	out := []string{}
	for _, s := range spans {
		out = append(out, text[s.Start:s.End])
	}
	return out
}

func checkSpans(t *testing.T, text string, spans []Span) {
	t.Helper()
	last := 0
	for _, s := range spans {
		if s.Start < last || s.End <= s.Start || s.End > len(text) {
			t.Fatalf("bad span %v (prev end %d, len %d) in %q", s, last, len(text), text)
		}
		last = s.End
	}
}

func TestFindEmail(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "plain", text: "scrivetemi a giulia.verdi@gmail.com grazie", want: []Kind{Email}, spans: []string{"giulia.verdi@gmail.com"}},
		{name: "pec", text: "la mia PEC è studio.neri@pec.it", want: []Kind{Email}},
		{name: "spaced at", text: "m.rossi @ pec.it per favore", want: []Kind{Email}},
		{name: "chiocciola", text: "mario.rossi chiocciola gmail punto com", want: []Kind{Email}},
		{name: "at dot parens", text: "mario.rossi(at)libero(dot)it", want: []Kind{Email}},
		{name: "brackets", text: "anna [at] tiscali.it", want: []Kind{Email}},
		{name: "english at", text: "write to paolo at yahoo.it please", want: []Kind{Email}},
		{name: "punto in local", text: "franco punto bianchi chiocciola alice punto it", want: []Kind{Email}, spans: []string{"franco punto bianchi chiocciola alice punto it"}},
		{name: "fullwidth at", text: "luca.gialli＠libero.it", want: []Kind{Email}},
		{name: "upper", text: "SCRIVETE A CARLO.ESPOSITO@VIRGILIO.IT", want: []Kind{Email}},
		{name: "inps pec", text: "ho scritto a direzione.provinciale.torino@postacert.inps.gov.it senza risposta", want: nil},
		{name: "inps mail", text: "ho scritto a ufficio.stampa@inps.it", want: nil},
		{name: "handle", text: "@inps_it ciao", want: nil},
		{name: "fediverse", text: "@inps_it@mastodon.uno buongiorno", want: nil},
		{name: "retina", text: "logo foto@2x.png allegato", want: nil},
		{name: "localhost", text: "admin@localhost non va", want: nil},
		{name: "at home", text: "sto at home punto e basta", want: nil},
	})
}

func TestFindPhone(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "mobile", text: "chiamatemi al 3471234567", want: []Kind{Phone}},
		{name: "mobile slash", text: "cell. 347/1234567", want: []Kind{Phone}, spans: []string{"347/1234567"}},
		{name: "plus39 dots", text: "numero +39 347.123.45.67 ore pasti", want: []Kind{Phone}, spans: []string{"+39 347.123.45.67"}},
		{name: "0039", text: "tel 0039 333 4567890", want: []Kind{Phone}},
		{name: "single digits", text: "il mio numero è 3 3 3 1 2 3 4 5 6 7", want: []Kind{Phone}},
		{name: "uk", text: "I live in London, call +44 7911 123456", want: []Kind{Phone}},
		{name: "landline rome", text: "chiamate lo 06 4567 8901 dopo le 15", want: []Kind{Phone}},
		{name: "landline milan dash", text: "ufficio 02-87654321", want: []Kind{Phone}},
		{name: "landline paren", text: "tel (081) 5551234", want: []Kind{Phone}},
		{name: "line break", text: "cellulare 349 123\n4567", want: []Kind{Phone}},
		{name: "dashes", text: "cell 320-555-1234", want: []Kind{Phone}},
		{name: "words", text: "chiamami al tre tre tre uno due tre quattro cinque sei sette", want: []Kind{Phone}},
		{name: "wa.me", text: "scrivici su wa.me/393331234567", want: []Kind{Phone}},
		{name: "romania", text: "numero di mia madre 0040 721234567", want: []Kind{Phone}},
		{name: "contact center", text: "chiamate l'803 164 o lo 06 164 164", want: nil},
		{name: "contact center compact", text: "803164 oppure 06164164 oppure 06.164.164", want: nil},
		{name: "contact center +39", text: "dall'estero +39 06 164 164", want: nil},
		{name: "agenzia entrate", text: "l'Agenzia delle Entrate risponde all'800 90 96 96", want: nil},
		{name: "toll free", text: "numero verde 800 123 456", want: nil},
		{name: "premium", text: "chiama lo 899 123 456", want: nil},
		{name: "date slash", text: "la visita è il 03/12/2024", want: nil},
		{name: "date dots", text: "nato nel 1985, assunto il 05.06.1985", want: nil},
		{name: "inps vat", text: "INPS partita IVA 02121151001", want: nil},
		{name: "law", text: "legge 104/1992 art. 33 comma 3", want: nil},
		{name: "amount", text: "ho ricevuto 1.234,56 € di arretrati", want: nil},
		{name: "amount euro", text: "mi mancano 340000 euro", want: nil},
		{name: "year", text: "dal 2019 al 2024 ho lavorato", want: nil},
		{name: "isee", text: "ISEE di 12.345,67 euro", want: nil},
		{name: "range", text: "orari 10-12 e 17-19", want: nil},
		{name: "month year", text: "dal 03/2024 non pago", want: nil},
		{name: "operator", text: "l'operatore 2345 mi ha risposto", want: nil},
	})
}

func TestFindIBAN(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "it spaced", text: "IBAN IT60 X054 2811 1010 0000 0123 456 grazie", want: []Kind{IBAN}, spans: []string{"IT60 X054 2811 1010 0000 0123 456"}},
		{name: "it compact", text: "conto IT60X0542811101000000123456.", want: []Kind{IBAN}},
		{name: "lower", text: "il mio iban è it60x0542811101000000123456", want: []Kind{IBAN}},
		{name: "de", text: "Konto DE89 3704 0044 0532 0130 00 bitte", want: []Kind{IBAN}},
		{name: "gb", text: "my account GB29NWBK60161331926819", want: []Kind{IBAN}},
		{name: "dashes", text: "IT60-X054-2811-1010-0000-0123-456", want: []Kind{IBAN}},
		{name: "bad check with context", text: "IBAN IT61 X054 2811 1010 0000 0123 456", want: []Kind{IBAN}},
		{name: "bad check no context", text: "codice IT61X0542811101000000123456 ordine", want: nil},
		{name: "too short", text: "IT60 X054 2811", want: nil},
		{name: "two in a row", text: "IT60X0542811101000000123456 GB29NWBK60161331926819",
			want: []Kind{IBAN}, spans: []string{"IT60X0542811101000000123456", "GB29NWBK60161331926819"}},
		{name: "after digits", text: "2024: DE89370400440532013000", want: []Kind{IBAN}, spans: []string{"DE89370400440532013000"}},
		{name: "inside a word", text: "XIT60X0542811101000000123456", want: nil},
	})
}

func TestFindTaxCode(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "plain", text: "il mio CF RSSMRA80A01H501U", want: []Kind{TaxCode}, spans: []string{"RSSMRA80A01H501U"}},
		{name: "no context valid", text: "RSSMRA80A01H501U per favore", want: []Kind{TaxCode}},
		{name: "lower spaced", text: "codice rss mra 80a01 h501u", want: []Kind{TaxCode}, spans: []string{"rss mra 80a01 h501u"}},
		{name: "omocodic", text: "eccolo RSSMRA80A01H50MM", want: []Kind{TaxCode}},
		{name: "six and ten", text: "cf RSSMRA 80A01H501U grazie", want: []Kind{TaxCode}, spans: []string{"RSSMRA 80A01H501U"}},
		{name: "dotted groups", text: "cf RSS.MRA.80.A.01.H501.U grazie", want: []Kind{TaxCode}, spans: []string{"RSS.MRA.80.A.01.H501.U"}},
		{name: "dashed groups", text: "cf RSSMRA-80A01-H501U grazie", want: []Kind{TaxCode}, spans: []string{"RSSMRA-80A01-H501U"}},
		{name: "woman", text: "mia madre VRDLNE55M62F205Z", want: nil},
		{name: "bad check with context", text: "codice fiscale RSSMRA80A01H501A", want: []Kind{TaxCode}},
		{name: "bad check no context", text: "RSSMRA80A01H501A", want: nil},
		{name: "day 32", text: "codice RSSMRA80A32H501U", want: nil},
		{name: "inps cf", text: "codice fiscale INPS 80078750587", want: nil},
		{name: "words", text: "questa frase contiene parole lunghissime abbastanza", want: nil},
	})
}

func TestFindVAT(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "p.iva", text: "Studio Rossi P.IVA 01234567897 consulenze", want: []Kind{VAT}},
		{name: "partita iva", text: "la mia partita IVA è 12345678903", want: []Kind{VAT}},
		{name: "it prefix", text: "VAT IT01234567897", want: []Kind{VAT}},
		{name: "it prefix alone", text: "fattura a IT01234567897", want: []Kind{VAT}},
		{name: "no context", text: "codice 01234567897 ordine", want: nil},
		{name: "inps", text: "P.IVA 02121151001", want: nil},
		{name: "wins over phone", text: "P.IVA 03456789017 tel 3471234567", want: []Kind{VAT, Phone}},
	})
}

func TestFindDocument(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "cie", text: "la mia CIE CA12345AB è scaduta", want: []Kind{IDDocument}},
		{name: "cie no context", text: "numero CA12345AB", want: []Kind{IDDocument}},
		{name: "paper id", text: "carta d'identità AX 1234567", want: []Kind{IDDocument}},
		{name: "paper id compact", text: "carta d’identità AX1234567", want: []Kind{IDDocument}},
		{name: "passport", text: "passaporto YA1234567 scaduto", want: []Kind{IDDocument}},
		{name: "patente", text: "patente U1AB23456C", want: []Kind{IDDocument}},
		{name: "patente old", text: "patente di guida MI1234567Z", want: []Kind{IDDocument}},
		{name: "tessera", text: "tessera sanitaria 80380 00001 23456 78901", want: []Kind{IDDocument}},
		{name: "tessera grouped", text: "8038 0000 1234 5678 9012", want: []Kind{IDDocument}},
		{name: "order code", text: "codice ordine AA1234567", want: nil},
		{name: "no context", text: "riferimento AB1234567", want: nil},
	})
}

func TestFindCard(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "visa", text: "carta 4111 1111 1111 1111 bloccata", want: []Kind{PaymentCard}},
		{name: "visa compact", text: "4111111111111111", want: []Kind{PaymentCard}},
		{name: "mc2", text: "mastercard 2221-0000-0000-0009", want: []Kind{PaymentCard}},
		{name: "amex", text: "amex 3782 822463 10005", want: []Kind{PaymentCard}},
		{name: "maestro 19", text: "carta 6759 6498 2643 8453 0", want: []Kind{PaymentCard}},
		{name: "luhn fail", text: "carta 4111 1111 1111 1112", want: nil},
		{name: "masked", text: "carta **** **** **** 1111", want: nil},
		{name: "masked digits", text: "carta XXXX XXXX XXXX 4242", want: nil},
		{name: "expiry", text: "scadenza 09/27 cvv", want: nil},
		{name: "health card", text: "80380000012345678901", want: []Kind{IDDocument}},
	})
}

func TestFindCaseNumber(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "protocol", text: "protocollo INPS.5180.12/03/2024.0123456 grazie", want: []Kind{CaseNumber}, spans: []string{"INPS.5180.12/03/2024.0123456"}},
		{name: "protocol spaced", text: "INPS . 5180 . 12/03/2024 . 0123456", want: []Kind{CaseNumber}},
		{name: "domanda", text: "numero domanda 20240012345", want: []Kind{CaseNumber}},
		{name: "domanda n", text: "domanda n. 12345678 respinta", want: []Kind{CaseNumber}},
		{name: "pratica", text: "pratica numero 98765/2024 ferma", want: []Kind{CaseNumber}},
		{name: "certificato", text: "certificato di pensione n. 12345678", want: []Kind{CaseNumber}},
		{name: "matricola", text: "matricola INPS 1234567890", want: []Kind{CaseNumber}},
		{name: "ricevuta", text: "ricevuta n. 556677", want: []Kind{CaseNumber}},
		{name: "circolare", text: "circolare n. 34 del 2024", want: nil},
		{name: "messaggio", text: "messaggio n. 1234 del 12/03/2024", want: nil},
		{name: "domanda date", text: "domanda del 12/03/2024 ancora ferma", want: nil},
		{name: "intesa", text: "protocollo d'intesa 2024", want: nil},
		{name: "short", text: "domanda n. 12", want: nil},
	})
}

func TestFindAddress(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "via cap", text: "abito in Via Roma 12, 00100 Roma", want: []Kind{Address}, spans: []string{"Via Roma 12, 00100 Roma"}},
		{name: "n bis", text: "via dei Mille n. 5/b", want: []Kind{Address}},
		{name: "corso roman", text: "c.so Vittorio Emanuele II 120", want: []Kind{Address}},
		{name: "piazza", text: "residente in piazza Garibaldi 3", want: []Kind{Address}},
		{name: "lowercase context", text: "abito in via roma 12", want: []Kind{Address}},
		{name: "viale comma", text: "viale Europa, 45 Bari", want: []Kind{Address}},
		{name: "month street", text: "via XX Settembre 8", want: []Kind{Address}},
		{name: "via pec", text: "inviare via PEC 2 volte", want: nil},
		{name: "corso formazione", text: "corso di formazione 2024", want: nil},
		{name: "via lowercase", text: "ho mandato via posta 3 lettere", want: nil},
		{name: "year", text: "via Roma 2024 bella", want: nil},
		{name: "town cap", text: "Abito a Roma 00144, qual è la sede?", want: nil},
		{name: "inps office", text: "sono andato alla sede INPS di via Ciro il Grande 21", want: nil},
		{name: "head office", text: "Via Ciro il Grande 21, 00144 Roma", want: nil},
		{name: "office", text: "la sede di Torino in via Verdi 14 è chiusa?", want: nil},
	})
}

func TestFindBirthDate(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "slash", text: "nata a Napoli il 12/03/1958", want: []Kind{BirthDate}, spans: []string{"12/03/1958"}},
		{name: "words", text: "nato il 5 giugno 1960", want: []Kind{BirthDate}},
		{name: "nascita", text: "data di nascita: 01.02.1975", want: []Kind{BirthDate}},
		{name: "two digit", text: "sono nata il 3/4/61", want: []Kind{BirthDate}},
		{name: "dash", text: "nato il 26-06-1968 a Bari", want: []Kind{BirthDate}},
		{name: "law date", text: "legge 5 febbraio 1992, n. 104", want: nil},
		{name: "application", text: "domanda del 12/03/2024", want: nil},
		{name: "classe", text: "classe 1958", want: nil},
		{name: "year only", text: "nato nel 1961", want: nil},
		{name: "future", text: "nato il 3/4/2099", want: nil},
	})
}

func TestFindClean(t *testing.T) {
	runFindCases(t, []findCase{
		{name: "plain", text: "Buongiorno, quando arriva la NASpI di marzo?", want: nil},
		{name: "amounts", text: "La tredicesima era di 1.180,50 euro, quest'anno 1.200?", want: nil},
		{name: "url", text: "leggi https://www.inps.it/it/it/notizie/dettaglio.news.html?id=3471234567", want: nil},
		{name: "url path", text: "vedi repubblica.it/economia/2025/02/21/news/3471234567", want: nil},
		{name: "decree", text: "Il D.Lgs. 151/2001 prevede il congedo", want: nil},
		{name: "contact", text: "Contact Center 803 164 gratuito da rete fissa o 06 164 164 da cellulare", want: nil},
	})
}

func TestDocumentAndProtocolForms(t *testing.T) {
	d := New()
	tests := []struct {
		name string
		in   string
		want []Kind
	}{
		{name: "licence U1 form named in the sentence before", in: "Vale la patente per lo SPID? La mia è U1X52B31QK, rilasciata nel 2020", want: []Kind{IDDocument}},
		{name: "licence U1 form after carta d'identità", in: "Ho perso la carta d'identità, ho solo la patente: numero U1A11C22BZ", want: []Kind{IDDocument}},
		{name: "U1 form with no document around", in: "Il modello U1A11C22BZ del frigorifero è difettoso", want: nil},
		{name: "DSU protocol", in: "Ho inviato la DSU (protocollo INPS-ISEE-2025-012345678-00) e aspetto", want: []Kind{CaseNumber}},
		{name: "circular number stays public", in: "Lo dice la circolare n. 34 del 2024, protocollo d'intesa compreso", want: nil},
		{name: "protocol introduced further on", in: "Il protocollo della domanda di disoccupazione agricola è 339912045, che faccio?", want: []Kind{CaseNumber}},
		{name: "far number not introduced", in: "La domanda di assegno unico presentata a marzo con ISEE 15000 non va", want: nil},
		{name: "moved next to an office", in: "Il cedolino va ancora all'ufficio postale, ma mi sono trasferito in corso Italia 12, Bari", want: []Kind{Address}},
		{name: "an office address stays public", in: "La sede INPS di zona è in via Roma 30, ci vado domani", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Kinds(d.Find(tc.in))
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Errorf("Find(%q) kinds = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestBuildHitsFindsEveryKeyword: the filters before the keyword lookup
// let every keyword of every list through.
func TestBuildHitsFindsEveryKeyword(t *testing.T) {
	n := 0
	for _, refs := range keyIndex {
		for _, r := range refs {
			st := newState("Ecco: " + strings.ToUpper(r.key[:1]) + r.key[1:] + " e altro")
			st.buildHits()
			found := false
			for _, h := range st.hits[r.list] {
				found = found || h.pos == len("Ecco: ") && strings.HasPrefix(h.key, r.key)
			}
			if !found {
				t.Errorf("keyword %q of list %d not found", r.key, r.list)
			}
			st.release()
			n++
		}
	}
	if n < 50 {
		t.Errorf("only %d keywords", n)
	}
}
