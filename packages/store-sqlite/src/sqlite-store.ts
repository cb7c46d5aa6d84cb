import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type {
  AppendResult, CallEvent, DeadLetter, DeadLetterStore, Delivery, EnqueueItem, KeyValueStore, KvEntry, Lease, Store, TimerPayload, WorkQueue,
} from '@callrelay/core';
import { SCHEMA_SQL } from './schema.js';
import { WriteBatcher } from './write-batcher.js';

export interface SqliteStoreOptions {
  /** Database file. */
  path: string;
  /** `full`: every commit is fsynced (nothing acknowledged is lost on power loss); `normal`: faster, may lose the last commits on power loss (not on a process crash). */
  synchronous?: 'full' | 'normal';
  busyTimeoutMs?: number;
  /** How often a waiting claimer looks for work written by another process. */
  pollIntervalMs?: number;
  /** How long settled queue items are kept (the window in which enqueuing the same id is a no-op). */
  settledRetentionMs?: number;
  /** How long events stay in the log (and are recognised as duplicates). */
  eventRetentionMs?: number;
}

const ROUTING = '_routing';
const TIMERS = '_timers';
const PRUNE_EVERY_MS = 10 * 60_000;

type Waiter = () => void;

/**
 * The embedded store: event log, work queues, dead letters and key-value state in one SQLite file
 * (WAL). Writes are group-committed by {@link WriteBatcher}. Several processes may open the same
 * file: work is leased with a token, and waiting claimers poll for work written elsewhere.
 */
export class SqliteStore implements Store {
  readonly routing: WorkQueue<CallEvent>;
  readonly timers: WorkQueue<TimerPayload>;
  readonly deadLetters: DeadLetterStore;
  readonly db: Db;
  readonly writes: WriteBatcher;
  private readonly queues = new Map<string, SqliteWorkQueue<unknown>>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly pruneTimer: NodeJS.Timeout;
  private closed = false;
  private seq = 0;
  readonly stmts: Record<StatementName, Stmt>;

  static open(options: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(options);
  }

  private constructor(readonly options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    this.db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.exec(SCHEMA_SQL);
    this.stmts = prepare(this.db);
    this.seq = Number((this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM queue_items').get() as { s: number }).s);
    this.writes = new WriteBatcher(this.db);
    this.routing = this.queue<CallEvent>(ROUTING);
    this.timers = this.queue<TimerPayload>(TIMERS);
    this.deadLetters = new SqliteDeadLetters(this);
    this.pruneTimer = setInterval(() => void this.prune().catch(() => undefined), PRUNE_EVERY_MS).unref();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  async append(events: readonly CallEvent[]): Promise<AppendResult> {
    this.assertOpen();
    const now = Date.now();
    const bodies = events.map((e) => JSON.stringify(e));
    const result = await this.writes.run(() => {
      const out: AppendResult = { stored: [], duplicates: [] };
      events.forEach((event, i) => {
        if (this.stmts.insertEvent.run(event.id, bodies[i], now).changes === 0) {
          out.duplicates.push(event.id);
          return;
        }
        out.stored.push(event.id);
        // In the same transaction: a stored event is always on the routing queue.
        this.stmts.enqueue.run(ROUTING, event.id, this.nextSeq(), bodies[i], now);
      });
      return out;
    });
    if (result.stored.length) this.wake(ROUTING);
    return result;
  }

  deliveries(sinkId: string): WorkQueue<Delivery> {
    return this.queue<Delivery>(`sink:${sinkId}`);
  }

  private queue<T>(name: string): WorkQueue<T> {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new SqliteWorkQueue<unknown>(this, name)));
    return queue as WorkQueue<T>;
  }

  kv(namespace: string): KeyValueStore {
    return new SqliteKeyValueStore(this, namespace);
  }

  async getEvent(id: string): Promise<CallEvent | undefined> {
    this.assertOpen();
    const row = this.stmts.getEvent.get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as CallEvent) : undefined;
  }

  /** Registers a claimer waiting for work on a queue. */
  onWork(queue: string, waiter: Waiter): () => void {
    let set = this.waiters.get(queue);
    if (!set) this.waiters.set(queue, (set = new Set()));
    set.add(waiter);
    return () => set!.delete(waiter);
  }

  wake(queue: string): void {
    for (const waiter of [...(this.waiters.get(queue) ?? [])]) waiter();
  }

