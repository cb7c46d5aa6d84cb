import { Worker } from 'node:worker_threads';
import type {
  AppendResult, CallEvent, CallPage, CallQuery, CallRecord, CallStateWrite, DeadLetterSummary, DeliveryState, RoutingCommit, DeadLetter, DeadLetterStore, Delivery, EnqueueItem, KeyValueStore, KvEntry, Lease, Store, TimerPayload, WorkQueue,
} from '@callrelay/core';
import type { CallFields, CallRow, EngineOp, EngineOptions, EventRow } from './engine.js';
import type { Reply } from './worker.js';

export interface SqliteStoreOptions extends EngineOptions {
  /** How often a waiting claimer looks for work written by another process. */
  pollIntervalMs?: number;
  /** How long settled queue items are kept (the window in which enqueuing the same id is a no-op). */
  settledRetentionMs?: number;
  /** How long events stay in the log (and are recognised as duplicates). */
  eventRetentionMs?: number;
}

const ROUTING = '_routing';
const TIMERS = '_timers';
const PRUNE_EVERY_MS = 30_000;

class CasConflictError extends Error {}

const sinkQueue = (sinkId: string) => `sink:${sinkId}`;

const party = (p: CallEvent['from']) => p ? (p.e164 ?? p.extension ?? p.raw) : null;

/** What the calls table learns from an event (read here, where the event is an object, not in the writer thread). */
function eventRow(e: CallEvent): EventRow {
  const decided = e.type === 'missed' || e.type === 'completed';
  const at = Date.parse((decided ? e.startedAt : undefined) ?? e.occurredAt);
  const call: CallFields = {
    source: e.source, callId: e.callId, at: Number.isNaN(at) ? Date.parse(e.receivedAt) || 0 : at,
    direction: e.direction ?? null, from: party(e.from), to: party(e.to),
    outcome: decided ? e.type : null,
    answeredBy: decided ? (e.call?.answeredBy ?? null) : e.type === 'answered' ? party(e.agent) : null,
    ringSeconds: decided ? (e.ringSeconds ?? null) : null, talkSeconds: decided ? (e.talkSeconds ?? null) : null,
    legs: decided ? (e.call?.legs.length ?? null) : null,
  };
  return { id: e.id, body: JSON.stringify(e), call };
}

/** A cursor of `listCalls`: base64url of `[started_at, source, call_id]` (engine.ts). */
function isCursor(cursor: string): boolean {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(key) && key.length === 3 && typeof key[0] === 'number' && typeof key[1] === 'string' && typeof key[2] === 'string';
  } catch {
    return false;
  }
}

function callRecord(r: CallRow): CallRecord {
  const record: CallRecord = {
    source: r.source, callId: r.call_id, startedAt: new Date(r.started_at).toISOString(), lastEventAt: new Date(r.last_at).toISOString(),
    events: r.events, change: r.change_seq,
  };
  if (r.direction !== null) record.direction = r.direction;
  if (r.from_number !== null) record.from = r.from_number;
  if (r.to_number !== null) record.to = r.to_number;
  if (r.outcome !== null) record.outcome = r.outcome;
  if (r.answered_by !== null) record.answeredBy = r.answered_by;
  if (r.ring_seconds !== null) record.ringSeconds = r.ring_seconds;
  if (r.talk_seconds !== null) record.talkSeconds = r.talk_seconds;
  if (r.legs !== null) record.legs = r.legs;
  return record;
}

/**
 * The embedded store: event log, work queues, dead letters and key-value state in one SQLite file
 * (WAL). A worker thread owns the connection and group-commits (see worker.ts); this class is the
 * asynchronous face of it. Several processes may open the same file: work is leased with a token,
 * and waiting claimers poll for work written elsewhere.
 */
export class SqliteStore implements Store {
  readonly routing: WorkQueue<CallEvent>;
  readonly timers: WorkQueue<TimerPayload>;
  readonly deadLetters: DeadLetterStore;
  private readonly worker: Worker;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 0;
  private readonly queues = new Map<string, SqliteWorkQueue<unknown>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly pruneTimer: NodeJS.Timeout;
  private pruning = false;
  private closing?: Promise<void>;
  private failure?: Error;

