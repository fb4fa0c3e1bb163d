package bot

import (
	"context"
	"time"

	"github.com/inps-social/inpsbot/bot/rules"
)

// Store keeps the bot's state: posts already handled, cursors, the outbox,
// author fingerprints, the audit trail, the escalation queue and the
// moderators' switches. Post texts are never stored: only ids, labels,
// keyed author hashes and redacted text. Implementations are safe for
// concurrent use.
type Store interface {
	// Record stores, in one transaction, the post's routing (never its
	// text), its verdict, its fingerprint, its outbox actions, its
	// escalation, the audit row of the decision and the source cursor.
	// It returns false, storing nothing but the cursor, when the post was
	// recorded before.
	Record(ctx context.Context, r Record) (bool, error)
	// RecordMany records several posts as Record does, in one
	// transaction, and says for each whether it was new.
	RecordMany(ctx context.Context, rs []Record) ([]bool, error)
	// Seen reports whether the post with this key was recorded.
	Seen(ctx context.Context, key string) (bool, error)
	// Cursor returns the saved position of a source, "" when none.
	Cursor(ctx context.Context, source string) (string, error)
	// SetCursor saves the position of a source.
	SetCursor(ctx context.Context, source, cursor string) error

	// Fingerprints returns the fingerprints of an author's posts on a
	// platform since a time, newest first, at most limit.
	Fingerprints(ctx context.Context, platform, authorFP string, since time.Time, limit int) ([]rules.Fingerprint, error)
	// Strikes counts an author's posts with a hiding violation since a time.
	Strikes(ctx context.Context, platform, authorFP string, since time.Time) (int, error)

	// Due returns pending actions whose next try is at or before now,
	// oldest first, at most limit.
	Due(ctx context.Context, now time.Time, limit int) ([]Action, error)
	// Pending counts actions still to send (pending or sending).
	Pending(ctx context.Context) (int, error)
	// Begin marks an action as being sent and counts the attempt; it
	// returns false when the action is no longer pending.
	Begin(ctx context.Context, id int64, now time.Time) (bool, error)
	// Settle ends an attempt: state sent, failed, skipped or unknown, or
	// pending again with a next try. note is an error text without
	// personal data.
	Settle(ctx context.Context, id int64, state ActionState, note string, next time.Time) error
	// SettlePending settles an action still pending without an attempt
	// (paused, proposed, skipped, deferred); it returns false, changing
	// nothing, when the action is no longer pending.
	SettlePending(ctx context.Context, id int64, state ActionState, note string, next time.Time) (bool, error)
	// BeginMany begins several actions in one transaction and returns the
	// ids it began.
	BeginMany(ctx context.Context, ids []int64, now time.Time) ([]int64, error)
	// SettleMany settles several attempts in one transaction.
	SettleMany(ctx context.Context, settles []Settlement) error
	// InDoubt returns the actions left in state sending by a crash.
	InDoubt(ctx context.Context) ([]Action, error)
	// Action returns one action by id.
	Action(ctx context.Context, id int64) (Action, error)
	// Amend replaces the text of a reply waiting for approval
	// (ErrConflict when it is no longer proposed).
	Amend(ctx context.Context, id int64, text string) error
	// Actions lists actions in a state, newest first, at most limit.
	Actions(ctx context.Context, state ActionState, limit int) ([]Action, error)

	// Escalate adds an item to the moderators' queue.
	Escalate(ctx context.Context, e Escalation) (int64, error)
	// Escalations lists queue items, open ones only when open is true.
	Escalations(ctx context.Context, open bool, limit int) ([]Escalation, error)
	// Escalation returns one queue item by id.
	Escalation(ctx context.Context, id int64) (Escalation, error)
	// TakeEscalation records which moderator took an open item in hand.
	TakeEscalation(ctx context.Context, id int64, by string) error
	// ResolveEscalation closes a queue item with a moderator's note.
	ResolveEscalation(ctx context.Context, id int64, by, note string) error

	// Audit appends a row to the audit trail.
	Audit(ctx context.Context, a AuditEntry) error
	// AuditTrail returns audit rows matching f, newest first.
	AuditTrail(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// Switches returns every switch that is set, by key.
	Switches(ctx context.Context) (map[string]string, error)
	// SetSwitch sets (or, with an empty value, clears) a switch.
	SetSwitch(ctx context.Context, key, value string) error

	// Forget erases every stored reference to an author on a platform
	// (posts, fingerprints, outbox routing, escalations, audit rows),
	// leaving one audit row saying that an erasure happened and who asked
	// for it. It returns how many rows were removed.
	Forget(ctx context.Context, platform, authorFP, actor string) (int64, error)
	// Purge removes data recorded before a time and returns how many rows
	// went.
	Purge(ctx context.Context, before time.Time) (int64, error)

	// Stats counts what happened in [since, until): posts by platform,
	// intent and violation, planned actions, action outcomes, failures,
	// new escalations.
	Stats(ctx context.Context, since, until time.Time) (Stats, error)

	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Record is what the engine stores about one post in one transaction.
type Record struct {
	Post       Post        // routing only: the text is never stored
	AuthorFP   string      // keyed hash of the author id
	Verdict    *Verdict    // labels and redacted text
	Actions    []Action    // outbox rows to create
	Escalation *Escalation // queue item to create, if any
	At         time.Time   // when the bot recorded it
	// Again marks a post delivered again: only its cursor is stored.
	Again bool
}

// OutboxKind is what an outbox row sends.
type OutboxKind string

// The outbox kinds: a public reply, hiding the post, and the notice to the
// author of a hidden post.
const (
	OutReply  OutboxKind = "reply"
	OutHide   OutboxKind = "hide"
	OutNotify OutboxKind = "notify"
)

// ActionState is where an outbox row stands.
type ActionState string

// The outbox states.
const (
	StatePending  ActionState = "pending"  // to send, at NextTry
	StateProposed ActionState = "proposed" // waiting for a moderator's approval
	StateSending  ActionState = "sending"  // an attempt is under way
	StateSent     ActionState = "sent"     // done
	StateFailed   ActionState = "failed"   // ended with a permanent error
	StateSkipped  ActionState = "skipped"  // not sent: dry run, switched off, rejected
	StateUnknown  ActionState = "unknown"  // a crash hid the outcome; left to the moderators
)

// Action is one outbox row.
type Action struct {
	ID        int64
	PostKey   string
	Kind      OutboxKind
	Text      string // the reply or notice text; never holds personal data
	State     ActionState
	Attempts  int
	NextTry   time.Time
	LastError string
	Target    Post   // routing of the post (no text)
	Intent    string // the post's intent, for the switches of that scope
	Created   time.Time
}

// Escalation is one item of the moderators' queue.
type Escalation struct {
	ID         int64
	PostKey    string
	Platform   string
	AuthorFP   string
	Reason     string   // "hate", "illegal", "forget_me", "hide_refused", "strikes", ...
	Labels     []string // the verdict's labels
	Redacted   string   // the post with personal data masked
	URL        string   // link to the post, if any
	Created    time.Time
	TakenBy    string // the moderator who took it in hand
	ResolvedBy string
	Note       string
	Resolved   time.Time
}

// AuditEntry is one row of the audit trail: who did what to which post,
// with labels and redacted text only.
type AuditEntry struct {
	ID       int64
	At       time.Time
	Actor    string // "bot" or a moderator's name
	Event    string // "decision", "action", "switch", "command", "forget", ...
	Platform string
	PostKey  string
	AuthorFP string
	Intent   string
	Labels   []string
	Actions  []string
	Outcome  string
	Redacted string
}

// AuditFilter selects audit rows.
type AuditFilter struct {
	Platform string
	Event    string
	Label    string // a violation, pii kind or intent
	Action   string
	Since    time.Time
	Until    time.Time
	Before   int64 // rows with ID below this (paging); 0 for the newest
	Limit    int
}

// Stats are the figures of a period, for reports and charts.
type Stats struct {
	Since, Until time.Time
	Posts        int
	ByPlatform   map[string]int // posts per platform
	ByIntent     map[string]int // posts per intent
	ByViolation  map[string]int // posts per violation
	ByAction     map[string]int // actions decided, per kind
	Outcomes     map[string]int // outbox rows per "kind state" ("reply sent", "hide failed")
	Failures     int            // outbox rows that failed or ended unknown
	Escalations  int            // queue items opened
}

// Settlement is the end of one attempt at an action.
type Settlement struct {
	ID    int64
	State ActionState
	Note  string    // error text without personal data, or the outcome
	Next  time.Time // next try, when State is pending
	Undo  bool      // no attempt was made after all: do not count it
}