  /** Drops settled queue items and old events in small batches. */
  async prune(now = Date.now()): Promise<void> {
    const settledBefore = now - (this.options.settledRetentionMs ?? 7 * 86_400_000);
    const eventsBefore = now - (this.options.eventRetentionMs ?? 30 * 86_400_000);
    for (let i = 0; i < 100; i++) {
      const changed = await this.writes.run(() =>
        this.stmts.pruneSettled.run(settledBefore).changes + this.stmts.pruneEvents.run(eventsBefore).changes);
      if (changed === 0) break;
    }
  }

  assertOpen(): void {
    if (this.closed) throw new Error('the SQLite store is closed');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writes.flush();
    this.closed = true;
    clearInterval(this.pruneTimer);
    for (const set of this.waiters.values()) for (const waiter of set) waiter();
    this.db.close();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stmt = Statement<any[]>;

function prepare(db: Db): Record<StatementName, Stmt> {
  const sql = STATEMENTS;
  return Object.fromEntries(Object.entries(sql).map(([k, v]) => [k, db.prepare(v)])) as Record<StatementName, Stmt>;
}

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
    extend: `UPDATE queue_items SET ready_at = @leaseUntil WHERE queue = @queue AND id = @id AND lease_token = @token AND done = 0`,
    depth: 'SELECT COUNT(*) AS n FROM queue_items WHERE queue = ? AND done = 0',
    nextReady: 'SELECT MIN(ready_at) AS t FROM queue_items WHERE queue = ? AND done = 0',
    pruneSettled: 'DELETE FROM queue_items WHERE (queue, id) IN (SELECT queue, id FROM queue_items WHERE done = 1 AND settled_at < ? LIMIT 1000)',
    pruneEvents: 'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE stored_at < ? LIMIT 1000)',
    dlAdd: 'INSERT OR REPLACE INTO dead_letters (id, sink_id, body, failed_at) VALUES (?, ?, ?, ?)',
    dlGet: 'SELECT body FROM dead_letters WHERE id = ?',
    dlListAll: 'SELECT body FROM dead_letters ORDER BY failed_at LIMIT ?',
    dlListSink: 'SELECT body FROM dead_letters WHERE sink_id = ? ORDER BY failed_at LIMIT ?',
    dlRemove: 'DELETE FROM dead_letters WHERE id = ?',
    kvGet: 'SELECT value, revision FROM kv WHERE ns = ? AND key = ?',
    kvInsert: 'INSERT OR IGNORE INTO kv (ns, key, value, revision) VALUES (?, ?, ?, ?)',
    kvUpdate: 'UPDATE kv SET value = ?, revision = ? WHERE ns = ? AND key = ? AND revision = ?',
    kvUpsert: 'INSERT INTO kv (ns, key, value, revision) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, revision = excluded.revision',
    kvDelete: 'DELETE FROM kv WHERE ns = ? AND key = ?',
    nextRevision: `INSERT INTO counters (name, value) VALUES ('kv_revision', 1)
      ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`,
};
type StatementName = keyof typeof STATEMENTS;

interface Handle { token: number }

/** One named queue in the shared `queue_items` table. */
class SqliteWorkQueue<T> implements WorkQueue<T> {
  constructor(private readonly store: SqliteStore, private readonly name: string) {}

  async enqueue(items: readonly EnqueueItem<T>[]): Promise<void> {
    this.store.assertOpen();
    if (!items.length) return;
    const now = Date.now();
    const rows = items.map((item) => [item.id, JSON.stringify(item.payload), item.notBefore ?? now] as const);
    await this.store.writes.run(() => {
      for (const [id, payload, readyAt] of rows) this.store.stmts.enqueue.run(this.name, id, this.store.nextSeq(), payload, readyAt);
    });
    this.store.wake(this.name);
  }

