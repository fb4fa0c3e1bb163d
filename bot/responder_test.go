package bot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

// TestDecideAllMatchesDecide: deciding a batch gives the verdicts of
// deciding its posts one after the other, repeats by the same author
// inside the batch included.
func TestDecideAllMatchesDecide(t *testing.T) {
	r := newResponder(t)
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	texts := []string{
		"Quando arriva la NASpI di marzo? Sono in attesa da settimane, grazie",
		"Il mio IBAN è IT60 X054 2811 1010 0000 0123 456, potete controllare?",
		"SIETE DEI LADRI, VERGOGNA!!!",
		"Quando arriva la NASpI di marzo? Sono in attesa da settimane, grazie",
		"",
		"<p>Buongiorno <a href=\"https://mastodon.uno/@inps\">@inps</a>, l&#39;assegno unico?</p>",
		"Chiamatemi al 347 123 4567 per la pensione",
		"grazie mille, tutto risolto",
		"Quando arriva la NASpI di marzo? Sono in attesa da settimane, grazie!!",
		"perché è così difficile accedere con lo SPID? c'è un problema?",
	}
	var posts []bot.Post
	for i := range 3 * len(texts) {
		posts = append(posts, bot.Post{
			ID: fmt.Sprint("p", i), Platform: []string{"telegram", "mastodon"}[i%2],
			Author: fmt.Sprint("a", i%4), Handle: "utente", Text: texts[i%len(texts)],
			Time: t0.Add(time.Duration(i) * time.Minute),
		})
	}
	rc := r.Rules().Repeats()
	one := bot.NewHistory(rc)
	var want []*bot.Verdict
	for _, p := range posts {
		v := r.Decide(p, one.Earlier(p))
		one.Add(p, v.Fingerprint)
		want = append(want, v)
	}
	for _, size := range []int{1, 7, len(posts)} {
		all := bot.NewHistory(rc)
		var got []*bot.Verdict
		for i := 0; i < len(posts); i += size {
			batch := posts[i:min(i+size, len(posts))]
			got = append(got, r.DecideAll(batch, all.Earlier, func(p bot.Post, v *bot.Verdict) { all.Add(p, v.Fingerprint) })...)
		}
		opts := cmp.Options{cmpopts.IgnoreFields(bot.Verdict{}, "Fingerprint"), cmpopts.EquateEmpty()}
		for i := range posts {
			if diff := cmp.Diff(want[i], got[i], opts); diff != "" {
				t.Errorf("batches of %d, post %d (-Decide +DecideAll):\n%s", size, i, diff)
			}
			if w, g := want[i].Fingerprint.Settled(), got[i].Fingerprint.Settled(); w.Exact != g.Exact || w.Tokens != g.Tokens ||
				!cmp.Equal(w.Shingles, g.Shingles) {
				t.Errorf("batches of %d, post %d: fingerprints differ", size, i)
			}
		}
	}
	repeated := 0
	for _, v := range want {
		for _, x := range v.Violations {
			if x == rules.Repeated {
				repeated++
			}
		}
	}
	if repeated == 0 {
		t.Error("no post of the sample repeats an earlier one: the test does not cover repeats")
	}
}
