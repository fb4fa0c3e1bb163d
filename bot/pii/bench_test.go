package pii

import "testing"

// benchPosts are invented posts of the kind the bot reads: most carry no
// personal data, some carry one or two data.
var benchPosts = []string{
	"Buongiorno, quando arriva la NASpI di marzo? Sul fascicolo risulta ancora in istruttoria.",
	"Il contact center 803 164 è aperto anche il sabato? Dal cellulare chiamo lo 06 164 164.",
	"La CU 2025 riporta un reddito sbagliato, 3.000 euro in più di quanto ho preso davvero. Come si corregge?",
	"Con ISEE 15.000 e 2 figli quanto arriva di assegno unico al mese?",
	"Legge 104/1992 art. 33 comma 3: vale anche per i part time?",
	"Circolare n. 34 del 2025: cosa cambia per l'assegno di inclusione?",
	"Ho 63 anni e 38 di contributi, posso andare in pensione quest'anno con Quota 103?",
	"Perché la pensione di marzo è più bassa di 35 euro rispetto a febbraio? Sul cedolino c'è una trattenuta conguaglio IRPEF.",
	"Sono nato nel 1961, quando posso andare in pensione di vecchiaia?",
	"Vergogna, 45 minuti di attesa e poi cade la linea. Complimenti davvero.",
	"Il certificato di malattia dal 10 al 14 marzo copre anche il sabato e la domenica?",
	"Leggo su https://www.ilsole24ore.com/art/pensioni-2025-cosa-cambia-AGxyz123 che le minime aumentano, di quanto?",
	"Messaggio n. 3142 del 12/03/2024 sui contributi figurativi: valgono per l'APE sociale?",
	"Grazie mille a tutto lo staff per la risposta veloce!",
	"Bonus asilo nido per i bambini nati dal 2024 è di 3.600 euro anche con ISEE alto?",
	"La sede INPS di via Verdi 14 a Torino fa ancora ricevimento senza appuntamento?",
	"DSU presentata il 15/01/2025, attestazione ISEE ancora non disponibile. Sono 10 giorni che aspetto.",
	"Cassa integrazione dal 01/03/2025 al 31/05/2025: le settimane contano per la NASpI dopo?",
	"Il mio IBAN è IT60 X054 2811 1010 0000 0123 456, quando arriva il rimborso?",
	"Codice fiscale RSSMRA80A01H501U, mi dite a che punto è la domanda n. 20240012345?",
	"Chiamatemi al 347 123 4567 per favore, nessuno risponde da settimane",
	"Scrivetemi a giulia.verdi@gmail.com, la domanda di pensione è ferma",
	"Studio Rossi, P.IVA 01234567897: ISEE e 730 a prezzi imbattibili, tel. 06 4567 8901",
	"Sono nata il 12/03/1958 a Napoli e ho 35 anni di contributi, rientro in Opzione donna?",
	"Mi sono trasferita in Via Roma 12, 00100 Roma: come aggiorno l'indirizzo?",
	"Carta 4111 1111 1111 1111 bloccata, come ricevo la pensione di aprile?",
	"Carta d'identità AX 1234567 scaduta, posso fare lo SPID lo stesso?",
	"Protocollo INPS.5180.12/03/2024.0123456, nessuna risposta da 60 giorni",
	"Tessera sanitaria 80380 00001 23456 78901, il medico dice che il certificato è stato inviato",
	"Vi lascio il mio numero +39 333 765 4321 e la mail mario.rossi chiocciola libero punto it",
}

func BenchmarkFind(b *testing.B) {
	d := New()
	n := 0
	for _, p := range benchPosts {
		n += len(p)
	}
	b.SetBytes(int64(n / len(benchPosts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Find(benchPosts[i%len(benchPosts)])
	}
}

func BenchmarkFindClean(b *testing.B) {
	d := New()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Find(benchPosts[i%18])
	}
}

// TestBenchPosts checks that the benchmark posts are detected as
// intended: the first 18 are clean.
func TestBenchPosts(t *testing.T) {
	d := New()
	for i, p := range benchPosts {
		got := d.Find(p)
		if (i < 18) != (len(got) == 0) {
			t.Errorf("post %d %q: spans %v", i, p, spanTexts(p, got))
		}
	}
}
