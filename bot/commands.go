package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inps-social/inpsbot/bot/text"
)

// ModerationConfig says who may command the bot, and where.
type ModerationConfig struct {
	// Chats maps a platform account ("telegram/inps") to its moderators'
	// chat: every post there is a command or chatter, never a citizen's.
	Chats map[string]string
	// Users maps a platform to its moderators: Telegram user ids; Mastodon
	// accounts as they appear in mentions (user on the bot's own server,
	// user@server elsewhere).
	Users map[string][]string
}

// SetModeration sets who may command the bot. Escalations, proposals and
// reports are then also posted to the moderators' chats, or sent directly
// to the moderator accounts of platforms without one.
func (e *Engine) SetModeration(cfg ModerationConfig) {
	e.mu.Lock()
	e.moderation = cfg
	e.mu.Unlock()
	for src, chat := range cfg.Chats {
		if m, ok := e.platforms[src].(Messenger); ok {
			e.AddModerators(chatModerators{m: m, to: []string{chat}})
		}
	}
	for _, src := range e.order {
		pl := e.platforms[src]
		if _, hasChat := cfg.Chats[src]; hasChat {
			continue
		}
		m, ok := pl.(Messenger)
		users := cfg.Users[pl.Name()]
		if !ok || len(users) == 0 || pl.Name() != "mastodon" {
			continue
		}
		to := make([]string, len(users))
		for i, u := range users {
			to[i] = "@" + strings.TrimPrefix(u, "@")
		}
		e.AddModerators(chatModerators{m: m, to: to})
	}
}

// chatModerators posts to moderators through a platform's Messenger.
type chatModerators struct {
	m  Messenger
	to []string
}

func (c chatModerators) Tell(ctx context.Context, text string, buttons []Button) error {
	var errs []error
	for _, to := range c.to {
		errs = append(errs, c.m.Send(ctx, to, text, buttons))
	}
	return errors.Join(errs...)
}

// isModerator matches the post's author id, or its handle (Mastodon
// accounts are configured as they appear in mentions), against the
// platform's moderators.
func (e *Engine) isModerator(p Post) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	users := e.moderation.Users[p.Platform]
	return slices.Contains(users, p.Author) ||
		(p.Handle != "" && slices.Contains(users, strings.TrimPrefix(p.Handle, "@")))
}

// commandText is the text of a post as a command: display form, without
// the mentions that open it ("@inps_it /stato").
func commandText(p Post) string {
	t := strings.TrimSpace(text.Display(p.Text))
	for strings.HasPrefix(t, "@") {
		_, rest, ok := strings.Cut(t, " ")
		if !ok {
			return ""
		}
		t = strings.TrimSpace(rest)
	}
	return t
}

// claims reports whether a post belongs to the moderators rather than to
// the citizens: anything in a moderators' chat, a tap on a button, or a
// direct message from a moderator that starts with a command.
func (e *Engine) claims(p Post) bool {
	e.mu.Lock()
	chat, hasChat := e.moderation.Chats[p.Source()]
	e.mu.Unlock()
	switch {
	case hasChat && p.Channel == chat:
		return true
	case p.Kind == KindCallback:
		return true
	case p.Kind == KindDirect && strings.HasPrefix(commandText(p), "/"):
		return e.isModerator(p)
	}
	return false
}

// command runs a moderator's command and answers where it came from.
// Nobody else may command the bot: their attempt is refused and audited.
func (e *Engine) command(ctx context.Context, p Post) error {
	defer func() {
		if p.Cursor != "" {
			if err := e.store.SetCursor(ctx, p.Source(), p.Cursor); err != nil {
				e.log.Error().Err(err).Msg("cursor not saved after a command")
			}
		}
	}()
	cmd := commandText(p)
	if !strings.HasPrefix(cmd, "/") {
		return nil // chatter in the moderators' chat
	}
	name, args := parseCommand(cmd)
	if !e.isModerator(p) {
		e.log.Warn().Str("platform", p.Platform).Str("author_fp", e.AuthorFP(p.Platform, p.Author)).
			Str("command", name).Msg("command refused: not a moderator")
		_ = e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: "fp:" + e.AuthorFP(p.Platform, p.Author),
			Event: "command_refused", Platform: p.Platform, Labels: []string{name}, Outcome: "refused"})
		return e.answer(ctx, p, "Comando non consentito: solo i moderatori configurati possono comandare il bot.")
	}
	who := moderatorName(p)
	out, err := e.run(ctx, name, args, who)
	outcome := "ok"
	if err != nil {
		outcome = "error: " + errText(err)
		out = "Errore: " + err.Error()
	}
	if aerr := e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "command", Platform: p.Platform,
		Labels: auditArgs(name, args), Outcome: outcome}); aerr != nil {
		e.log.Error().Err(aerr).Msg("audit: cannot record a command")
	}
	return e.answer(ctx, p, out)
}

