package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
)

func stdJSON(t *testing.T, v *Verdict) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		v    Verdict
	}{
		{name: "empty lists", v: Verdict{ID: "a1", PII: []pii.Kind{}, Violations: []rules.Violation{}, Intent: rules.None, Actions: []ActionKind{}}},
		{name: "nil lists", v: Verdict{ID: "a2"}},
		{name: "labels", v: Verdict{ID: "a3", PII: []pii.Kind{pii.IBAN, pii.Phone}, Violations: []rules.Violation{rules.PersonalData},
			Intent: rules.Naspi, Personal: true, Actions: []ActionKind{ActHide, ActReply}, Reply: "Gentile utente, «NASpI» <www.inps.it> & co.",
			Redacted: "Il mio IBAN è [iban]\n\t\"citato\" \\ fine"}},
		{name: "control and separators", v: Verdict{ID: "x\x00\x1f\u2028\u2029", Redacted: "a\u2028b\u2029c\x7f"}},
		{name: "invalid utf-8", v: Verdict{ID: "bad\xff\xfe", Redacted: "ok \xc3"}},
		{name: "emoji and accents", v: Verdict{ID: "é", Redacted: "perché 🙏 𝐦"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.v.AppendJSON(nil)
			if want := stdJSON(t, &tc.v); !bytes.Equal(got, want) {
				t.Errorf("AppendJSON = %s\nencoding/json = %s", got, want)
			}
		})
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("id", "testo <b>&</b> \"x\" \\ \n é 🙏 \u2028")
	// Long runs of plain bytes with one byte to escape at each offset of
	// an eight-byte block, and DEL, which is not escaped.
	for _, c := range []string{"\"", "\\", "\x00", "\x1f", "\x7f", "è", "\u2029", "\xff"} {
		for k := range 9 {
			f.Add("id", strings.Repeat("abcdefgh", 2)[:8+k]+c+"ijklmnopqrstuvwx")
		}
	}
	f.Fuzz(func(t *testing.T, id, redacted string) {
		v := Verdict{ID: id, Redacted: redacted, Reply: redacted, Intent: rules.Complaint}
		got := v.AppendJSON(nil)
		if want := stdJSON(t, &v); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON = %s\nencoding/json = %s", got, want)
		}
	})
}

// TestAppendJSONReplyCache: a reply written before is copied from the
// cache, replies of the same length (one slot) displace each other, and
// concurrent verdicts sharing the slots stay correct.
func TestAppendJSONReplyCache(t *testing.T) {
	base := "Gentile utente, per la NASpI può contattare il Contact Center al numero 803 164 (\"gratuito\")."
	replies := []string{
		base,
		strings.Replace(base, "NASpI", "NASPI", 1), // same length, same slot
		base + " Grazie.",
		base,
		strings.Replace(base, "può", "puo", 1) + "\u2028", // other bytes, escaped
		"breve",
	}
	for i, r := range replies {
		for range 2 {
			v := Verdict{ID: "r", Reply: r, Intent: rules.Naspi}
			if got, want := v.AppendJSON(nil), stdJSON(t, &v); !bytes.Equal(got, want) {
				t.Fatalf("reply %d: AppendJSON = %s\nencoding/json = %s", i, got, want)
			}
		}
	}
	done := make(chan []string)
	for w := range 4 {
		go func() {
			var bad []string
			for i := range 500 {
				r := replies[(i+w)%len(replies)]
				v := Verdict{ID: "r", Reply: r}
				if got := v.AppendJSON(nil); !bytes.Contains(got, appendString(nil, r)) {
					bad = append(bad, string(got))
				}
			}
			done <- bad
		}()
	}
	for range 4 {
		if bad := <-done; len(bad) > 0 {
			t.Errorf("concurrent AppendJSON wrote %d wrong replies, first %s", len(bad), bad[0])
		}
	}
}
