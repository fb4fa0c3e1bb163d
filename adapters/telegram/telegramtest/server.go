// Package telegramtest fakes the Telegram Bot API on an httptest server,
// for tests of the telegram adapter and of the whole bot.
//
// The Server answers the real paths (/bot<token>/<method>) for getMe,
// getUpdates (offsets, limit, long polling), sendMessage (with inline
// keyboards), deleteMessage, answerCallbackQuery, setWebhook, deleteWebhook
// and getWebhookInfo, in the Bot API's JSON envelope. Parameters are read from multipart forms, URL-encoded forms,
// JSON bodies and the query string, as the real server does. Tests push
// updates and taps on inline buttons, script failures and read back what
// the bot sent, deleted and answered.
// A Server is safe for concurrent use.
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	tgmodels "github.com/go-telegram/bot/models"
)

// Failure is a scripted answer replacing a method's normal one.
type Failure struct {
	Code        int    // HTTP status and error_code
	Description string // Telegram's description
	RetryAfter  int    // parameters.retry_after, seconds
	Body        string // a raw body instead of the JSON envelope (a proxy's page)
	Hang        bool   // answer nothing until the request's context ends
}

// TooManyRequests is a 429 asking to wait retryAfter seconds.
func TooManyRequests(retryAfter int) Failure {
	return Failure{Code: http.StatusTooManyRequests, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

// BadRequest is a 400 with Telegram's description, such as
// "Bad Request: message to delete not found".
func BadRequest(description string) Failure {
	return Failure{Code: http.StatusBadRequest, Description: description}
}

// Forbidden is a 403 with Telegram's description, such as
// "Forbidden: bot was kicked from the supergroup chat".
func Forbidden(description string) Failure {
	return Failure{Code: http.StatusForbidden, Description: description}
}

// Unauthorized is the 401 of a revoked token.
func Unauthorized() Failure {
	return Failure{Code: http.StatusUnauthorized, Description: "Unauthorized"}
}

// InternalError is a 500 in the Bot API's envelope.
func InternalError() Failure {
	return Failure{Code: http.StatusInternalServerError, Description: "Internal Server Error"}
}

// BadGateway is a 502 with an HTML page, as a proxy in front answers.
func BadGateway() Failure {
	return Failure{Code: http.StatusBadGateway, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>"}
}

// Hang answers nothing until the client gives up.
func Hang() Failure {
	return Failure{Hang: true}
}

// Request is one API call as the server received it.
type Request struct {
	Method string            // API method, as in the path
	Params map[string]string // parameters; objects and arrays as JSON text
	Time   time.Time         // when it arrived, by the wall clock (not SetNow's)
}

// SentMessage is a message the bot sent with sendMessage.
type SentMessage struct {
	ID                       int
	ChatID                   int64
	Text                     string
	ParseMode                string
	ReplyTo                  int  // reply_parameters.message_id, 0 if none
	AllowSendingWithoutReply bool // reply_parameters.allow_sending_without_reply
	Entities                 []tgmodels.MessageEntity

	// ReplyMarkup is the reply_markup parameter as the bot sent it (JSON
	// text), "" when none; Keyboard is its inline keyboard, decoded.
	ReplyMarkup string
	Keyboard    [][]tgmodels.InlineKeyboardButton
}

// CallbackAnswer is a callback query the bot answered with
// answerCallbackQuery.
type CallbackAnswer struct {
	ID        string // callback_query_id
	Text      string // notification shown to the user, "" if none
	ShowAlert bool
}

// Deletion is a message the bot deleted.
type Deletion struct {
	ChatID    int64
	MessageID int
}

// WebhookInfo is the webhook the bot registered.
type WebhookInfo struct {
	URL            string
	Secret         string
	AllowedUpdates []string
	MaxConnections int
}

type msgKey struct {
	chat int64
	id   int
}

// Server is a fake Bot API. The zero value is not usable: call NewServer.
type Server struct {
	srv   *httptest.Server
	token string
	done  chan struct{}
	once  sync.Once

	mu        sync.Mutex
	wake      chan struct{} // closed and replaced when an update arrives
	me        tgmodels.User
	revoked   bool
	now       func() time.Time
	updates   []tgmodels.Update // not yet confirmed
	lastID    int64
	confirmed int64 // updates below this id are forgotten
	messages  map[msgKey]tgmodels.Message
	nextMsg   map[int64]int
	chats     map[int64]tgmodels.Chat
	users     map[int64]tgmodels.User
	failures  map[string][]*Failure // nil entries: answer normally
	requests  []Request
	sent      []SentMessage
	deleted   []Deletion
	webhook   *WebhookInfo
	lastCB    int64
	callbacks map[string]bool // callback query id → answered
	answered  []CallbackAnswer
}

// NewServer starts a fake Bot API for token ("<bot id>:<secret>"). The bot
// is the user with the token's id, username "inps_test_bot". The server is
// closed when the test ends.
func NewServer(tb testing.TB, token string) *Server {
	tb.Helper()
	id, _, _ := strings.Cut(token, ":")
	botID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		tb.Fatal("telegramtest: the token does not start with a bot id")
	}
	s := &Server{
		token:     token,
		done:      make(chan struct{}),
		wake:      make(chan struct{}),
		me:        tgmodels.User{ID: botID, IsBot: true, FirstName: "INPS test", Username: "inps_test_bot"},
		now:       time.Now,
		lastID:    1000,
		messages:  make(map[msgKey]tgmodels.Message),
		nextMsg:   make(map[int64]int),
		chats:     make(map[int64]tgmodels.Chat),
		users:     make(map[int64]tgmodels.User),
		failures:  make(map[string][]*Failure),
		callbacks: make(map[string]bool),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// URL is the server's base URL, for the adapter's APIURL.
func (s *Server) URL() string { return s.srv.URL }

// Me is the bot's user.
func (s *Server) Me() tgmodels.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.me
}

// Close stops the server, first releasing long polls and hung requests.
// Calls after the first do nothing; requests then fail to connect.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Revoke makes every later request answer 401, as after the token was
// revoked in BotFather.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// SetNow sets the server's clock (message dates, the 48-hour delete window).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddChat registers a chat (its type, title, public username). Chats not
// registered are private for positive ids and supergroups otherwise.
func (s *Server) AddChat(c tgmodels.Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[c.ID] = c
}

// AddUser registers a user. Users not registered are people named
// "User<id>" without a username.
func (s *Server) AddUser(u tgmodels.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// NewMessage builds a message from userID in chatID with the next message
// id of the chat, dated now, without sending it: change it and pass it to
// Add. The message exists for deleteMessage and replies from now on.
func (s *Server) NewMessage(chatID, userID int64, text string) tgmodels.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := s.userLocked(userID)
	m := tgmodels.Message{
		ID:   s.nextMsgLocked(chatID),
		From: &from,
		Date: int(s.now().Unix()),
		Chat: s.chatLocked(chatID),
		Text: text,
	}
	s.messages[msgKey{chatID, m.ID}] = m
	return m
}

// AddMessage sends a new text message from userID in chatID to the bot and
// returns it.
func (s *Server) AddMessage(chatID, userID int64, text string) tgmodels.Message {
	m := s.NewMessage(chatID, userID, text)
	s.Add(tgmodels.Update{Message: &m})
	return m
}

// Edit sends the bot an edited_message update giving m the new text, and
// returns the edited message.
func (s *Server) Edit(m tgmodels.Message, text string) tgmodels.Message {
	s.mu.Lock()
	m.Text = text
	m.EditDate = int(s.now().Unix())
	s.mu.Unlock()
	s.Add(tgmodels.Update{EditedMessage: &m})
	return m
}

// Add queues an update for getUpdates and returns its update_id, giving
// it the next id when its ID is zero. A message in it with a zero id gets
// the chat's next one, and a zero date gets now.
func (s *Server) Add(u tgmodels.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range []*tgmodels.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m == nil {
			continue
		}
		if m.ID == 0 {
			m.ID = s.nextMsgLocked(m.Chat.ID)
		}
		if m.Date == 0 {
			m.Date = int(s.now().Unix())
		}
		if _, ok := s.messages[msgKey{m.Chat.ID, m.ID}]; !ok || u.EditedMessage == m {
			s.messages[msgKey{m.Chat.ID, m.ID}] = *m
		}
	}
	if u.ID == 0 {
		u.ID = s.lastID + 1
	}
	if u.ID > s.lastID {
		s.lastID = u.ID
	}
	s.updates = append(s.updates, u)
	close(s.wake)
	s.wake = make(chan struct{})
	return u.ID
}

// AddCallback sends the bot a callback_query update: userID tapped the
// inline button with callback data data, under the last message the bot
// sent to chatID (a new message of the bot when it sent none there). It
// returns the callback query; its ID is what answerCallbackQuery takes.
func (s *Server) AddCallback(chatID, userID int64, data string) tgmodels.CallbackQuery {
	s.mu.Lock()
	var m tgmodels.Message
	found := false
	for i := len(s.sent) - 1; i >= 0; i-- {
		if s.sent[i].ChatID != chatID {
			continue
		}
		m, found = s.messages[msgKey{chatID, s.sent[i].ID}]
		if found {
			break
		}
	}
	if !found {
		me := s.me
		m = tgmodels.Message{ID: s.nextMsgLocked(chatID), From: &me, Date: int(s.now().Unix()), Chat: s.chatLocked(chatID), Text: "…"}
		s.messages[msgKey{chatID, m.ID}] = m
	}
	s.lastCB++
	cq := tgmodels.CallbackQuery{
		ID:           strconv.FormatInt(4000000000000000000+s.lastCB, 10),
		From:         s.userLocked(userID),
		Message:      tgmodels.MaybeInaccessibleMessage{Type: tgmodels.MaybeInaccessibleMessageTypeMessage, Message: &m},
		ChatInstance: strconv.FormatInt(-chatID, 10),
		Data:         data,
	}
	s.callbacks[cq.ID] = false
	s.mu.Unlock()
	s.Add(tgmodels.Update{CallbackQuery: &cq})
	return cq
}

// Answered returns the callback queries the bot answered, oldest first.
func (s *Server) Answered() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answered...)
}

