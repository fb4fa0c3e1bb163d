package rules

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/inps-social/inpsbot/bot/text"
)

func loadTestIntents(t testing.TB) *intentRules {
	t.Helper()
	ir, err := loadIntents(os.DirFS("../../configs"), "rules")
	if err != nil {
		t.Fatal(err)
	}
	return ir
}

func classifyText(ir *intentRules, s string, pii []string, viol ...Violation) (Intent, bool, []Evidence) {
	d := text.Display(s)
	return ir.classify(prepare(Input{Display: d, Redacted: d, PII: pii}), viol)
}

func TestIntentsClassify(t *testing.T) {
	ir := loadTestIntents(t)
	tests := []struct {
		name     string
		text     string
		pii      []string
		viol     []Violation
		intent   Intent
		personal bool
	}{
		// naspi
		{name: "naspi/resigned", text: "Mi sono dimessa per giusta causa dopo due stipendi non pagati, spetta la disoccupazione?", intent: Naspi},
		{name: "naspi/dis-coll", text: "La DIS-COLL vale anche per i dottorandi con borsa?", intent: Naspi},
		{name: "naspi/neighbour still employed is cig", text: "L'azienda ci ha messo in cassa integrazione a zero ore per due mesi, come funziona la domanda?", intent: CassaIntegrazione},
		// assegno_unico
		{name: "au/second child", text: "Come aggiungo il terzo figlio alla domanda di assegno unico già accolta?", intent: AssegnoUnico},
		{name: "au/adult child", text: "L'AUU spetta per un figlio di 20 anni che fa il servizio civile?", intent: AssegnoUnico},
		{name: "au/neighbour dsu is isee", text: "Per fare la DSU servono le giacenze medie di tutti i conti?", intent: ISEE},
		// isee
		{name: "isee/corrente", text: "Ho perso il lavoro a febbraio: posso fare l'ISEE corrente subito?", intent: ISEE},
		{name: "isee/difformita", text: "Nella attestazione ISEE c'è una difformità sul conto della posta, cosa significa?", intent: ISEE},
		// adi
		{name: "adi/sfl", text: "Il Supporto Formazione e Lavoro si può chiedere a 55 anni senza figli?", intent: ADI},
		{name: "adi/carta", text: "Dove si ritira la Carta di inclusione dopo l'accoglimento?", intent: ADI},
		{name: "adi/neighbour recharge date is pagamenti", text: "Quando arriva la ricarica dell'ADI questo mese?", intent: Pagamenti},
		// pensione
		{name: "pensione/quota 41", text: "Con 41 anni di contributi e 3 da precoce posso uscire con Quota 41?", intent: Pensione},
		{name: "pensione/reversibilita", text: "La reversibilità spetta al coniuge divorziato che ha l'assegno?", intent: Pensione},
		{name: "pensione/neighbour amount is cedolino", text: "Perché quest'anno il conguaglio IRPEF sul cedolino è così alto?", intent: CedolinoPensione},
		// cedolino
		{name: "cedolino/quattordicesima", text: "Chi ha diritto alla quattordicesima e quanto vale?", intent: CedolinoPensione},
		{name: "cedolino/trattenute", text: "Cosa sono le addizionali regionali trattenute nel cedolino?", intent: CedolinoPensione},
		// certificazione_unica
		{name: "cu/download", text: "Dove scarico la Certificazione Unica della pensione?", intent: CertificazioneUnica},
		{name: "cu/obism", text: "Il modello OBisM si trova ancora nel sito?", intent: CertificazioneUnica},
		// invalidita
		{name: "invalidita/74", text: "Con il 74% di invalidità civile che prestazioni ci sono?", intent: Invalidita},
		{name: "invalidita/104 beats congedo", text: "Congedo per assistere mia madre con la 104: quanti giorni al mese?", intent: Invalidita},
		{name: "invalidita/neighbour sick note is malattia", text: "Il certificato di malattia lo può fare anche il medico di guardia?", intent: Malattia},
		// famiglia
		{name: "famiglia/parentale ore", text: "Il congedo parentale si può prendere a ore?", intent: Famiglia},
		{name: "famiglia/nido", text: "Il bonus asilo nido copre anche il nido privato?", intent: Famiglia},
		{name: "famiglia/child illness", text: "Per la malattia del figlio di 2 anni ci sono giorni retribuiti?", intent: Famiglia},
		// malattia
		{name: "malattia/fasce", text: "Quali sono le fasce di reperibilità per la visita fiscale?", intent: Malattia},
		{name: "malattia/ferie", text: "Se mi ammalo in ferie le ferie si interrompono?", intent: Malattia},
		// accesso_servizi
		{name: "accesso/otp", text: "L'OTP per entrare nell'area riservata non arriva, come faccio?", intent: AccessoServizi},
		{name: "accesso/cie", text: "Posso usare la CIE al posto dello SPID per MyINPS?", intent: AccessoServizi},
		{name: "accesso/cancel spid is not forget_me", text: "Come si cancella lo SPID che non uso più?", intent: AccessoServizi},
		// contributi
		{name: "contributi/riscatto", text: "Quanto costa il riscatto della laurea agevolato per chi ha 35 anni?", intent: Contributi},
		{name: "contributi/volontari", text: "Come si fanno i versamenti volontari dopo la fine del lavoro?", intent: Contributi},
		{name: "contributi/neighbour years needed is pensione", text: "Quanti anni di contributi servono per la pensione di vecchiaia?", intent: Pensione},
		// lavoro_domestico
		{name: "domestico/colf", text: "Entro quando si pagano i contributi della colf del secondo trimestre?", intent: LavoroDomestico},
		{name: "domestico/libretto", text: "Con il Libretto Famiglia posso pagare chi aiuta mio figlio a studiare?", intent: LavoroDomestico},
		{name: "domestico/neighbour dismissed colf is naspi", text: "Sono colf, la famiglia mi ha licenziata: ho diritto alla NASpI?", intent: Naspi},
		// cassa_integrazione
		{name: "cig/fis", text: "Il FIS quante settimane dura per una azienda di 20 dipendenti?", intent: CassaIntegrazione},
		{name: "cig/cigs", text: "La CIGS per riorganizzazione richiede un accordo sindacale?", intent: CassaIntegrazione},
		// pagamenti
		{name: "pagamenti/when", text: "Quando pagano le pensioni di giugno?", intent: Pagamenti},
		{name: "pagamenti/own missing", text: "Non mi hanno pagato la NASpI di marzo", intent: Pagamenti, personal: true},
		{name: "pagamenti/iban change", text: "Ho cambiato banca, come cambio l'IBAN per l'accredito dell'assegno unico?", intent: Pagamenti, personal: true},
		{name: "pagamenti/amount is the benefit", text: "Quanto spetta di assegno unico con ISEE 20.000 e tre figli?", intent: AssegnoUnico},
		// complaint
		{name: "complaint/vergogna", text: "Vergogna, otto mesi di attesa per una risposta!", intent: Complaint},
		{name: "complaint/phone", text: "Numero sempre occupato, nessuno risponde mai. Disservizio totale", intent: Complaint},
		{name: "complaint/question wins", text: "Vergogna, da tre mesi aspetto: ma la NASpI entro quanto si liquida?", intent: Naspi},
		{name: "complaint/threat about service", text: "Se non mi pagate la pensione vengo a prendervi", viol: []Violation{Illegal}, intent: Complaint, personal: true},
		// forget_me
		{name: "forget/comment", text: "Cancellate il mio commento di ieri con il mio nome per favore", intent: ForgetMe, personal: true},
		{name: "forget/oblio", text: "Esercito il diritto all'oblio su tutti i miei post", intent: ForgetMe, personal: true},
		{name: "forget/general", text: "In generale, come si chiede la cancellazione dei propri dati dai vostri social?", intent: ForgetMe},
		{name: "forget/cancel application is the benefit", text: "Come si cancella la domanda di maternità inviata per sbaglio?", intent: Famiglia, personal: true},
		// thanks
		{name: "thanks/grazie", text: "Grazie mille, gentilissimi!", intent: Thanks},
		{name: "thanks/emoji", text: "Tutto sistemato 🙏", intent: Thanks},
		{name: "thanks/sarcasm is complaint", text: "Grazie per niente, come al solito", intent: Complaint},
		// none
		{name: "none/chit-chat", text: "Che caldo oggi a Bari", intent: None},
		{name: "none/other body", text: "Il bollo auto si paga all'INPS?", intent: None},
		{name: "none/ad", text: "Assegno unico respinto? Ti faccio io la domanda, scrivimi in privato", viol: []Violation{Advertising}, intent: None},
		{name: "none/propaganda", text: "Votate per chi vi ha dato la pensione minima, abbasso gli altri", viol: []Violation{Political}, intent: None},
		{name: "none/hate without question", text: "Le pensioni di invalidità le prendono solo loro", viol: []Violation{Hate}, intent: None},
		{name: "none/hostile question keeps topic", text: "Perché la NASpI la date anche a quelli là?", viol: []Violation{Hate}, intent: Naspi},
		{name: "none/argument with user", text: "@paolo_g guarda che l'assegno unico non dipende dal reddito da lavoro", intent: None},
		// personal
		{name: "personal/hypothetical", text: "Se mi licenzio ho diritto alla NASpI?", intent: Naspi},
		{name: "personal/rules in first person", text: "Ho 62 anni e 39 di contributi, posso andare in pensione anticipata?", intent: Pensione},
		{name: "personal/own application", text: "Ho presentato la domanda di assegno unico a gennaio ed è ancora in istruttoria, perché?", intent: AssegnoUnico, personal: true},
		{name: "personal/rejected", text: "Mi hanno respinto l'APE sociale, come faccio ricorso?", intent: Pensione, personal: true},
		{name: "personal/relative", text: "La pensione di mio padre è più bassa da marzo, perché?", intent: CedolinoPensione, personal: true},
		{name: "personal/own pii", text: "Il mio codice fiscale è [codice fiscale], con 35 anni di contributi esco?", pii: []string{"tax_code"}, intent: Pensione, personal: true},
		{name: "personal/calendar", text: "Quando pagano l'ADI a maggio?", intent: Pagamenti},
		{name: "personal/bare mi", text: "Mi spiegate come funziona il riscatto della laurea?", intent: Contributi},
		{name: "personal/third party pii", text: "La badante ha il passaporto [documento] scaduto, posso assumerla lo stesso?", pii: []string{"id_document"}, intent: LavoroDomestico},
		// complaint: grievances with an outburst, sarcasm, English
		{name: "complaint/profanity and a wait", text: "porca puttana, quattro mesi per un appuntamento in sede", viol: []Violation{Profanity}, intent: Complaint},
		{name: "complaint/operator insult with service grievance", text: "L'impiegata della sede è un'incapace, mi ha fatto aspettare due ore e poi ha riattaccato", viol: []Violation{Insult}, intent: Complaint},
		{name: "complaint/vergognatevi", text: "Quattordici mesi per liquidare un TFS, vergognatevi", intent: Complaint},
		{name: "complaint/sarcastic thanks", text: "Grazie eh, tre settimane e nessuna risposta. Tipico", intent: Complaint},
		{name: "complaint/sarcastic organisation", text: "Ho prenotato la richiamata due volte e non mi ha chiamato nessuno. Bella organizzazione", intent: Complaint},
		{name: "complaint/english", text: "Worst service ever, still waiting for an answer after two months", intent: Complaint},
		{name: "complaint/site errors", text: "il portale va in errore ogni volta che carico i documenti", intent: Complaint},
		{name: "complaint/epithet for the institution", text: "Ladri! Mi avete tolto 80 euro dalla pensione senza preavviso", intent: Complaint, personal: true},
		{name: "thanks/praise mentioning staff", text: "Complimenti agli impiegati della sede di Lecco, pratica risolta in mezz'ora. Grazie!", intent: Thanks},
		{name: "none/slur about a queue", text: "la sala d'attesa piena di stranieri, tutti fuori", viol: []Violation{Hate}, intent: None},
		// pagamenti: where a benefit is credited
		{name: "pagamenti/foreign account", text: "Chi vive in Francia può ricevere la pensione su un conto estero?", intent: Pagamenti},
		{name: "pagamenti/lost card", text: "Ho perso la carta di inclusione, come la blocco?", intent: Pagamenti, personal: true},
		{name: "pagamenti/card refused", text: "La carta dell'ADI al supermercato dà transazione negata, perché?", intent: Pagamenti},
		{name: "pagamenti/spend leftover", text: "Il credito residuo sulla vecchia carta del reddito si può ancora spendere?", intent: Pagamenti},
		{name: "pagamenti/a bill is not a payment", text: "Quando arriva l'avviso pagoPA per i contributi della badante?", intent: LavoroDomestico},
		{name: "pagamenti/doctor arrival is malattia", text: "Il medico della visita fiscale quando arriva di solito?", intent: Malattia},
		// other topics
		{name: "accesso/locked out", text: "Dopo tre tentativi sbagliati mi avete bloccato l'accesso, come lo sblocco?", intent: AccessoServizi, personal: true},
		{name: "accesso/english login", text: "the app keeps me logged out, how can I log in?", intent: AccessoServizi},
		{name: "pensione/simulation", text: "Dove trovo la simulazione della pensione futura?", intent: Pensione},
		{name: "ask/not understanding", text: "Ho letto la pagina sull'Opzione donna ma non capisco se vale per le autonome", intent: Pensione},
		// personal: own records, others' data, general erasure
		{name: "personal/missing in own record", text: "Nell'estratto conto mancano due anni di lavoro in fabbrica, come faccio?", intent: Contributi, personal: true},
		{name: "personal/missing in own CU", text: "Nella CU manca la tredicesima, chi la corregge?", intent: CertificazioneUnica, personal: true},
		{name: "personal/general line missing", text: "Mi spiegate cosa manca di solito in una DSU?", intent: ISEE},
		{name: "personal/colf's data", text: "La colf ha codice fiscale [codice fiscale], come la assumo?", pii: []string{"tax_code"}, intent: LavoroDomestico},
		{name: "personal/own data next to colf", text: "Sono il datore, il mio codice fiscale è [codice fiscale]: la colf va assunta con il Libretto?", pii: []string{"tax_code"}, intent: LavoroDomestico, personal: true},
		{name: "personal/general erasure", text: "A chi si chiede la cancellazione dei dati dai vostri social?", intent: ForgetMe},
		{name: "forget/remove it", text: "Ho pubblicato per errore il mio IBAN nel commento, potete rimuoverlo?", intent: ForgetMe, personal: true},
		{name: "personal/phishing mail is not own record", text: "Mi è arrivata una mail che chiede di accedere all'area riservata, è vera?", intent: AccessoServizi},
		// personal: possessive + record noun, with a word in between
		{name: "personal/own record with adjective", text: "Il mio ultimo cedolino è più leggero di 40 euro, perché?", intent: CedolinoPensione, personal: true},
		{name: "personal/own request", text: "La mia richiesta di NASpI è ferma da un mese, a chi scrivo?", intent: Naspi, personal: true},
		{name: "personal/possessive without record", text: "Il mio medico può mandare il certificato di malattia anche di sabato?", intent: Malattia},
		// personal: a relative's record, a relative as the subject of a case event
		{name: "personal/relative's record with qualifier", text: "La pensione di reversibilità di mia nonna non è stata pagata, cosa facciamo?", intent: Pensione, personal: true},
		{name: "personal/relative filed", text: "Mio marito ha inoltrato la domanda di invalidità a novembre, quando lo chiamano a visita?", intent: Invalidita, personal: true},
		{name: "personal/relative did not receive", text: "Mia moglie non ha ricevuto l'assegno unico di marzo, come mai?", intent: AssegnoUnico, personal: true},
		{name: "personal/relative in an eligibility question", text: "L'assegno unico: mio figlio compie 21 anni a maggio, spetta ancora?", intent: AssegnoUnico},
		// personal: first-person filing, with negation
		{name: "personal/filed with record", text: "Ho inoltrato la domanda di congedo parentale tre settimane fa e non so nulla, è normale?", intent: Famiglia, personal: true},
		{name: "personal/not yet filed", text: "Non ho ancora presentato la DSU, posso farla dopo maggio?", intent: ISEE},
		{name: "personal/filed something else", text: "Ho aggiornato il telefono e l'app INPS non si apre più, come faccio?", intent: AccessoServizi},
		// personal: what was done to the case, its status, missing payments
		{name: "personal/suspended to me", text: "Mi è stato sospeso l'assegno di inclusione senza motivo, come lo riattivo?", intent: ADI, personal: true},
		{name: "personal/record blocked", text: "La domanda di maternità è bloccata da due mesi, chi la sblocca?", intent: Famiglia, personal: true},
		{name: "personal/withheld present tense", text: "Me li tolgono ogni mese dalla pensione, 30 euro per un conguaglio: perché?", intent: CedolinoPensione, personal: true},
		{name: "personal/not arrived with adverb", text: "Non mi è ancora arrivata la tredicesima, la pagate a parte?", intent: CedolinoPensione, personal: true},
		{name: "personal/hypothetical rejection", text: "Nel caso in cui la domanda di NASpI venga respinta, entro quanto si fa ricorso?", intent: Naspi},
		{name: "personal/entitlement question", text: "Se l'azienda mi mette in cassa integrazione mi spetta lo stesso la malattia o me la tolgono?", intent: CassaIntegrazione},
		// personal: waiting on one's own case, for how long
		{name: "personal/waiting for months", text: "Sono cinque mesi che aspetto la visita per l'invalidità, è normale?", intent: Invalidita, personal: true},
		{name: "personal/waiting minutes is not a case", text: "Il codice OTP arriva dopo quanto? Aspetto da 5 minuti", intent: AccessoServizi},
		{name: "personal/in a status since", text: "Sono in cassa integrazione da febbraio, quando arriva il pagamento diretto?", intent: Pagamenti, personal: true},
		// personal: gaps in one's own record, amounts
		{name: "personal/missing in record with past", text: "Nell'estratto conto non risultano i contributi di quando lavoravo in Germania, come faccio?", intent: Contributi, personal: true},
		{name: "personal/lower amount", text: "Perché la NASpI di aprile è più bassa di 90 euro rispetto a marzo?", intent: Naspi, personal: true},
		{name: "personal/what goes into the record", text: "L'auto cointestata va nella DSU o no?", intent: ISEE},
		// personal: phishing and third-party addresses
		{name: "personal/phishing sms", text: "Mi è arrivato un sms che dice di aggiornare i dati della NASpI con un link, è vero?", intent: Naspi},
		{name: "personal/colf's address", text: "Il contratto della colf va spedito a casa sua in [indirizzo] o lo scarica lei?", pii: []string{"address"}, intent: LavoroDomestico},
		{name: "personal/ad pii", text: "Dubbi sulla pensione? Chiama il nostro studio al [telefono]", pii: []string{"phone"}, viol: []Violation{Advertising}, intent: None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, personal, ev := classifyText(ir, tt.text, tt.pii, tt.viol...)
			if got != tt.intent || personal != tt.personal {
				t.Errorf("classify(%q) = %s, personal %v; want %s, personal %v\nevidence: %+v",
					tt.text, got, personal, tt.intent, tt.personal, ev)
			}
			if len(ev) == 0 || ev[0].Label != string(got) {
				t.Errorf("first evidence %+v does not name the intent %s", ev, got)
			}
		})
	}
}

