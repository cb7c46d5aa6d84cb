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
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;