// Fail makes the next times calls of method (as in the path, such as
// "deleteMessage") answer f instead.
func (s *Server) Fail(method string, times int, f Failure) {
	s.FailAfter(method, 0, times, f)
}

// FailAfter lets the next after calls of method through, then makes times
// calls answer f. Scripts of one method queue up in the order given.
func (s *Server) FailAfter(method string, after, times int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range after {
		s.failures[method] = append(s.failures[method], nil)
	}
	for range times {
		s.failures[method] = append(s.failures[method], &f)
	}
}

// Requests returns every call received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls counts the calls of method.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method {
			n++
		}
	}
	return n
}

// Sent returns the messages the bot sent, oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// Deleted returns the messages the bot deleted, oldest first.
func (s *Server) Deleted() []Deletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Deletion(nil), s.deleted...)
}

// Pending counts the updates not yet confirmed by a getUpdates offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, u := range s.updates {
		if u.ID >= s.confirmed {
			n++
		}
	}
	return n
}

// Webhook returns the registered webhook, if any.
func (s *Server) Webhook() (WebhookInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		return WebhookInfo{}, false
	}
	return *s.webhook, true
}

// Deliver posts u as Telegram does to the registered webhook, carrying
// the registered secret. target is where the request goes: the webhook's
// URL, or the local address a proxy would forward it to ("" for the URL).
// It returns the HTTP status of the answer.
func (s *Server) Deliver(ctx context.Context, target string, u tgmodels.Update) (int, error) {
	wh, ok := s.Webhook()
	if !ok {
		return 0, fmt.Errorf("telegramtest: no webhook set")
	}
	if target == "" {
		target = wh.URL
	}
	body, err := json.Marshal(u)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.Secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.Secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Server) nextMsgLocked(chat int64) int {
	s.nextMsg[chat]++
	return s.nextMsg[chat]
}

