package telegram_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/adapters/telegram"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
)

var (
	date    = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	citizen = tgmodels.User{ID: 42, FirstName: "Maria", Username: "maria_r"}
	noname  = tgmodels.User{ID: 43, FirstName: "Luigi"}
	other   = tgmodels.User{ID: 77, IsBot: true, FirstName: "Spam", Username: "spam_bot"}
	me      = tgmodels.User{ID: botID, IsBot: true, FirstName: "INPS test", Username: "inps_test_bot"}
	pubChat = tgmodels.Chat{ID: group, Type: tgmodels.ChatTypeSupergroup, Title: "INPS discussione", Username: "inps_discussione"}
	privGrp = tgmodels.Chat{ID: -100999, Type: tgmodels.ChatTypeSupergroup, Title: "Private"}
	channel = tgmodels.Chat{ID: -100555, Type: tgmodels.ChatTypeChannel, Title: "INPS", Username: "inps_it"}
	dm      = tgmodels.Chat{ID: 42, Type: tgmodels.ChatTypePrivate, FirstName: "Maria"}
)

func msg(id int, chat tgmodels.Chat, from *tgmodels.User, text string) *tgmodels.Message {
	return &tgmodels.Message{ID: id, Chat: chat, From: from, Date: int(date.Unix()), Text: text}
}

// want builds the expected post of a message in chat.
func want(chat tgmodels.Chat, id int, author, handle string, kind bot.PostKind, text string, updateID int64) bot.Post {
	p := bot.Post{
		Platform: "telegram",
		Account:  "inps",
		ID:       strconv.FormatInt(chat.ID, 10) + ":" + strconv.Itoa(id),
		Channel:  strconv.FormatInt(chat.ID, 10),
		Author:   author,
		Handle:   handle,
		Kind:     kind,
		Text:     text,
		Time:     date,
		Cursor:   strconv.FormatInt(updateID+1, 10),
	}
	if chat.Username != "" && chat.Type != tgmodels.ChatTypePrivate {
		p.URL = "https://t.me/" + chat.Username + "/" + strconv.Itoa(id)
	}
	return p
}