  /** Opens (creating when missing) the store file; rejects when it cannot be opened as a store. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const store = new SqliteStore(options);
    try {
      await store.call({ op: 'depth', args: [ROUTING] }); // surfaces a file that cannot be opened
    } catch (err) {
      await store.close();
      const code = (err as { code?: string }).code;
      throw Object.assign(new Error(`opening the SQLite store ${options.path}: ${(err as Error).message}`, { cause: err }), code ? { code } : {});
    }
    return store;
  }

  private constructor(readonly options: SqliteStoreOptions) {
    const workerData = { path: options.path, synchronous: options.synchronous, busyTimeoutMs: options.busyTimeoutMs } satisfies EngineOptions;
    if (import.meta.url.endsWith('.ts')) {
      // Running from TypeScript sources (tests under tsx): register tsx inside the thread first.
      const url = new URL('./worker.ts', import.meta.url).href;
      this.worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`, { eval: true, workerData });
    } else {
      this.worker = new Worker(new URL('./worker.js', import.meta.url), { workerData });
    }
    this.worker.on('message', (message: Reply[] | 'closed') => {
      if (message === 'closed') return;
      for (const reply of message) {
        const call = this.calls.get(reply.id);
        if (!call) continue;
        this.calls.delete(reply.id);
        if (reply.ok) call.resolve(reply.value);
        else call.reject(reply.error?.cas ? new CasConflictError(reply.error.message) : Object.assign(new Error(`sqlite store: ${reply.error?.message}`), { code: reply.error?.code }));
      }
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => { if (!this.closing) this.fail(new Error(`sqlite store worker exited with code ${code}`)); });
    this.worker.unref();
    this.routing = this.queue<CallEvent>(ROUTING);
    this.timers = this.queue<TimerPayload>(TIMERS);
    this.deadLetters = new SqliteDeadLetters(this);
    this.pruneTimer = setInterval(() => void this.prune().catch(() => undefined), PRUNE_EVERY_MS).unref();
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
  }

  /** Runs one engine operation in the writer thread (joining its next transaction). */
  call<T = unknown>(call: EngineOp): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('the SQLite store is closed'));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.calls.size === 1) this.worker.ref();
      this.worker.postMessage({ id, call });
    }).finally(() => { if (this.calls.size === 0) this.worker.unref(); });
  }

  async append(events: readonly CallEvent[]): Promise<AppendResult> {
    const result = await this.call<AppendResult>({ op: 'append', args: [ROUTING, events.map(eventRow), Date.now()] });
    if (result.stored.length) this.wake(ROUTING);
    return result;
  }

  async commitCallState(namespace: string, write: CallStateWrite): Promise<number | false> {
    const now = Date.now();
    let revision: number;
    try {
      revision = await this.call<number>({ op: 'commitCallState', args: [
        namespace, write.key, JSON.stringify(write.value), write.expectedRevision,
        ROUTING, write.events.map(eventRow),
        TIMERS, write.timers.map((t) => ({ id: t.id, payload: JSON.stringify(t.payload), readyAt: t.notBefore ?? now })), now,
      ] });
    } catch (err) {
      if (err instanceof CasConflictError) return false;
      throw err;
    }
    if (write.events.length) this.wake(ROUTING);
    if (write.timers.length) this.wake(TIMERS);
    return revision;
  }

  async commitRouting(commit: RoutingCommit): Promise<boolean> {
    const now = Date.now();
    const stamp = (readyAt: number | undefined) => readyAt ?? now;
    try {
      await this.call({ op: 'commitRouting', args: [
        commit.namespace,
        commit.calls.map((c) => ({
          key: c.key, value: JSON.stringify(c.value), expectedRevision: c.expectedRevision,
          events: c.events.map(eventRow),
          timers: c.timers.map((t) => ({ id: t.id, payload: JSON.stringify(t.payload), readyAt: stamp(t.notBefore) })),
        })),
        ROUTING, TIMERS,
        commit.deliveries.map((d) => ({ queue: sinkQueue(d.sinkId), items: d.items.map((i) => ({ id: i.id, payload: JSON.stringify(i.payload), readyAt: stamp(i.notBefore) })) })),
        commit.acks.map((lease) => ({ id: lease.id, token: (lease.handle as Handle).token })), now,
      ] });
    } catch (err) {
      if (err instanceof CasConflictError) return false;
      throw err;
    }
    if (commit.calls.some((c) => c.events.length)) this.wake(ROUTING);
    if (commit.calls.some((c) => c.timers.length)) this.wake(TIMERS);
    for (const d of commit.deliveries) if (d.items.length) this.wake(sinkQueue(d.sinkId));
    return true;
  }

  deliveries(sinkId: string): WorkQueue<Delivery> {
    return this.queue<Delivery>(sinkQueue(sinkId));
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
    const body = await this.call<string | undefined>({ op: 'getEvent', args: [id] });
    return body === undefined ? undefined : (JSON.parse(body) as CallEvent);
  }

  async listCalls(query: CallQuery): Promise<CallPage> {
    if (query.cursor !== undefined && !isCursor(query.cursor)) throw new RangeError('cursor: not a cursor of this store');
    const page = await this.call<{ rows: CallRow[]; next?: string; mark: number }>({ op: 'listCalls', args: [{ ...query }] });
    return { calls: page.rows.map(callRecord), mark: page.mark, ...(page.next ? { next: page.next } : {}) };
  }

  async callEvents(source: string, callId: string): Promise<CallEvent[]> {
    return (await this.call<string[]>({ op: 'callEvents', args: [source, callId] })).map((b) => JSON.parse(b) as CallEvent);
  }

  async deliveryStates(items: readonly { sinkId: string; id: string }[]): Promise<DeliveryState[]> {
    const rows = await this.call<{ queue: string; id: string; done: number; attempts: number; readyAt: number; replayOf?: string }[]>(
      { op: 'deliveryStates', args: [items.map((i) => ({ queue: sinkQueue(i.sinkId), id: i.id }))] });
    return rows.map((r) => ({
      sinkId: r.queue.slice('sink:'.length), id: r.id, attempts: r.attempts,
      state: r.done ? 'delivered' : r.attempts > 0 ? 'retrying' : 'queued',
      ...(r.done ? {} : { nextAttemptAt: r.readyAt }), ...(r.replayOf ? { replayOf: r.replayOf } : {}),
    } satisfies DeliveryState));
  }

  /** Transactions committed so far (group commit makes this much smaller than the operations). */
  commits(): Promise<number> {
    return this.call<number>({ op: 'getCommits', args: [] });
  }

  onWork(queue: string, waiter: () => void): () => void {
    let set = this.waiters.get(queue);
    if (!set) this.waiters.set(queue, (set = new Set()));
    set.add(waiter);
    return () => set!.delete(waiter);
  }

  wake(queue: string): void {
    for (const waiter of [...(this.waiters.get(queue) ?? [])]) waiter();
  }

  /**
   * Drops settled queue items and old events, 1000 rows per operation so that webhooks' writes go
   * in between, until none is left: run every 30 s, it keeps pace with any rate the node can ingest
   * (the earlier cap of 100k rows per 10 minutes fell behind above ~40 webhooks/s). Then gives
   * freed pages back to the file system, a few MB per pass.
   */
  async prune(now = Date.now()): Promise<number> {
    if (this.pruning) return 0;
    this.pruning = true;
    try {
      const settledBefore = now - (this.options.settledRetentionMs ?? 7 * 86_400_000);
      const eventsBefore = now - (this.options.eventRetentionMs ?? 30 * 86_400_000);
      let removed = 0;
      for (;;) {
        if (this.closing) break;
        const n = await this.call<number>({ op: 'prune', args: [settledBefore, eventsBefore] });
        // The console's calls rows go with the last of their events (not counted: rows of the log only).
        const calls = await this.call<number>({ op: 'pruneCalls', args: [eventsBefore] });
        removed += n;
        if (n === 0 && calls === 0) break;
      }
      if (removed > 0 && !this.closing) await this.call({ op: 'vacuumSome', args: [2048] });
      return removed;
    } finally {
      this.pruning = false;
    }
  }

  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.pruneTimer);
      for (const set of this.waiters.values()) for (const waiter of set) waiter();
      // Pending operations are flushed by the worker before it closes the connection.
      const closed = new Promise<void>((resolve) => {
        const onMessage = (m: unknown) => { if (m === 'closed') { this.worker.off('message', onMessage); resolve(); } };
        this.worker.on('message', onMessage);
        this.worker.once('exit', () => resolve());
      });
      if (!this.failure) {
        this.worker.ref();
        this.worker.postMessage('close');
        await closed;
      }
      await this.worker.terminate();
    })();
    return this.closing;
  }
}

