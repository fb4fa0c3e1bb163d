package replies

import (
	"errors"
	"strings"
	"testing"

	"github.com/inps-social/inpsbot/bot"
)

func TestCheckRefusals(t *testing.T) {
	c, err := Load(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ok := "Buongiorno, per la NASpI chiami il Contact Center 803 164 da rete fissa."
	tests := []struct {
		name, text, platform, want string
	}{
		{name: "good", text: ok, platform: Telegram, want: ""},
		{name: "private contact", text: ok + " Ci scriva in privato.", platform: Telegram, want: bot.RefusedPhrase},
		{name: "no channel", text: "Buongiorno, guardi sul sito.", platform: Telegram, want: bot.RefusedChannel},
		{name: "empty", text: "  ", platform: Telegram, want: bot.RefusedEmpty},
		{name: "too long for Mastodon", text: ok + strings.Repeat(" Cordiali saluti.", 40), platform: Mastodon, want: bot.RefusedLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Check(tc.text, tc.platform)
			var r *bot.ReplyRefusal
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Check = %v, want nil", err)
			case tc.want != "" && (!errors.As(err, &r) || r.Reason != tc.want):
				t.Errorf("Check = %v, want a refusal for %s", err, tc.want)
			}
		})
	}
}