func TestReceiveUpdates(t *testing.T) {
	forward := msg(1, pubChat, &tgmodels.User{ID: 777000, FirstName: "Telegram"}, "Nuovo post sul canale")
	forward.SenderChat = &channel
	forward.IsAutomaticForward = true

	tests := []struct {
		name     string
		update   func() tgmodels.Update
		want     []bot.Post
		advanced []string
	}{
		{
			name: "private message is direct",
			update: func() tgmodels.Update {
				return tgmodels.Update{ID: 1, Message: msg(5, dm, &citizen, "Buongiorno, info NASpI?")}
			},
			want: []bot.Post{want(dm, 5, "42", "@maria_r", bot.KindDirect, "Buongiorno, info NASpI?", 1)},
		},
		{
			name: "group message is a comment, handle is the first name without username",
			update: func() tgmodels.Update {
				return tgmodels.Update{ID: 2, Message: msg(6, privGrp, &noname, "quando pagano?")}
			},
			want: []bot.Post{want(privGrp, 6, "43", "Luigi", bot.KindComment, "quando pagano?", 2)},
		},
		{
			name: "mention of the bot by username",
			update: func() tgmodels.Update {
				m := msg(7, pubChat, &citizen, "ciao @INPS_test_bot come va")
				m.Entities = []tgmodels.MessageEntity{{Type: tgmodels.MessageEntityTypeMention, Offset: 5, Length: 14}}
				return tgmodels.Update{ID: 3, Message: m}
			},
			want: []bot.Post{want(pubChat, 7, "42", "@maria_r", bot.KindMention, "ciao @INPS_test_bot come va", 3)},
		},
		{
			name: "mention offsets count UTF-16 units",
			update: func() tgmodels.Update {
				m := msg(8, pubChat, &citizen, "😀 @inps_test_bot")
				m.Entities = []tgmodels.MessageEntity{{Type: tgmodels.MessageEntityTypeMention, Offset: 3, Length: 14}}
				return tgmodels.Update{ID: 4, Message: m}
			},
			want: []bot.Post{want(pubChat, 8, "42", "@maria_r", bot.KindMention, "😀 @inps_test_bot", 4)},
		},
		{
			name: "mention of someone else is a comment",
			update: func() tgmodels.Update {
				m := msg(9, pubChat, &citizen, "@other_bot ciao")
				m.Entities = []tgmodels.MessageEntity{{Type: tgmodels.MessageEntityTypeMention, Offset: 0, Length: 10}}
				return tgmodels.Update{ID: 5, Message: m}
			},
			want: []bot.Post{want(pubChat, 9, "42", "@maria_r", bot.KindComment, "@other_bot ciao", 5)},
		},
		{
			name: "reply to the bot is a mention",
			update: func() tgmodels.Update {
				m := msg(10, pubChat, &citizen, "grazie ma non ho capito")
				m.ReplyToMessage = msg(9, pubChat, &me, "risposta")
				return tgmodels.Update{ID: 6, Message: m}
			},
			want: []bot.Post{func() bot.Post {
				p := want(pubChat, 10, "42", "@maria_r", bot.KindMention, "grazie ma non ho capito", 6)
				p.ReplyTo = "-100123:9"
				return p
			}()},
		},
		{
			name: "edited message is an edit with its own id",
			update: func() tgmodels.Update {
				m := msg(11, pubChat, &citizen, "il mio IBAN è IT60X0542811101000000123456")
				m.EditDate = int(date.Add(time.Minute).Unix())
				return tgmodels.Update{ID: 7, EditedMessage: m}
			},
			want: []bot.Post{func() bot.Post {
				p := want(pubChat, 11, "42", "@maria_r", bot.KindEdit, "il mio IBAN è IT60X0542811101000000123456", 7)
				p.ID += ":" + strconv.FormatInt(date.Add(time.Minute).Unix(), 10)
				return p
			}()},
		},
		{
			name: "photo caption is the text",
			update: func() tgmodels.Update {
				m := msg(12, pubChat, &citizen, "")
				m.Photo = []tgmodels.PhotoSize{{FileID: "f", Width: 10, Height: 10}}
				m.Caption = "ecco la mia busta paga"
				return tgmodels.Update{ID: 8, Message: m}
			},
			want: []bot.Post{want(pubChat, 12, "42", "@maria_r", bot.KindComment, "ecco la mia busta paga", 8)},
		},
		{
			name: "text_link URLs are appended to text and caption",
			update: func() tgmodels.Update {
				m := msg(13, pubChat, &citizen, "")
				m.Document = &tgmodels.Document{FileID: "d"}
				m.Caption = "guardate qui e qui"
				m.CaptionEntities = []tgmodels.MessageEntity{
					{Type: tgmodels.MessageEntityTypeTextLink, Offset: 9, Length: 3, URL: "https://spam.example/caf"},
					{Type: tgmodels.MessageEntityTypeTextLink, Offset: 15, Length: 3, URL: "https://spam.example/caf"},
					{Type: tgmodels.MessageEntityTypeBold, Offset: 0, Length: 8},
				}
				return tgmodels.Update{ID: 9, Message: m}
			},
			want: []bot.Post{want(pubChat, 13, "42", "@maria_r", bot.KindComment, "guardate qui e qui\nhttps://spam.example/caf", 9)},
		},
		{
			name: "comment under a channel post in the discussion group",
			update: func() tgmodels.Update {
				m := msg(14, pubChat, &citizen, "e per la NASpI?")
				m.ReplyToMessage = forward
				m.MessageThreadID = 1
				return tgmodels.Update{ID: 10, Message: m}
			},
			want: []bot.Post{func() bot.Post {
				p := want(pubChat, 14, "42", "@maria_r", bot.KindComment, "e per la NASpI?", 10)
				p.ReplyTo = "-100123:1"
				return p
			}()},
		},
		{
			name:     "automatic forward of the channel post is skipped",
			update:   func() tgmodels.Update { return tgmodels.Update{ID: 11, Message: forward} },
			advanced: []string{"telegram/inps@12"},
		},
		{
			name: "the linked channel commenting its own post is skipped",
			update: func() tgmodels.Update {
				m := msg(15, pubChat, &tgmodels.User{ID: 136817688, IsBot: true, FirstName: "Channel"}, "precisazione")
				m.SenderChat = &channel
				m.ReplyToMessage = forward
				return tgmodels.Update{ID: 12, Message: m}
			},
			advanced: []string{"telegram/inps@13"},
		},
		{
			name: "anonymous admin of the group is skipped",
			update: func() tgmodels.Update {
				m := msg(16, pubChat, &tgmodels.User{ID: 1087968824, IsBot: true, FirstName: "Group"}, "avviso")
				m.SenderChat = &pubChat
				return tgmodels.Update{ID: 13, Message: m}
			},
			advanced: []string{"telegram/inps@14"},
		},
		{
			name: "a citizen writing as their own channel is a post",
			update: func() tgmodels.Update {
				own := tgmodels.Chat{ID: -100777, Type: tgmodels.ChatTypeChannel, Title: "Il blog di Maria"}
				m := msg(17, privGrp, &tgmodels.User{ID: 136817688, IsBot: true, FirstName: "Channel"}, "seguite il mio canale")
				m.SenderChat = &own
				return tgmodels.Update{ID: 14, Message: m}
			},
			want: []bot.Post{want(privGrp, 17, "-100777", "Il blog di Maria", bot.KindComment, "seguite il mio canale", 14)},
		},
		{
			name: "other bots are skipped",
			update: func() tgmodels.Update {
				return tgmodels.Update{ID: 15, Message: msg(18, pubChat, &other, "compra ora")}
			},
			advanced: []string{"telegram/inps@16"},
		},
		{
			name:     "the bot's own messages are skipped",
			update:   func() tgmodels.Update { return tgmodels.Update{ID: 16, Message: msg(19, pubChat, &me, "risposta")} },
			advanced: []string{"telegram/inps@17"},
		},
		{
			name: "service and media messages without text are skipped",
			update: func() tgmodels.Update {
				m := msg(20, pubChat, &citizen, "")
				m.Sticker = &tgmodels.Sticker{FileID: "s"}
				return tgmodels.Update{ID: 17, Message: m}
			},
			advanced: []string{"telegram/inps@18"},
		},
		{
			name:     "channel posts are skipped",
			update:   func() tgmodels.Update { return tgmodels.Update{ID: 18, ChannelPost: msg(21, channel, nil, "post")} },
			advanced: []string{"telegram/inps@19"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			u := tc.update()
			s.Add(u)
			h := &recorder{}
			stop := receive(t, p, "", h)
			wantCursor := strconv.FormatInt(u.ID+1, 10)
			waitFor(t, "cursor "+wantCursor, func() bool { _, _, c := h.snapshot(); return c == wantCursor })
			if err := stop(); err != nil {
				t.Fatalf("Receive: %v", err)
			}
			posts, advanced, _ := h.snapshot()
			if diff := cmp.Diff(tc.want, posts); diff != "" {
				t.Errorf("posts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.advanced, advanced); diff != "" {
				t.Errorf("advanced (-want +got):\n%s", diff)
			}
		})
	}
}

// getUpdatesOffsets lists the offsets the platform asked for.
func getUpdatesOffsets(s *telegramtest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method == "getUpdates" {
			out = append(out, r.Params["offset"])
		}
	}
	return out
}