// TestClassesAndGaps checks the matching of "$class" tokens and "~N" gaps.
func TestClassesAndGaps(t *testing.T) {
	yml := "skip: [la, il]\nthresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\n" +
		"classes:\n  own: [mio, mia]\n  record: [domanda, pratic*]\n" +
		"scores:\n  personal:\n    $own ~1 $record: 2\n    non ~2 arrivat*: 3\n"
	ir, err := loadIntents(fstest.MapFS{"rules/intents.yaml": {Data: []byte(yml)}}, "rules")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want float64
	}{
		{"la mia domanda", 2},
		{"la mia ultima domanda", 2},
		{"il mio fascicolo e la mia pratica", 2}, // an entry counts once
		{"mia prima vera domanda", 0},            // two words in between
		{"domanda mia", 0},                       // order matters
		{"non è arrivata", 3},
		{"non è ancora arrivato", 3},
		{"non lo so se è mai arrivato", 0},
		{"arrivata non", 0},
	}
	for _, tt := range tests {
		if got := personalScore(ir, tt.text); got != tt.want {
			t.Errorf("%q: personal score %v, want %v", tt.text, got, tt.want)
		}
	}
}

// personalScore sums the personal weights of the entries matched in s.
func personalScore(ir *intentRules, s string) float64 {
	d := text.Display(s)
	p := prepare(Input{Display: d, Redacted: d})
	var kept []string
	var cands []cand
	for _, tok := range appendTokens(nil, p.fold) {
		var skip bool
		cands, skip = ir.lookup(tok, int32(len(kept)), cands)
		if !skip {
			kept = append(kept, tok)
		}
	}
	seen := map[int32]bool{}
	var sum float64
	for _, c := range cands {
		e := &ir.entries[c.id]
		if seen[c.id] || e.slot != slotPersonal || int(c.pos)+len(e.toks) > len(kept) {
			continue
		}
		if matchRest(e.toks[1:], kept, int(c.pos)+1) {
			seen[c.id] = true
			sum += e.weight
		}
	}
	return sum
}

func TestAppendTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "words and apostrophes", in: "l'isee del 2025", want: "l isee del 2025"},
		{name: "question marks", in: "quando??? ok?", want: "quando ? ok ?"},
		{name: "mentions", in: "@inps_it@mastodon.uno ciao @mario_r", want: "@inps ciao @user"},
		{name: "email is no mention", in: "scrivi a mario@example.it", want: "scrivi a mario example it"},
		{name: "url skipped", in: "vedi https://example.com/naspi-2025 qui", want: "vedi <url> qui"},
		{name: "mask skipped", in: "il mio [iban] è questo", want: "il mio è questo"},
		{name: "emoji", in: "grazie🙏", want: "grazie 🙏"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(appendTokens(nil, tt.in), " ")
			if got != tt.want {
				t.Errorf("appendTokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLoadIntentsErrors(t *testing.T) {
	valid, err := os.ReadFile("../../configs/rules/intents.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml string
		want string // substring of the error
	}{
		{name: "unknown intent", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1}\nscores:\n  naspi:\n    naspi: 3\n  pensioni:\n    quota 103: 3\n",
			want: "intents.yaml:5: unknown intent or score \"pensioni\""},
		{name: "bad weight", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1}\nscores:\n  naspi:\n    naspi: tre\n",
			want: "intents.yaml:4:"},
		{name: "zero weight", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1}\nscores:\n  naspi:\n    naspi: 0\n",
			want: "intents.yaml:4:"},
		{name: "unknown key", yaml: "thresholds: {topic: 1}\nweights: {}\n",
			want: "line 2"},
		{name: "bad threshold", yaml: "thresholds: {topic: -1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1}\nscores:\n  naspi:\n    naspi: 3\n",
			want: "intents.yaml:1: threshold topic"},
		{name: "unknown violation", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1}\nviolations:\n  spam: {force_none: true}\nscores:\n  naspi:\n    naspi: 3\n",
			want: "intents.yaml:3: unknown violation \"spam\""},
		{name: "short prefix", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1}\nscores:\n  naspi:\n    li*: 3\n",
			want: "intents.yaml:4:"},
		{name: "unknown class", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\nclasses:\n  own: [mio]\nscores:\n  personal:\n    $mine domanda: 2\n",
			want: "intents.yaml:6: personal: \"$mine domanda\": unknown class \"$mine\""},
		{name: "class member not one token", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\nclasses:\n  own: [mio padre]\nscores:\n  naspi:\n    naspi: 3\n",
			want: "class own: \"mio padre\" is not one token"},
		{name: "class member skip word", yaml: "skip: [la]\nthresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\nclasses:\n  own: [la]\nscores:\n  naspi:\n    naspi: 3\n",
			want: "class own: \"la\" is a skip word"},
		{name: "gap too wide", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\nscores:\n  personal:\n    mia ~9 domanda: 2\n",
			want: "intents.yaml:4: personal: \"mia ~9 domanda\": gap \"~9\" must be ~1 to ~6"},
		{name: "gap at the start", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\nscores:\n  personal:\n    ~2 domanda: 2\n",
			want: "a gap cannot start a phrase"},
		{name: "gap at the end", yaml: "thresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\nscores:\n  personal:\n    domanda ~2: 2\n",
			want: "a gap cannot end a phrase"},
		{name: "phrase equal once skip words drop", yaml: "skip: [lo]\nthresholds: {topic: 1, complaint: 1, hostile_complaint: 1, thanks: 1, forget_me: 1, ask: 1, personal: 1, others_data: 1, thanks_margin: 1}\nscores:\n  pagamenti:\n    pagano: 2\n    lo pagano: 1\n",
			want: "intents.yaml:6: pagamenti: \"lo pagano\" matches the same tokens as the entry on line 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"rules/intents.yaml": {Data: []byte(tt.yaml)}}
			_, err := loadIntents(fsys, "rules")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadIntents error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("shipped file loads", func(t *testing.T) {
		fsys := fstest.MapFS{"rules/intents.yaml": {Data: valid}}
		if _, err := loadIntents(fsys, "rules"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestIntentsKeywordIsData checks that the vocabulary lives in the YAML:
// adding one entry to a copy of the rules changes the verdict.
func TestIntentsKeywordIsData(t *testing.T) {
	orig, err := os.ReadFile("../../configs/rules/intents.yaml")
	if err != nil {
		t.Fatal(err)
	}
	post := "Come funziona il bonus zanzariere?"
	ir := loadTestIntents(t)
	if got, _, _ := classifyText(ir, post, nil); got != None {
		t.Fatalf("before: got %s, want none", got)
	}
	edited := strings.Replace(string(orig), "  famiglia:\n", "  famiglia:\n    bonus zanzariere: 5\n", 1)
	if edited == string(orig) {
		t.Fatal("famiglia section not found")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/rules", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/rules/intents.yaml", []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	ir2, err := loadIntents(os.DirFS(dir), "rules")
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := classifyText(ir2, post, nil); got != Famiglia {
		t.Fatalf("after: got %s, want famiglia", got)
	}
}

var benchPosts = []string{
	"Buongiorno, ho fatto domanda di NASpI il 13 gennaio e risulta ancora in istruttoria. È normale dopo più di un mese?",
	"@inps_it Quando pagano l'assegno unico a marzo?",
	"Vergogna, otto mesi per una pensione! Nessuno risponde mai al telefono e il sito non funziona",
	"Con il 74% di invalidità civile cosa spetta? Lavoro part time e ho la 104 per mia madre",
	"Grazie mille, risolto! 🙏",
	"Cancellate il mio commento di ieri dove avevo scritto il mio [iban], grazie",
	"Il contact center 803 164 è aperto anche il sabato pomeriggio?",
	"<p><span class=\"h-card\"><a href=\"https://mastodon.uno/@inps_it\" class=\"u-url mention\">@<span>inps_it</span></a></span> Riscatto della laurea agevolato: conviene se ho 45 anni? Quanto costa ogni anno di studi?</p>",
}

func BenchmarkClassify(b *testing.B) {
	ir := loadTestIntents(b)
	posts := make([]*post, len(benchPosts))
	for i, s := range benchPosts {
		d := text.Display(s)
		posts[i] = prepare(Input{Display: d, Redacted: d})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ir.classify(posts[i%len(posts)], nil)
	}
}
