/** Tables of the embedded store. One file holds the event log, every queue, dead letters and state. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL,
  stored_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_items (
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  payload TEXT NOT NULL,
  -- 0: waiting or leased; 1: settled (kept for a while so enqueuing the same id again is a no-op)
  done INTEGER NOT NULL DEFAULT 0,
  -- when the item may be handed out: notBefore, retry time, or the end of the current lease
  ready_at INTEGER NOT NULL,
  lease_token INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  deliveries INTEGER NOT NULL DEFAULT 0,
  settled_at INTEGER,
  PRIMARY KEY (queue, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS queue_ready ON queue_items (queue, done, ready_at, seq);
CREATE INDEX IF NOT EXISTS queue_settled ON queue_items (done, settled_at);
CREATE TABLE IF NOT EXISTS dead_letters (
  id TEXT PRIMARY KEY,
  sink_id TEXT NOT NULL,
  body TEXT NOT NULL,
  failed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_sink ON dead_letters (sink_id, failed_at);
CREATE TABLE IF NOT EXISTS kv (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  revision INTEGER NOT NULL,
  -- epoch ms after which the key reads as absent and is pruned; NULL: never
  expires_at INTEGER,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
-- One row per call, folded from its events as they are stored: the console lists calls from here,
-- a page at a time, without reading the log (docs/console.md).
CREATE TABLE IF NOT EXISTS calls (
  source TEXT NOT NULL,
  call_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  direction TEXT,
  from_number TEXT,
  to_number TEXT,
  -- missed | completed once the call tracker decided; NULL while in progress
  outcome TEXT,
  answered_by TEXT,
  ring_seconds REAL,
  talk_seconds REAL,
  legs INTEGER,
  events INTEGER NOT NULL DEFAULT 0,
  -- the seq of the call's latest stored event: live updates ask for the calls changed after a mark
  change_seq INTEGER NOT NULL,
  PRIMARY KEY (source, call_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS calls_recent ON calls (started_at, source, call_id);
CREATE INDEX IF NOT EXISTS calls_outcome ON calls (outcome, started_at);
CREATE INDEX IF NOT EXISTS calls_source ON calls (source, started_at);
CREATE INDEX IF NOT EXISTS calls_change ON calls (change_seq);
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;