func (s *Server) chatLocked(id int64) tgmodels.Chat {
	if c, ok := s.chats[id]; ok {
		return c
	}
	if id > 0 {
		u := s.userLocked(id)
		return tgmodels.Chat{ID: id, Type: tgmodels.ChatTypePrivate, FirstName: u.FirstName, Username: u.Username}
	}
	return tgmodels.Chat{ID: id, Type: tgmodels.ChatTypeSupergroup, Title: fmt.Sprintf("Group %d", id)}
}

func (s *Server) userLocked(id int64) tgmodels.User {
	if u, ok := s.users[id]; ok {
		return u
	}
	if id == s.me.ID {
		return s.me
	}
	return tgmodels.User{ID: id, FirstName: fmt.Sprintf("User%d", id)}
}

var pathRE = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, Failure{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	token, method := m[1], m[2]
	params, err := readParams(r)
	if err != nil {
		writeError(w, BadRequest("Bad Request: "+err.Error()))
		return
	}

	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: method, Params: params, Time: time.Now()})
	if token != s.token || s.revoked {
		s.mu.Unlock()
		writeError(w, Unauthorized())
		return
	}
	var fail *Failure
	if q := s.failures[method]; len(q) > 0 {
		fail = q[0]
		s.failures[method] = q[1:]
	}
	s.mu.Unlock()

	if fail != nil {
		if fail.Hang {
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		}
		writeError(w, *fail)
		return
	}

	var result any
	var f *Failure
	switch strings.ToLower(method) {
	case "getme":
		result = s.Me()
	case "getupdates":
		result, f = s.getUpdates(r.Context(), params)
	case "sendmessage":
		result, f = s.sendMessage(params)
	case "deletemessage":
		result, f = s.deleteMessage(params)
	case "answercallbackquery":
		result, f = s.answerCallbackQuery(params)
	case "setwebhook":
		result, f = s.setWebhook(params)
	case "deletewebhook":
		s.mu.Lock()
		s.webhook = nil
		if params["drop_pending_updates"] == "true" {
			s.updates = nil
		}
		s.mu.Unlock()
		result = true
	case "getwebhookinfo":
		wh, _ := s.Webhook()
		result = map[string]any{"url": wh.URL, "pending_update_count": s.Pending()}
	default:
		f = &Failure{Code: http.StatusNotFound, Description: "Not Found: method not found"}
	}
	if f != nil {
		writeError(w, *f)
		return
	}
	writeResult(w, result)
}

