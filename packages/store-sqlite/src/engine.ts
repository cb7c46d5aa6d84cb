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
  insertEvent: 'INSERT OR IGNORE INTO events (id, body, stored_at) VALUES (?, ?, ?)',
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
    this.s = Object.fromEntries(Object.entries(STATEMENTS).map(([k, v]) => [k, this.db.prepare(v)])) as Record<keyof typeof STATEMENTS, Stmt>;
    this.routing = new RoutingLog(this.db);
    this.db.transaction(() => this.routing.migrate()).immediate();
    this.seq = Number((this.s.maxSeq.get() as { s: number }).s);
  }

  /** Stores new events; the routing log reads them from there in order (no row per event to route). */
  append(_routingQueue: string, events: { id: string; body: string }[], now: number): { stored: string[]; duplicates: string[] } {
    const out = { stored: [] as string[], duplicates: [] as string[] };
    for (const event of events) {
      if (this.s.insertEvent.run(event.id, event.body, now).changes === 0) out.duplicates.push(event.id);
      else out.stored.push(event.id);
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
    routingQueue: string, events: { id: string; body: string }[],
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
    calls: { key: string; value: string; expectedRevision: number; events: { id: string; body: string }[]; timers: { id: string; payload: string; readyAt: number }[] }[],
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
