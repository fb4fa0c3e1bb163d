-- Posts handled by the bot: routing, labels and redacted text, never the
-- text as written. Times are Unix nanoseconds, 0 when unknown.
CREATE TABLE posts (
	key         TEXT PRIMARY KEY,
	platform    TEXT NOT NULL,
	account     TEXT NOT NULL,
	post_id     TEXT NOT NULL,
	channel     TEXT NOT NULL,
	author      TEXT NOT NULL,
	handle      TEXT NOT NULL,
	author_fp   TEXT NOT NULL,
	reply_to    TEXT NOT NULL,
	kind        TEXT NOT NULL,
	visibility  TEXT NOT NULL,
	url         TEXT NOT NULL,
	posted      INTEGER NOT NULL, -- the post's time, or the recording time when unknown
	recorded    INTEGER NOT NULL,
	pii         TEXT NOT NULL,    -- JSON array of kinds
	violations  TEXT NOT NULL,    -- JSON array
	intent      TEXT NOT NULL,
	personal    INTEGER NOT NULL,
	actions     TEXT NOT NULL,    -- JSON array
	redacted    TEXT NOT NULL,
	fingerprint BLOB
);
CREATE INDEX posts_author ON posts (platform, author_fp, posted);
CREATE INDEX posts_recorded ON posts (recorded);

-- Source positions, one per platform account.
CREATE TABLE cursors (
	source TEXT PRIMARY KEY,
	cursor TEXT NOT NULL
) WITHOUT ROWID;

-- The outbox: what the bot is to send, with the routing of its target.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	post_key   TEXT NOT NULL,
	kind       TEXT NOT NULL,
	text       TEXT NOT NULL,
	state      TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_try   INTEGER NOT NULL,
	last_try   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created    INTEGER NOT NULL,
	author_fp  TEXT NOT NULL,
	t_platform   TEXT NOT NULL,
	t_account    TEXT NOT NULL,
	t_post_id    TEXT NOT NULL,
	t_channel    TEXT NOT NULL,
	t_author     TEXT NOT NULL,
	t_handle     TEXT NOT NULL,
	t_reply_to   TEXT NOT NULL,
	t_kind       TEXT NOT NULL,
	t_visibility TEXT NOT NULL,
	t_url        TEXT NOT NULL,
	t_time       INTEGER NOT NULL
);
CREATE INDEX outbox_state ON outbox (state, id);
CREATE INDEX outbox_post ON outbox (post_key);
CREATE INDEX outbox_author ON outbox (author_fp);

-- The moderators' queue.
CREATE TABLE escalations (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	post_key    TEXT NOT NULL,
	platform    TEXT NOT NULL,
	author_fp   TEXT NOT NULL,
	reason      TEXT NOT NULL,
	labels      TEXT NOT NULL, -- JSON array
	redacted    TEXT NOT NULL,
	url         TEXT NOT NULL,
	created     INTEGER NOT NULL,
	resolved_by TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT '',
	resolved    INTEGER NOT NULL DEFAULT 0 -- 0 while open
);
CREATE INDEX escalations_open ON escalations (resolved, id);
CREATE INDEX escalations_post ON escalations (post_key);
CREATE INDEX escalations_author ON escalations (author_fp);

-- The audit trail. Labels (with the intent) and actions are kept twice: as
-- JSON for reading back, and one row each in audit_terms for filtering.
CREATE TABLE audit (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	at        INTEGER NOT NULL,
	actor     TEXT NOT NULL,
	event     TEXT NOT NULL,
	platform  TEXT NOT NULL,
	post_key  TEXT NOT NULL,
	author_fp TEXT NOT NULL,
	intent    TEXT NOT NULL,
	labels    TEXT NOT NULL, -- JSON array
	actions   TEXT NOT NULL, -- JSON array
	outcome   TEXT NOT NULL,
	redacted  TEXT NOT NULL
);
CREATE INDEX audit_event ON audit (event, id);
CREATE INDEX audit_platform ON audit (platform, id);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_post ON audit (post_key);
CREATE INDEX audit_author ON audit (author_fp);

-- field is 'label' (a label or the intent) or 'action'.
CREATE TABLE audit_terms (
	field    TEXT NOT NULL,
	term     TEXT NOT NULL,
	audit_id INTEGER NOT NULL REFERENCES audit (id) ON DELETE CASCADE,
	PRIMARY KEY (field, term, audit_id)
) WITHOUT ROWID;
CREATE INDEX audit_terms_audit ON audit_terms (audit_id);

-- The moderators' switches.
CREATE TABLE switches (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