func TestReceiveResumesAfterCursor(t *testing.T) {
	p, s := newPlatform(t)
	for _, text := range []string{"uno", "due", "tre"} {
		s.AddMessage(group, 42, text) // update ids 1001, 1002, 1003
	}
	h := &recorder{}
	stop := receive(t, p, "1003", h) // 1001 and 1002 were recorded before
	waitFor(t, "cursor 1004", func() bool { _, _, c := h.snapshot(); return c == "1004" })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	posts, _, _ := h.snapshot()
	var got []string
	for _, p := range posts {
		got = append(got, p.Text)
	}
	if diff := cmp.Diff([]string{"tre"}, got); diff != "" {
		t.Errorf("texts handled (-want +got):\n%s", diff)
	}
	if offsets := getUpdatesOffsets(s); len(offsets) == 0 || offsets[0] != "1003" {
		t.Errorf("getUpdates offsets = %v, want first 1003", offsets)
	}
}

func TestReceiveRestartNeitherReplaysNorSkips(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	p := mustPlatform(t, s)
	s.AddMessage(group, 42, "uno")
	s.AddMessage(group, 42, "due")
	h := &recorder{}
	stop := receive(t, p, "", h)
	waitFor(t, "cursor 1003", func() bool { _, _, c := h.snapshot(); return c == "1003" })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	_, _, saved := h.snapshot()

	s.AddMessage(group, 42, "tre") // arrives while the bot is down
	p2 := mustPlatform(t, s)
	stop = receive(t, p2, saved, h)
	waitFor(t, "cursor 1004", func() bool { _, _, c := h.snapshot(); return c == "1004" })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	posts, _, _ := h.snapshot()
	var got []string
	for _, p := range posts {
		got = append(got, p.Text+"@"+p.Cursor)
	}
	if diff := cmp.Diff([]string{"uno@1002", "due@1003", "tre@1004"}, got); diff != "" {
		t.Errorf("posts across the restart (-want +got):\n%s", diff)
	}
}