// auditArgs is what the audit keeps of a command: its name, and its
// arguments only where they are ids, scopes or modes — never the text of
// /controlla or the author of /dimentica, which may be personal data.
func auditArgs(name string, args []string) []string {
	out := []string{name}
	switch name {
	case "controlla", "check", "dimentica", "forget":
		return out
	case "chiudi", "resolve":
		if len(args) > 0 {
			out = append(out, args[0]) // the id, not the note
		}
		return out
	}
	return append(out, args...)
}

// moderatorName is how a moderator appears in the audit trail.
func moderatorName(p Post) string {
	if p.Handle != "" {
		return p.Platform + ":" + strings.TrimPrefix(p.Handle, "@")
	}
	return p.Platform + ":" + p.Author
}

// answer replies to a moderator in their chat, or directly.
func (e *Engine) answer(ctx context.Context, p Post, msg string) error {
	pl := e.platforms[p.Source()]
	if m, ok := pl.(Messenger); ok {
		to := p.Channel
		if p.Platform == "mastodon" {
			to = "@" + strings.TrimPrefix(p.Handle, "@")
		}
		if err := m.Send(ctx, to, msg, nil); err != nil {
			e.log.Warn().Err(err).Msg("answer to a moderator not sent")
		}
		return nil
	}
	if pl != nil {
		if err := pl.Reply(ctx, p, msg, "cmd-"+p.ID); err != nil {
			e.log.Warn().Err(err).Msg("answer to a moderator not sent")
		}
	}
	return nil
}

func parseCommand(s string) (string, []string) {
	f := strings.Fields(s)
	name := strings.ToLower(strings.TrimPrefix(f[0], "/"))
	name, _, _ = strings.Cut(name, "@") // "/stato@inpsbot" in groups
	return name, f[1:]
}

// commandHelp lists the commands, in Italian with their English aliases.
const commandHelp = `Comandi dei moderatori:
/stato — modalità, interruttori, piattaforme, coda (status)
/pausa [platform|account|chat|intent|action NOME] — ferma le azioni (pause)
/riprendi [ambito NOME] — toglie la pausa (resume)
/modo auto|approve|dry-run|off [ambito NOME] — imposta la modalità (mode)
/segnalazioni — segnalazioni aperte (escalations)
/prendi N — prende in carico la segnalazione N (take)
/chiudi N [nota] — chiude la segnalazione N (resolve)
/oblio N — conferma la cancellazione dei dati dell'autore della segnalazione N (confirm erasure)
/approva N, /rifiuta N — risposta proposta N (approve, reject)
/proposte — risposte in attesa di approvazione (proposals)
/perche N — perché la segnalazione N è stata decisa così (why)
/controlla TESTO — verdetto su un testo (check)
/dimentica PIATTAFORMA AUTORE — cancella i dati di un autore (forget)`