func (s *Server) getUpdates(ctx context.Context, params map[string]string) (any, *Failure) {
	offset, _ := strconv.ParseInt(params["offset"], 10, 64)
	limit, _ := strconv.Atoi(params["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(params["timeout"])
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if s.webhook != nil {
			s.mu.Unlock()
			return nil, &Failure{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
		}
		if offset > s.confirmed {
			s.confirmed = offset
			kept := s.updates[:0]
			for _, u := range s.updates {
				if u.ID >= offset {
					kept = append(kept, u)
				}
			}
			s.updates = kept
		}
		var out []tgmodels.Update
		for _, u := range s.updates {
			if u.ID >= offset && len(out) < limit {
				out = append(out, u)
			}
		}
		wake := s.wake
		s.mu.Unlock()
		if len(out) > 0 || timeout <= 0 {
			if out == nil {
				out = []tgmodels.Update{}
			}
			return out, nil
		}
		select {
		case <-wake:
		case <-deadline.C:
			timeout = 0
		case <-ctx.Done():
			return nil, nil
		case <-s.done:
			return nil, nil
		}
	}
}

func (s *Server) sendMessage(params map[string]string) (any, *Failure) {
	chatID, err := strconv.ParseInt(params["chat_id"], 10, 64)
	if err != nil {
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"}
	}
	text := params["text"]
	switch n := len(utf16.Encode([]rune(text))); {
	case strings.TrimSpace(text) == "":
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: message text is empty"}
	case n > 4096:
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: message is too long"}
	}
	var rp tgmodels.ReplyParameters
	if v := params["reply_parameters"]; v != "" {
		if err := json.Unmarshal([]byte(v), &rp); err != nil {
			return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse reply parameters JSON object"}
		}
	}
	var entities []tgmodels.MessageEntity
	if v := params["entities"]; v != "" {
		if err := json.Unmarshal([]byte(v), &entities); err != nil {
			return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse entities JSON object"}
		}
	}
	var keyboard *tgmodels.InlineKeyboardMarkup
	if v := params["reply_markup"]; v != "" {
		var f *Failure
		if keyboard, f = inlineKeyboard(v); f != nil {
			return nil, f
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	me := s.me
	msg := tgmodels.Message{
		ID:          s.nextMsgLocked(chatID),
		From:        &me,
		Date:        int(s.now().Unix()),
		Chat:        s.chatLocked(chatID),
		Text:        text,
		Entities:    entities,
		ReplyMarkup: keyboard,
	}
	if rp.MessageID != 0 {
		target, ok := s.messages[msgKey{chatID, rp.MessageID}]
		switch {
		case ok:
			msg.ReplyToMessage = &target
		case !rp.AllowSendingWithoutReply:
			return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: message to be replied not found"}
		}
	}
	s.messages[msgKey{chatID, msg.ID}] = msg
	s.sent = append(s.sent, SentMessage{
		ID:                       msg.ID,
		ChatID:                   chatID,
		Text:                     text,
		ParseMode:                params["parse_mode"],
		ReplyTo:                  rp.MessageID,
		AllowSendingWithoutReply: rp.AllowSendingWithoutReply,
		Entities:                 entities,
		ReplyMarkup:              params["reply_markup"],
		Keyboard:                 keyboardRows(keyboard),
	})
	return msg, nil
}

// inlineKeyboard reads a reply_markup holding an inline keyboard and checks
// its buttons as Telegram does: a text, exactly one action, callback data of
// 1 to 64 bytes.
func inlineKeyboard(v string) (*tgmodels.InlineKeyboardMarkup, *Failure) {
	bad := func(desc string) *Failure {
		return &Failure{Code: http.StatusBadRequest, Description: "Bad Request: " + desc}
	}
	var raw struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(v), &raw); err != nil || raw.InlineKeyboard == nil {
		return nil, bad("can't parse reply keyboard markup JSON object")
	}
	for _, row := range raw.InlineKeyboard {
		for _, b := range row {
			var text, data string
			if json.Unmarshal(b["text"], &text) != nil || text == "" {
				return nil, bad("can't parse inline keyboard button: Text must be non-empty")
			}
			actions := 0
			for k := range b {
				if k != "text" && k != "icon_custom_emoji_id" && k != "style" {
					actions++
				}
			}
			if actions != 1 {
				return nil, bad("can't parse inline keyboard button: exactly one of the optional fields must be used")
			}
			if c, ok := b["callback_data"]; ok {
				if json.Unmarshal(c, &data) != nil || len(data) < 1 || len(data) > 64 {
					return nil, bad("BUTTON_DATA_INVALID")
				}
			}
		}
	}
	var m tgmodels.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, bad("can't parse reply keyboard markup JSON object")
	}
	return &m, nil
}

func keyboardRows(m *tgmodels.InlineKeyboardMarkup) [][]tgmodels.InlineKeyboardButton {
	if m == nil {
		return nil
	}
	return m.InlineKeyboard
}

func (s *Server) answerCallbackQuery(params map[string]string) (any, *Failure) {
	id := params["callback_query_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if answered, ok := s.callbacks[id]; !ok || answered {
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: query is too old and response timeout expired or query ID is invalid"}
	}
	s.callbacks[id] = true
	s.answered = append(s.answered, CallbackAnswer{ID: id, Text: params["text"], ShowAlert: params["show_alert"] == "true"})
	return true, nil
}

func (s *Server) deleteMessage(params map[string]string) (any, *Failure) {
	chatID, err1 := strconv.ParseInt(params["chat_id"], 10, 64)
	msgID, err2 := strconv.Atoi(params["message_id"])
	if err1 != nil || err2 != nil {
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: message identifier is not specified"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[msgKey{chatID, msgID}]
	if !ok {
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: message to delete not found"}
	}
	if s.now().Sub(time.Unix(int64(m.Date), 0)) >= 48*time.Hour {
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: message can't be deleted"}
	}
	delete(s.messages, msgKey{chatID, msgID})
	s.deleted = append(s.deleted, Deletion{ChatID: chatID, MessageID: msgID})
	return true, nil
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(params map[string]string) (any, *Failure) {
	u := params["url"]
	if u == "" {
		s.mu.Lock()
		s.webhook = nil
		s.mu.Unlock()
		return true, nil
	}
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"}
	}
	secret := params["secret_token"]
	if secret != "" && !secretRE.MatchString(secret) {
		return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: secret token contains unallowed characters"}
	}
	wh := &WebhookInfo{URL: u, Secret: secret}
	if v := params["allowed_updates"]; v != "" {
		if err := json.Unmarshal([]byte(v), &wh.AllowedUpdates); err != nil {
			return nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse allowed updates"}
		}
	}
	wh.MaxConnections, _ = strconv.Atoi(params["max_connections"])
	s.mu.Lock()
	s.webhook = wh
	s.mu.Unlock()
	return true, nil
}

// readParams reads the parameters of a call from the query string and a
// multipart, URL-encoded or JSON body. Non-string JSON values are kept as
// their JSON text, as multipart clients send objects.
func readParams(r *http.Request) (map[string]string, error) {
	params := make(map[string]string)
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		err := r.ParseMultipartForm(32 << 20)
		if errors.Is(err, io.EOF) {
			break // an empty body, as clients send for methods without parameters
		}
		if err != nil {
			return nil, fmt.Errorf("unreadable multipart body: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, fmt.Errorf("unreadable form body: %w", err)
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	case "application/json":
		var body map[string]json.RawMessage
		err := json.NewDecoder(r.Body).Decode(&body)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("unreadable JSON body: %w", err)
		}
		for k, raw := range body {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				params[k] = str
				continue
			}
			params[k] = string(raw)
		}
	}
	return params, nil
}

func writeResult(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, f Failure) {
	if f.Body != "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Code)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	body := map[string]any{"ok": false, "error_code": f.Code, "description": f.Description}
	if f.RetryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": f.RetryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Code)
	_ = json.NewEncoder(w).Encode(body)
}