func TestReceiveHandlerErrorRetriesSameUpdate(t *testing.T) {
	p, s := newPlatform(t)
	s.AddMessage(group, 42, "uno")
	s.AddMessage(group, 42, "due")
	h := &recorder{fail: 3}
	stop := receive(t, p, "", h)
	waitFor(t, "cursor 1003", func() bool { _, _, c := h.snapshot(); return c == "1003" })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	posts, _, _ := h.snapshot()
	var got []string
	for _, p := range posts {
		got = append(got, p.Text)
	}
	if diff := cmp.Diff([]string{"uno", "due"}, got); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	// Until "uno" was recorded, every poll asked again from its update.
	offsets := getUpdatesOffsets(s)
	if len(offsets) < 4 {
		t.Fatalf("getUpdates offsets = %v, want at least 4 polls", offsets)
	}
	for i, o := range offsets[:4] {
		if o != "" && o != "0" {
			t.Errorf("poll %d asked offset %s before the first update was recorded", i, o)
		}
	}
	h.mu.Lock()
	calls := h.calls
	h.mu.Unlock()
	if calls != 5 {
		t.Errorf("handler calls = %d, want 5 (3 failures, 2 posts)", calls)
	}
}

func TestReceiveRetriesAPIFailures(t *testing.T) {
	tests := []struct {
		name    string
		failure telegramtest.Failure
		times   int
		minWait time.Duration
	}{
		{name: "429 waits retry_after", failure: telegramtest.TooManyRequests(1), times: 1, minWait: time.Second},
		{name: "500", failure: telegramtest.InternalError(), times: 3},
		{name: "502 from a proxy", failure: telegramtest.BadGateway(), times: 2},
		{name: "409 while another poller runs", failure: telegramtest.Failure{Code: 409, Description: "Conflict: terminated by other getUpdates request"}, times: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			s.Fail("getUpdates", tc.times, tc.failure)
			s.AddMessage(group, 42, "uno")
			h := &recorder{}
			start := time.Now()
			stop := receive(t, p, "", h)
			waitFor(t, "cursor 1002", func() bool { _, _, c := h.snapshot(); return c == "1002" })
			if err := stop(); err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if got := time.Since(start); got < tc.minWait {
				t.Errorf("received after %s, want at least %s", got, tc.minWait)
			}
			if got, want := s.Calls("getUpdates"), tc.times+1; got < want {
				t.Errorf("getUpdates calls = %d, want at least %d", got, want)
			}
		})
	}
}

func TestReceiveRevokedToken(t *testing.T) {
	p, s := newPlatform(t)
	s.Revoke()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := p.Receive(ctx, "", &recorder{})
	if !errors.Is(err, bot.ErrForbidden) {
		t.Fatalf("Receive with a revoked token = %v, want ErrForbidden", err)
	}
	noSecret(t, err)
}

func TestReceiveBadCursor(t *testing.T) {
	p, _ := newPlatform(t)
	err := p.Receive(t.Context(), "abc", &recorder{})
	if !errors.Is(err, bot.ErrBadRequest) {
		t.Fatalf("Receive(cursor abc) = %v, want ErrBadRequest", err)
	}
}

func TestReceiveStopsWhenContextEnds(t *testing.T) {
	p, s := newPlatform(t, func(c *telegram.Config) { c.PollTimeout = time.Minute })
	h := &recorder{}
	stop := receive(t, p, "", h)
	waitFor(t, "a long poll", func() bool { return s.Calls("getUpdates") > 0 })
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Receive = %v, want nil on cancel", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Receive took %s to stop", d)
	}
}