func (e *Engine) run(ctx context.Context, name string, args []string, who string) (string, error) {
	id := func() (int64, error) {
		if len(args) == 0 {
			return 0, errors.New("manca il numero")
		}
		return strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
	}
	scope := func(from int) (string, error) {
		if len(args) <= from {
			return SwitchKey("", "")
		}
		name := ""
		if len(args) > from+1 {
			name = args[from+1]
		}
		return SwitchKey(args[from], name)
	}
	switch name {
	case "aiuto", "help", "start":
		return commandHelp, nil
	case "stato", "status":
		return e.statusText(ctx)
	case "pausa", "pause":
		key, err := scope(0)
		if err != nil {
			return "", err
		}
		return "In pausa: " + key, e.SetSwitch(ctx, key, ModeOff, who)
	case "riprendi", "resume":
		key, err := scope(0)
		if err != nil {
			return "", err
		}
		return "Ripreso: " + key, e.SetSwitch(ctx, key, "", who)
	case "modo", "mode":
		if len(args) == 0 {
			return "", errors.New("indicare la modalità: auto, approve, dry-run o off")
		}
		m, err := ParseMode(args[0])
		if err != nil {
			return "", err
		}
		key, err := scope(1)
		if err != nil {
			return "", err
		}
		if m == ModeAuto && key != switchPrefix {
			return "Modalità di " + key + " tolta (torna a quella generale)", e.SetSwitch(ctx, key, "", who)
		}
		return fmt.Sprintf("Modalità %s per %s", m, key), e.SetSwitch(ctx, key, m, who)
	case "segnalazioni", "escalations":
		return e.escalationsText(ctx)
	case "proposte", "proposals":
		acts, err := e.store.Actions(ctx, StateProposed, 10)
		if err != nil {
			return "", err
		}
		if len(acts) == 0 {
			return "Nessuna risposta in attesa di approvazione.", nil
		}
		var b strings.Builder
		for _, a := range acts {
			fmt.Fprintf(&b, "#%d (%s, %s): %s\n", a.ID, a.Target.Platform, a.Intent, a.Text)
		}
		return b.String(), nil
	case "prendi", "take":
		n, err := id()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Segnalazione %d presa in carico da %s.", n, who), e.TakeEscalation(ctx, n, who)
	case "chiudi", "resolve":
		n, err := id()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Segnalazione %d chiusa.", n), e.ResolveEscalation(ctx, n, who, strings.Join(args[1:], " "))
	case "oblio":
		n, err := id()
		if err != nil {
			return "", err
		}
		rows, err := e.ForgetEscalated(ctx, n, who)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Dati dell'autore della segnalazione %d cancellati (%d righe).", n, rows), nil
	case "approva", "approve":
		n, err := id()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Risposta %d approvata: sarà inviata.", n), e.Approve(ctx, n, who)
	case "rifiuta", "reject":
		n, err := id()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Risposta %d rifiutata.", n), e.Reject(ctx, n, who)
	case "perche", "perché", "why":
		n, err := id()
		if err != nil {
			return "", err
		}
		esc, err := e.escalationByID(ctx, n)
		if err != nil {
			return "", err
		}
		v := e.Responder().Decide(Post{Platform: esc.Platform, Text: esc.Redacted}, nil)
		return fmt.Sprintf("Segnalazione %d (%s), etichette registrate: %s\n\n%s", n, esc.Reason,
			strings.Join(esc.Labels, ", "), Explain(v)), nil
	case "controlla", "check":
		if len(args) == 0 {
			return "", errors.New("manca il testo")
		}
		return Explain(e.Responder().Decide(Post{Platform: "telegram", Text: strings.Join(args, " ")}, nil)), nil
	case "dimentica", "forget":
		if len(args) < 2 {
			return "", errors.New("uso: /dimentica PIATTAFORMA AUTORE")
		}
		n, err := e.Forget(ctx, args[0], args[1], who)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Dati dell'autore cancellati (%d righe).", n), nil
	}
	return "", fmt.Errorf("comando sconosciuto /%s; /aiuto per l'elenco", name)
}

func (e *Engine) escalationByID(ctx context.Context, id int64) (Escalation, error) {
	return e.store.Escalation(ctx, id)
}

// ForgetEscalated erases, once a moderator confirms, every stored
// reference to the author of an escalated post (a forget_me request), and
// closes the escalation.
func (e *Engine) ForgetEscalated(ctx context.Context, id int64, who string) (int64, error) {
	esc, err := e.escalationByID(ctx, id)
	if err != nil {
		return 0, err
	}
	if esc.AuthorFP == "" {
		return 0, fmt.Errorf("segnalazione %d: nessun autore registrato", id)
	}
	if err := e.ResolveEscalation(ctx, id, who, "dati dell'autore cancellati"); err != nil && !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	n, err := e.store.Forget(ctx, esc.Platform, esc.AuthorFP, who)
	if err != nil {
		return 0, fmt.Errorf("engine: forget author of escalation %d: %w", id, err)
	}
	return n, nil
}

func (e *Engine) statusText(ctx context.Context) (string, error) {
	var b strings.Builder
	sw := e.Switches()
	fmt.Fprintf(&b, "Modalità generale: %s\n", sw.ModeFor(Post{}, "", ""))
	if len(sw.Set) > 0 {
		keys := make([]string, 0, len(sw.Set))
		for k := range sw.Set {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("Interruttori:\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s = %s\n", k, sw.Set[k])
		}
	}
	b.WriteString("Piattaforme:\n")
	up := e.Up()
	for _, src := range e.order {
		state := "non collegata"
		if up[src] {
			state = "collegata"
		}
		fmt.Fprintf(&b, "  %s: %s\n", src, state)
	}
	pending, err := e.store.Pending(ctx)
	if err != nil {
		return "", err
	}
	open, err := e.store.Escalations(ctx, true, 0)
	if err != nil {
		return "", err
	}
	proposed, err := e.store.Actions(ctx, StateProposed, 0)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "Azioni in coda: %d; risposte da approvare: %d; segnalazioni aperte: %d", pending, len(proposed), len(open))
	return b.String(), nil
}