interface Handle { token: number }

/** One named queue in the shared `queue_items` table. */
class SqliteWorkQueue<T> implements WorkQueue<T> {
  constructor(private readonly store: SqliteStore, private readonly name: string) {}

  async enqueue(items: readonly EnqueueItem<T>[]): Promise<void> {
    if (!items.length) return;
    const now = Date.now();
    await this.store.call({ op: 'enqueue', args: [this.name, items.map((i) => ({ id: i.id, payload: JSON.stringify(i.payload), readyAt: i.notBefore ?? now }))] });
    this.store.wake(this.name);
  }

  async claim(max: number, options: { leaseMs: number; waitMs: number; signal?: AbortSignal }): Promise<Lease<T>[]> {
    const deadline = Date.now() + options.waitMs;
    const poll = this.store.options.pollIntervalMs ?? 200;
    for (;;) {
      if (this.store.isClosed) return [];
      // Register before claiming so a wake-up between the claim and the wait is not missed.
      let woken = false;
      const off = this.store.onWork(this.name, () => { woken = true; });
      const rows = await this.store.call<{ id: string; payload: string; attempts: number; deliveries: number; token: number }[]>(
        { op: 'claim', args: [this.name, max, options.leaseMs, Date.now()] });
      off();
      const now = Date.now();
      if (rows.length || now >= deadline || options.signal?.aborted) {
        return rows.map((r) => ({ id: r.id, payload: JSON.parse(r.payload) as T, attempts: r.attempts, deliveries: r.deliveries, handle: { token: r.token } satisfies Handle }));
      }
      if (woken) continue;
      // Sleep until local work arrives, the earliest waiting item becomes ready, or the poll interval
      // passes (work written by another process), whichever is first.
      const next = await this.store.call<number | null>({ op: 'nextReady', args: [this.name] });
      const wait = Math.max(1, Math.min(deadline - Date.now(), poll, next !== null ? next - Date.now() : Infinity));
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(timer); stop(); options.signal?.removeEventListener('abort', done); resolve(); };
        const timer = setTimeout(done, wait);
        const stop = this.store.onWork(this.name, done);
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  async ack(lease: Lease<T>): Promise<void> {
    await this.store.call({ op: 'ack', args: [this.name, lease.id, (lease.handle as Handle).token, Date.now()] });
  }

  async ackMany(leases: readonly Lease<T>[]): Promise<void> {
    if (!leases.length) return;
    await this.store.call({ op: 'ackMany', args: [this.name, leases.map((l) => ({ id: l.id, token: (l.handle as Handle).token })), Date.now()] });
  }

  async retry(lease: Lease<T>, options: { delayMs: number; countsAsAttempt?: boolean }): Promise<void> {
    await this.store.call({ op: 'retry', args: [this.name, lease.id, (lease.handle as Handle).token, Date.now() + Math.max(0, options.delayMs), options.countsAsAttempt !== false] });
    this.store.wake(this.name);
  }

  async extend(lease: Lease<T>, leaseMs: number): Promise<void> {
    await this.store.call({ op: 'extend', args: [this.name, lease.id, (lease.handle as Handle).token, Date.now() + leaseMs] });
  }

  depth(): Promise<number> {
    return this.store.call<number>({ op: 'depth', args: [this.name] });
  }

  async oldestWaiting(): Promise<number | undefined> {
    return (await this.store.call<number | null>({ op: 'oldestWaiting', args: [this.name] })) ?? undefined;
  }
}

class SqliteDeadLetters implements DeadLetterStore {
  constructor(private readonly store: SqliteStore) {}
  async add(letter: DeadLetter): Promise<void> {
    await this.store.call({ op: 'dlAdd', args: [letter.id, letter.sinkId, JSON.stringify(letter), letter.failedAt] });
  }
  async list(filter: { sinkId?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const rows = await this.store.call<string[]>({ op: 'dlList', args: [filter.sinkId, filter.limit ?? 1_000_000] });
    return rows.map((r) => JSON.parse(r) as DeadLetter);
  }
  async get(id: string): Promise<DeadLetter | undefined> {
    const body = await this.store.call<string | undefined>({ op: 'dlGet', args: [id] });
    return body === undefined ? undefined : (JSON.parse(body) as DeadLetter);
  }
  async remove(id: string): Promise<void> {
    await this.store.call({ op: 'dlRemove', args: [id] });
  }
  async summary(): Promise<DeadLetterSummary[]> {
    const rows = await this.store.call<{ sinkId: string; count: number; latest: string }[]>({ op: 'dlSummary', args: [] });
    return rows.map((r) => ({ sinkId: r.sinkId, count: r.count, latest: JSON.parse(r.latest) as DeadLetter }));
  }
}

class SqliteKeyValueStore implements KeyValueStore {
  constructor(private readonly store: SqliteStore, private readonly ns: string) {}
  async get<T>(key: string): Promise<KvEntry<T> | undefined> {
    const row = await this.store.call<{ value: string; revision: number } | undefined>({ op: 'kvGet', args: [this.ns, key] });
    return row ? { value: JSON.parse(row.value) as T, revision: row.revision } : undefined;
  }
  async getMany<T>(keys: readonly string[]): Promise<Map<string, KvEntry<T>>> {
    const rows = await this.store.call<{ key: string; value: string; revision: number }[]>({ op: 'kvGetMany', args: [this.ns, [...keys]] });
    return new Map(rows.map((r) => [r.key, { value: JSON.parse(r.value) as T, revision: r.revision }]));
  }
  async put<T>(key: string, value: T, expectedRevision?: number, options: { ttlMs?: number } = {}): Promise<number | false> {
    try {
      return await this.store.call<number>({ op: 'kvPut', args: [this.ns, key, JSON.stringify(value), expectedRevision, options.ttlMs] });
    } catch (err) {
      if (err instanceof CasConflictError) return false;
      throw err;
    }
  }
  async delete(key: string): Promise<void> {
    await this.store.call({ op: 'kvDelete', args: [this.ns, key] });
  }
}