  async claim(max: number, options: { leaseMs: number; waitMs: number; signal?: AbortSignal }): Promise<Lease<T>[]> {
    const deadline = Date.now() + options.waitMs;
    const poll = this.store.options.pollIntervalMs ?? 200;
    for (;;) {
      if (this.store.isClosed) return [];
      const leases = await this.tryClaim(max, options.leaseMs);
      const now = Date.now();
      if (leases.length || now >= deadline || options.signal?.aborted) return leases;
      // Sleep until local work arrives, the earliest waiting item becomes ready, or the poll interval
      // passes (work written by another process), whichever is first.
      const next = (this.store.stmts.nextReady.get(this.name) as { t: number | null }).t;
      const wait = Math.max(1, Math.min(deadline - now, poll, next !== null ? next - now : Infinity));
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(timer); off(); options.signal?.removeEventListener('abort', done); resolve(); };
        const timer = setTimeout(done, wait);
        const off = this.store.onWork(this.name, done);
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private tryClaim(max: number, leaseMs: number): Promise<Lease<T>[]> {
    return this.store.writes.run(() => {
      const now = Date.now();
      const token = randomInt(1, 2 ** 47);
      const rows = this.store.stmts.claim.all({ queue: this.name, now, leaseUntil: now + leaseMs, token, max }) as
        { id: string; payload: string; attempts: number; deliveries: number; seq: number }[];
      rows.sort((a, b) => a.seq - b.seq);
      return rows.map((row) => ({
        id: row.id, payload: JSON.parse(row.payload) as T, attempts: row.attempts, deliveries: row.deliveries, handle: { token } satisfies Handle,
      }));
    });
  }

  async ack(lease: Lease<T>): Promise<void> {
    this.store.assertOpen();
    const { token } = lease.handle as Handle;
    await this.store.writes.run(() => this.store.stmts.ack.run({ queue: this.name, id: lease.id, token, now: Date.now() }));
  }

  async retry(lease: Lease<T>, options: { delayMs: number; countsAsAttempt?: boolean }): Promise<void> {
    this.store.assertOpen();
    const { token } = lease.handle as Handle;
    await this.store.writes.run(() => this.store.stmts.retry.run({
      queue: this.name, id: lease.id, token, readyAt: Date.now() + Math.max(0, options.delayMs), add: options.countsAsAttempt === false ? 0 : 1,
    }));
    this.store.wake(this.name);
  }

  async extend(lease: Lease<T>, leaseMs: number): Promise<void> {
    const { token } = lease.handle as Handle;
    await this.store.writes.run(() => this.store.stmts.extend.run({ queue: this.name, id: lease.id, token, leaseUntil: Date.now() + leaseMs }));
  }

  async depth(): Promise<number> {
    this.store.assertOpen();
    return Number((this.store.stmts.depth.get(this.name) as { n: number }).n);
  }
}

class SqliteDeadLetters implements DeadLetterStore {
  constructor(private readonly store: SqliteStore) {}
  async add(letter: DeadLetter): Promise<void> {
    this.store.assertOpen();
    const body = JSON.stringify(letter);
    await this.store.writes.run(() => this.store.stmts.dlAdd.run(letter.id, letter.sinkId, body, letter.failedAt));
  }
  async list(filter: { sinkId?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    this.store.assertOpen();
    const limit = filter.limit ?? 1_000_000;
    const rows = (filter.sinkId ? this.store.stmts.dlListSink.all(filter.sinkId, limit) : this.store.stmts.dlListAll.all(limit)) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as DeadLetter);
  }
  async get(id: string): Promise<DeadLetter | undefined> {
    this.store.assertOpen();
    const row = this.store.stmts.dlGet.get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as DeadLetter) : undefined;
  }
  async remove(id: string): Promise<void> {
    this.store.assertOpen();
    await this.store.writes.run(() => this.store.stmts.dlRemove.run(id));
  }
}

class SqliteKeyValueStore implements KeyValueStore {
  constructor(private readonly store: SqliteStore, private readonly ns: string) {}
  async get<T>(key: string): Promise<KvEntry<T> | undefined> {
    this.store.assertOpen();
    const row = this.store.stmts.kvGet.get(this.ns, key) as { value: string; revision: number } | undefined;
    return row ? { value: JSON.parse(row.value) as T, revision: Number(row.revision) } : undefined;
  }
  async put<T>(key: string, value: T, expectedRevision?: number): Promise<number | false> {
    this.store.assertOpen();
    const text = JSON.stringify(value);
    return this.store.writes.run(() => {
      // Revisions come from one counter, so a deleted and re-created key never reuses an old revision.
      const revision = Number((this.store.stmts.nextRevision.get() as { value: number }).value);
      if (expectedRevision === undefined) {
        this.store.stmts.kvUpsert.run(this.ns, key, text, revision);
        return revision;
      }
      const changes = expectedRevision === 0
        ? this.store.stmts.kvInsert.run(this.ns, key, text, revision).changes
        : this.store.stmts.kvUpdate.run(text, revision, this.ns, key, expectedRevision).changes;
      if (changes === 0) throw new CasConflict();
      return revision;
    }).catch((err: unknown) => {
      if (err instanceof CasConflict) return false as const;
      throw err;
    });
  }
  async delete(key: string): Promise<void> {
    this.store.assertOpen();
    await this.store.writes.run(() => this.store.stmts.kvDelete.run(this.ns, key));
  }
}

/** Thrown inside the savepoint so that the revision counter bump is rolled back too. */
class CasConflict extends Error {}