func (e *Engine) escalationsText(ctx context.Context) (string, error) {
	open, err := e.store.Escalations(ctx, true, 10)
	if err != nil {
		return "", err
	}
	if len(open) == 0 {
		return "Nessuna segnalazione aperta.", nil
	}
	var b strings.Builder
	for _, x := range open {
		fmt.Fprintf(&b, "#%d %s (%s, %s): «%s»\n", x.ID, reasonText(x.Reason), x.Platform,
			x.Created.Format("02/01 15:04"), short(x.Redacted))
	}
	return b.String(), nil
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}

// reasonText names an escalation's reason for the moderators.
func reasonText(r string) string {
	switch r {
	case "hate":
		return "odio o discriminazione"
	case "illegal":
		return "minacce o condotte illecite"
	case "political":
		return "propaganda politica"
	case "forget_me":
		return "richiesta di cancellazione (oblio)"
	case "hide_refused":
		return "il post non si è potuto nascondere"
	case "hide_too_late":
		return "troppo tardi per nascondere il post"
	case "strikes":
		return "violazioni ripetute: valutare un ban (il bot non banna da solo)"
	case "in_doubt":
		return "azione interrotta: verificare se è stata inviata"
	}
	return r
}

// tellEscalation posts a new queue item to the moderators, with its
// commands as buttons.
func (e *Engine) tellEscalation(ctx context.Context, esc Escalation) {
	if len(e.moderators) == 0 {
		return
	}
	if esc.ID == 0 {
		// Recorded with its post: find the id the store gave it.
		if open, err := e.store.Escalations(ctx, true, 20); err == nil {
			for _, x := range open {
				if x.PostKey == esc.PostKey && x.Reason == esc.Reason {
					esc.ID = x.ID
					break
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Segnalazione #%d: %s (%s)\n", esc.ID, reasonText(esc.Reason), esc.Platform)
	if len(esc.Labels) > 0 {
		fmt.Fprintf(&b, "Etichette: %s\n", strings.Join(esc.Labels, ", "))
	}
	if esc.Redacted != "" {
		fmt.Fprintf(&b, "Testo (dati personali mascherati): «%s»\n", short(esc.Redacted))
	}
	if esc.URL != "" {
		fmt.Fprintf(&b, "%s\n", esc.URL)
	}
	id := strconv.FormatInt(esc.ID, 10)
	buttons := []Button{{Label: "Prendo io", Command: "/prendi " + id}, {Label: "Chiudi", Command: "/chiudi " + id}}
	if esc.Reason == "forget_me" {
		buttons = append(buttons, Button{Label: "Conferma oblio", Command: "/oblio " + id})
	}
	e.tell(ctx, strings.TrimSpace(b.String()), buttons)
}

// tellProposal posts a reply waiting for approval, with approve and reject
// buttons.
func (e *Engine) tellProposal(ctx context.Context, a Action) {
	id := strconv.FormatInt(a.ID, 10)
	msg := fmt.Sprintf("Risposta proposta #%s (%s, tema %s)", id, a.Target.Platform, a.Intent)
	if a.Target.URL != "" {
		msg += "\n" + a.Target.URL
	}
	msg += "\n«" + a.Text + "»"
	e.tell(ctx, msg, []Button{{Label: "Approva", Command: "/approva " + id}, {Label: "Rifiuta", Command: "/rifiuta " + id}})
}

func (e *Engine) tell(ctx context.Context, text string, buttons []Button) {
	for _, m := range e.moderators {
		if err := m.Tell(context.WithoutCancel(ctx), text, buttons); err != nil {
			e.log.Warn().Err(err).Msg("moderators not told; the item stays in the queue")
		}
	}
}

// Report posts the figures of the last period to the moderators.
func (e *Engine) Report(ctx context.Context, period time.Duration) error {
	since := e.now().Add(-period)
	st, err := e.store.Stats(ctx, since, e.now())
	if err != nil {
		return fmt.Errorf("engine: report: %w", err)
	}
	e.tell(ctx, ReportText(st), nil)
	return nil
}

// ReportText renders figures for the moderators, in Italian.
func ReportText(st Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rapporto dal %s al %s\n", st.Since.Format("02/01 15:04"), st.Until.Format("02/01 15:04"))
	fmt.Fprintf(&b, "Post esaminati: %d\n", st.Posts)
	section := func(title string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			if m[a] != m[b] {
				return m[b] - m[a]
			}
			return strings.Compare(a, b)
		})
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, m[k])
		}
		fmt.Fprintf(&b, "%s: %s\n", title, strings.Join(parts, ", "))
	}
	section("Per piattaforma", st.ByPlatform)
	section("Per regola", st.ByViolation)
	section("Per tema", st.ByIntent)
	section("Azioni decise", st.ByAction)
	section("Esiti", st.Outcomes)
	fmt.Fprintf(&b, "Azioni fallite: %d; segnalazioni nuove: %d", st.Failures, st.Escalations)
	return b.String()
}
