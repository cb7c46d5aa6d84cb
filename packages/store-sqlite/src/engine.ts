import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { SCHEMA_SQL } from './schema.js';
import { ROUTING_QUEUE, ROUTING_SCHEMA_SQL, RoutingLog } from './routing-log.js';

/** Options of the database connection (what the worker thread needs). */
export interface EngineOptions {
  path: string;
  synchronous?: 'full' | 'normal';
  busyTimeoutMs?: number;
}

export interface ClaimedRow { id: string; payload: string; attempts: number; deliveries: number; token: number }

const STATEMENTS = {
  insertEvent: 'INSERT OR IGNORE INTO events (id, body, stored_at, call_key) VALUES (?, ?, ?, ?)',
  callEvents: 'SELECT body FROM events WHERE call_key = ? ORDER BY seq LIMIT 2000',
  // A call's first events fill in what is known; its outcome (missed, completed) overwrites with the
  // tracker's summary of the whole call.
  callUpsert: `INSERT INTO calls (source, call_id, started_at, last_at, direction, from_number, to_number, outcome, answered_by, ring_seconds, talk_seconds, legs, events, change_seq)
    VALUES (@source, @callId, @at, @at, @direction, @from, @to, @outcome, @answeredBy, @ringSeconds, @talkSeconds, @legs, 1, @seq)
    ON CONFLICT (source, call_id) DO UPDATE SET
      started_at = CASE WHEN excluded.outcome IS NOT NULL THEN excluded.started_at ELSE MIN(started_at, excluded.started_at) END,
      last_at = MAX(last_at, excluded.last_at),
      direction = CASE WHEN excluded.outcome IS NOT NULL OR direction IS NULL OR direction = 'unknown' THEN COALESCE(excluded.direction, direction) ELSE direction END,
      from_number = CASE WHEN excluded.outcome IS NOT NULL THEN COALESCE(excluded.from_number, from_number) ELSE COALESCE(from_number, excluded.from_number) END,
      to_number = CASE WHEN excluded.outcome IS NOT NULL THEN COALESCE(excluded.to_number, to_number) ELSE COALESCE(to_number, excluded.to_number) END,
      outcome = COALESCE(excluded.outcome, outcome),
      answered_by = COALESCE(excluded.answered_by, answered_by),
      ring_seconds = COALESCE(excluded.ring_seconds, ring_seconds),
      talk_seconds = COALESCE(excluded.talk_seconds, talk_seconds),
      legs = COALESCE(excluded.legs, legs),
      events = events + 1,
      change_seq = excluded.change_seq`,
  maxChange: 'SELECT MAX(change_seq) AS m FROM calls',
  pruneCalls: `DELETE FROM calls WHERE (source, call_id) IN (SELECT source, call_id FROM calls c WHERE last_at < ?
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.call_key = c.source || char(10) || c.call_id) LIMIT 1000)`,
  deliveryState: 'SELECT done, attempts, ready_at, deliveries FROM queue_items WHERE queue = ? AND id = ?',
  // A dead letter replayed is queued again as `<id>~r<time>` (core/delivery/dead-letters.ts): the latest such item.
  latestReplay: "SELECT id, done, attempts, ready_at FROM queue_items WHERE queue = ? AND id > ? || '~r' AND id < ? || '~s' ORDER BY id DESC LIMIT 1",
  getEvent: 'SELECT body FROM events WHERE id = ?',
  enqueue: 'INSERT OR IGNORE INTO queue_items (queue, id, seq, payload, ready_at) VALUES (?, ?, ?, ?, ?)',
  claim: `UPDATE queue_items SET ready_at = @leaseUntil, lease_token = @token, deliveries = deliveries + 1
    WHERE queue = @queue AND id IN (
      SELECT id FROM queue_items WHERE queue = @queue AND done = 0 AND ready_at <= @now ORDER BY ready_at, seq LIMIT @max)
    RETURNING id, payload, attempts, deliveries, seq`,
  ack: `UPDATE queue_items SET done = 1, payload = '', settled_at = @now, lease_token = 0
    WHERE queue = @queue AND id = @id AND lease_token = @token AND done = 0`,
  retry: `UPDATE queue_items SET ready_at = @readyAt, lease_token = 0, attempts = attempts + @add
    WHERE queue = @queue AND id = @id AND lease_token = @token AND done = 0`,
  extend: 'UPDATE queue_items SET ready_at = @leaseUntil WHERE queue = @queue AND id = @id AND lease_token = @token AND done = 0',
  depth: 'SELECT COUNT(*) AS n FROM queue_items WHERE queue = ? AND done = 0',
  nextReady: 'SELECT MIN(ready_at) AS t FROM queue_items WHERE queue = ? AND done = 0',
  // The first item by ready_at (the index order): its enqueue time, or for a routing item the time its
  // event was stored. An item whose lease is running sorts later; good enough for a lag figure.
  oldestWaiting: `SELECT MIN(COALESCE(e.stored_at, q.ready_at)) AS t FROM (SELECT id, ready_at FROM queue_items WHERE queue = ? AND done = 0 ORDER BY ready_at LIMIT 1) q
    LEFT JOIN events e ON e.id = q.id`,
  maxSeq: 'SELECT COALESCE(MAX(seq), 0) AS s FROM queue_items',
  pruneSettled: 'DELETE FROM queue_items WHERE (queue, id) IN (SELECT queue, id FROM queue_items WHERE done = 1 AND settled_at < ? LIMIT 1000)',
  // Only events the routing log has passed and settled: an event waiting to be routed is never pruned.
  pruneEvents: `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE stored_at < ? AND seq <= ?
    AND seq NOT IN (SELECT seq FROM routing_leases) LIMIT 1000)`,
  dlAdd: 'INSERT OR REPLACE INTO dead_letters (id, sink_id, body, failed_at) VALUES (?, ?, ?, ?)',
  dlGet: 'SELECT body FROM dead_letters WHERE id = ?',
  dlListAll: 'SELECT body FROM dead_letters ORDER BY failed_at LIMIT ?',
  dlListSink: 'SELECT body FROM dead_letters WHERE sink_id = ? ORDER BY failed_at LIMIT ?',
  dlRemove: 'DELETE FROM dead_letters WHERE id = ?',
  dlCounts: 'SELECT sink_id, COUNT(*) AS n FROM dead_letters GROUP BY sink_id',
  dlLatest: 'SELECT body FROM dead_letters WHERE sink_id = ? ORDER BY failed_at DESC LIMIT 1',
  kvGet: 'SELECT value, revision FROM kv WHERE ns = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)',
  kvInsert: 'INSERT OR IGNORE INTO kv (ns, key, value, revision, expires_at) VALUES (?, ?, ?, ?, ?)',
  kvUpdate: 'UPDATE kv SET value = ?, revision = ?, expires_at = ? WHERE ns = ? AND key = ? AND revision = ? AND (expires_at IS NULL OR expires_at > ?)',
  kvUpsert: 'INSERT INTO kv (ns, key, value, revision, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires_at = excluded.expires_at',
  kvDeleteExpired: 'DELETE FROM kv WHERE ns = ? AND key = ? AND expires_at IS NOT NULL AND expires_at <= ?',
  pruneExpired: 'DELETE FROM kv WHERE (ns, key) IN (SELECT ns, key FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT 1000)',
  kvDelete: 'DELETE FROM kv WHERE ns = ? AND key = ?',
  nextRevision: `INSERT INTO counters (name, value) VALUES ('kv_revision', 1)
    ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`,
};
/** What the calls table learns from one event (see sqlite-store.ts `callRow`). */
export interface CallFields {
  source: string; callId: string; at: number; direction: string | null; from: string | null; to: string | null;
  outcome: string | null; answeredBy: string | null; ringSeconds: number | null; talkSeconds: number | null; legs: number | null;
}
/** An event to store: its id, its JSON, and what the calls table learns from it. */
export interface EventRow { id: string; body: string; call?: CallFields }
/** A row of the calls table. */
export interface CallRow {
  source: string; call_id: string; started_at: number; last_at: number; direction: string | null; from_number: string | null;
  to_number: string | null; outcome: string | null; answered_by: string | null; ring_seconds: number | null; talk_seconds: number | null;
  legs: number | null; events: number; change_seq: number;
}
/** The filters of a calls page (see `CallQuery` in the core). */
export interface CallQueryRow {
  source?: string; outcome?: string; number?: string; since?: number; until?: number; limit: number; cursor?: string; changedAfter?: number;
}
const callKey = (source: string, callId: string) => `${source}\n${callId}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stmt = Statement<any[]>;

/** A CAS that lost: thrown inside the op's savepoint so the revision bump is rolled back too. */
export class CasConflict extends Error {}

/**
 * Every storage operation as synchronous SQL on one connection. It runs in the store's worker
 * thread, so the commits (and their fsync) never block the thread that answers webhooks.
 */
export class SqliteEngine {
  readonly db: Db;
  private readonly s: Record<keyof typeof STATEMENTS, Stmt>;
  private seq: number;
  /** Transactions committed (counted by the worker; for tests and diagnostics). */
  commits = 0;
  /** The routing queue: an offset over the event log (routing-log.ts). */
  private readonly routing: RoutingLog;

  constructor(options: EngineOptions) {
    if (options.path !== ':memory:') mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    this.db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
    // A new file gives freed pages back to the file system a little at a time (`incremental_vacuum`
    // after each prune pass), so it shrinks after a burst. It must be set before the first table.
    if ((this.db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get() as { n: number }).n === 0) {
      this.db.pragma('auto_vacuum = INCREMENTAL');
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    // Checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: the hot pages of the queues are copied
    // to the database once per checkpoint, not once per 1000 pages written (measured: +20 % webhooks/s,
    // docs/performance.md); the WAL file is cut back to 64 MB after each checkpoint.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('journal_size_limit = 67108864');
    this.db.exec(SCHEMA_SQL);
    this.db.exec(ROUTING_SCHEMA_SQL);
    // Files from before key expiry: add the column (NULL: never expires).
    if (!(this.db.pragma('table_info(kv)') as { name: string }[]).some((c) => c.name === 'expires_at')) this.db.exec('ALTER TABLE kv ADD COLUMN expires_at INTEGER');
    // Files from before the console: index events by call (older events stay out of call timelines).
    if (!(this.db.pragma('table_info(events)') as { name: string }[]).some((c) => c.name === 'call_key')) this.db.exec('ALTER TABLE events ADD COLUMN call_key TEXT');
    this.db.exec('CREATE INDEX IF NOT EXISTS events_call ON events (call_key, seq) WHERE call_key IS NOT NULL');
    this.s = Object.fromEntries(Object.entries(STATEMENTS).map(([k, v]) => [k, this.db.prepare(v)])) as Record<keyof typeof STATEMENTS, Stmt>;
    this.routing = new RoutingLog(this.db);
    this.db.transaction(() => this.routing.migrate()).immediate();
    this.seq = Number((this.s.maxSeq.get() as { s: number }).s);
  }

  /** Stores new events; the routing log reads them from there in order (no row per event to route). */
  append(_routingQueue: string, events: EventRow[], now: number): { stored: string[]; duplicates: string[] } {
    const out = { stored: [] as string[], duplicates: [] as string[] };
    for (const event of events) {
      const call = event.call;
      const inserted = this.s.insertEvent.run(event.id, event.body, now, call ? callKey(call.source, call.callId) : null);
      if (inserted.changes === 0) { out.duplicates.push(event.id); continue; }
      out.stored.push(event.id);
      if (call) this.s.callUpsert.run({ ...call, seq: Number(inserted.lastInsertRowid) });
    }
    return out;
  }

  /** The events of one call, oldest first. */
  callEvents(source: string, callId: string): string[] {
    return (this.s.callEvents.all(callKey(source, callId)) as { body: string }[]).map((r) => r.body);
  }

  /** One page of calls (see `Store.listCalls`); the cursor is the last row's sort key. */
  listCalls(query: CallQueryRow): { rows: CallRow[]; next?: string; mark: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.source !== undefined) { where.push('source = ?'); params.push(query.source); }
    if (query.outcome === 'in-progress') where.push('outcome IS NULL');
    else if (query.outcome !== undefined) { where.push('outcome = ?'); params.push(query.outcome); }
    if (query.number !== undefined) {
      const like = `%${query.number.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push("(from_number LIKE ? ESCAPE '\\' OR to_number LIKE ? ESCAPE '\\' OR answered_by LIKE ? ESCAPE '\\')");
      params.push(like, like, like);
    }
    if (query.since !== undefined) { where.push('started_at >= ?'); params.push(query.since); }
    if (query.until !== undefined) { where.push('started_at < ?'); params.push(query.until); }
    let order: string;
    if (query.changedAfter !== undefined) {
      where.push('change_seq > ?'); params.push(query.changedAfter);
      order = 'change_seq';
    } else {
      if (query.cursor) {
        const [at, source, callId] = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as [number, string, string];
        where.push('(started_at, source, call_id) < (?, ?, ?)'); params.push(at, source, callId);
      }
      order = 'started_at DESC, source DESC, call_id DESC';
    }
    const sql = `SELECT * FROM calls ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, query.limit + 1) as CallRow[];
    const more = rows.length > query.limit;
    if (more) rows.pop();
    const last = rows.at(-1);
    const next = more && last && query.changedAfter === undefined
      ? Buffer.from(JSON.stringify([last.started_at, last.source, last.call_id])).toString('base64url') : undefined;
    const mark = Number((this.s.maxChange.get() as { m: number | null }).m ?? 0);
    return { rows, mark, ...(next ? { next } : {}) };
  }

  /** Where deliveries are in their queues; ids not (or no longer) in a queue are left out. */
  deliveryStates(items: { queue: string; id: string }[]): { queue: string; id: string; done: number; attempts: number; readyAt: number; replayOf?: string }[] {
    const out = [];
    for (const item of items) {
      const replay = this.s.latestReplay.get(item.queue, item.id, item.id) as { id: string; done: number; attempts: number; ready_at: number } | undefined;
      if (replay) { out.push({ queue: item.queue, id: replay.id, done: replay.done, attempts: replay.attempts, readyAt: Number(replay.ready_at), replayOf: item.id }); continue; }
      const row = this.s.deliveryState.get(item.queue, item.id) as { done: number; attempts: number; ready_at: number } | undefined;
      if (row) out.push({ ...item, done: row.done, attempts: row.attempts, readyAt: Number(row.ready_at) });
    }
    return out;
  }

  getEvent(id: string): string | undefined {
    return (this.s.getEvent.get(id) as { body: string } | undefined)?.body;
  }

  enqueue(queue: string, items: { id: string; payload: string; readyAt: number }[]): void {
    if (queue === ROUTING_QUEUE) throw new Error('the routing queue is fed by append: it reads the event log');
    for (const item of items) this.s.enqueue.run(queue, item.id, ++this.seq, item.payload, item.readyAt);
  }

  claim(queue: string, max: number, leaseMs: number, now: number): ClaimedRow[] {
    if (queue === ROUTING_QUEUE) return this.routing.claim(max, leaseMs, now);
    const token = randomInt(1, 2 ** 47);
    const rows = this.s.claim.all({ queue, now, leaseUntil: now + leaseMs, token, max }) as (ClaimedRow & { seq: number })[];
    rows.sort((a, b) => a.seq - b.seq);
    return rows.map((r) => ({
      id: r.id,
      // An empty payload is a reference to the event of the same id (routing items).
      payload: r.payload === '' ? (this.getEvent(r.id) ?? 'null') : r.payload,
      attempts: r.attempts, deliveries: r.deliveries, token,
    }));
  }

  ack(queue: string, id: string, token: number, now: number): void {
    if (queue === ROUTING_QUEUE) this.routing.ack(id, token);
    else this.s.ack.run({ queue, id, token, now });
  }

  ackMany(queue: string, leases: { id: string; token: number }[], now: number): void {
    for (const lease of leases) this.ack(queue, lease.id, lease.token, now);
  }

  retry(queue: string, id: string, token: number, readyAt: number, countsAsAttempt: boolean): void {
    if (queue === ROUTING_QUEUE) this.routing.retry(id, token, readyAt, countsAsAttempt);
    else this.s.retry.run({ queue, id, token, readyAt, add: countsAsAttempt ? 1 : 0 });
  }

  extend(queue: string, id: string, token: number, leaseUntil: number): void {
    if (queue === ROUTING_QUEUE) this.routing.extend(id, token, leaseUntil);
    else this.s.extend.run({ queue, id, token, leaseUntil });
  }

  depth(queue: string): number {
    if (queue === ROUTING_QUEUE) return this.routing.depth();
    return Number((this.s.depth.get(queue) as { n: number }).n);
  }

  /** Epoch ms since when the oldest unsettled item of a queue has waited, or null when none. */
  oldestWaiting(queue: string): number | null {
    if (queue === ROUTING_QUEUE) return this.routing.oldestWaiting();
    const t = (this.s.oldestWaiting.get(queue) as { t: number | null } | undefined)?.t;
    return t === null || t === undefined ? null : Number(t);
  }

  /** Epoch ms when the earliest waiting or leased item becomes claimable, or null when none. */
  nextReady(queue: string): number | null {
    if (queue === ROUTING_QUEUE) return this.routing.nextReady(Date.now());
    const t = (this.s.nextReady.get(queue) as { t: number | null }).t;
    return t === null ? null : Number(t);
  }

  dlAdd(id: string, sinkId: string, body: string, failedAt: string): void {
    this.s.dlAdd.run(id, sinkId, body, failedAt);
  }
  dlGet(id: string): string | undefined {
    return (this.s.dlGet.get(id) as { body: string } | undefined)?.body;
  }
  dlList(sinkId: string | undefined, limit: number): string[] {
    const rows = (sinkId ? this.s.dlListSink.all(sinkId, limit) : this.s.dlListAll.all(limit)) as { body: string }[];
    return rows.map((r) => r.body);
  }
  dlRemove(id: string): void {
    this.s.dlRemove.run(id);
  }
  /** Per sink: the count and the latest dead letter's body (one index read each). */
  dlSummary(): { sinkId: string; count: number; latest: string }[] {
    return (this.s.dlCounts.all() as { sink_id: string; n: number }[]).map((r) => ({
      sinkId: r.sink_id, count: Number(r.n), latest: (this.s.dlLatest.get(r.sink_id) as { body: string }).body,
    }));
  }

  kvGet(ns: string, key: string): { value: string; revision: number } | undefined {
    const row = this.s.kvGet.get(ns, key, Date.now()) as { value: string; revision: number } | undefined;
    return row ? { value: row.value, revision: Number(row.revision) } : undefined;
  }

  /** Compare-and-set. Revisions come from one counter, so a re-created key never reuses an old one. */
  kvPut(ns: string, key: string, value: string, expectedRevision: number | undefined, ttlMs?: number): number {
    const revision = Number((this.s.nextRevision.get() as { value: number }).value);
    const now = Date.now();
    const expiresAt = ttlMs === undefined ? null : now + ttlMs;
    if (expectedRevision === undefined) {
      this.s.kvUpsert.run(ns, key, value, revision, expiresAt);
      return revision;
    }
    let changes: number;
    if (expectedRevision === 0) {
      // An expired key counts as absent: remove it so that it can be created again.
      this.s.kvDeleteExpired.run(ns, key, now);
      changes = this.s.kvInsert.run(ns, key, value, revision, expiresAt).changes;
    } else {
      changes = this.s.kvUpdate.run(value, revision, expiresAt, ns, key, expectedRevision, now).changes;
    }
    if (changes === 0) throw new CasConflict('revision conflict');
    return revision;
  }

  /**
   * One step of the call tracker: the call's state (compare-and-set), the events it emits and the
   * timers it schedules. The worker runs every operation in its own savepoint, so this is all or
   * nothing: a CAS conflict leaves neither the events nor the timers behind.
   */
  commitCallState(
    ns: string, key: string, value: string, expectedRevision: number,
    routingQueue: string, events: EventRow[],
    timersQueue: string, timers: { id: string; payload: string; readyAt: number }[], now: number,
  ): number {
    const revision = this.kvPut(ns, key, value, expectedRevision);
    this.append(routingQueue, events, now);
    this.enqueue(timersQueue, timers);
    return revision;
  }

  /**
   * One routing batch: every call state (compare-and-set; one conflict fails the whole op, which
   * the worker's savepoint rolls back), the events and timers they bring, every sink's deliveries,
   * and the acknowledgement of the routing leases.
   */
  commitRouting(
    ns: string,
    calls: { key: string; value: string; expectedRevision: number; events: EventRow[]; timers: { id: string; payload: string; readyAt: number }[] }[],
    routingQueue: string, timersQueue: string,
    deliveries: { queue: string; items: { id: string; payload: string; readyAt: number }[] }[],
    acks: { id: string; token: number }[], now: number,
  ): void {
    for (const call of calls) {
      this.kvPut(ns, call.key, call.value, call.expectedRevision);
      this.append(routingQueue, call.events, now);
      this.enqueue(timersQueue, call.timers);
    }
    for (const delivery of deliveries) this.enqueue(delivery.queue, delivery.items);
    for (const ack of acks) this.ack(routingQueue, ack.id, ack.token, now);
  }

  kvGetMany(ns: string, keys: string[]): { key: string; value: string; revision: number }[] {
    const out: { key: string; value: string; revision: number }[] = [];
    for (const key of keys) {
      const row = this.kvGet(ns, key);
      if (row) out.push({ key, ...row });
    }
    return out;
  }

  kvDelete(ns: string, key: string): void {
    this.s.kvDelete.run(ns, key);
  }

  prune(settledBefore: number, eventsBefore: number): number {
    return this.s.pruneSettled.run(settledBefore).changes + this.s.pruneEvents.run(eventsBefore, this.routing.prunableBelow()).changes
      + this.s.pruneExpired.run(Date.now()).changes;
  }

  /** Drops calls rows (the console's index) whose events have all been pruned: 1000 at a time. */
  pruneCalls(before: number): number {
    return this.s.pruneCalls.run(before).changes;
  }

  /** Gives up to `pages` free pages back to the file system (files created with incremental auto-vacuum). */
  vacuumSome(pages: number): void {
    this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
  }

  getCommits(): number {
    return this.commits;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The operations a client may ask of the engine, by name. */
export type EngineOp = {
  [K in keyof SqliteEngine]: SqliteEngine[K] extends (...args: infer A) => unknown ? { op: K; args: A } : never
}[Exclude<keyof SqliteEngine, 'db' | 'close' | 'commits'>];
