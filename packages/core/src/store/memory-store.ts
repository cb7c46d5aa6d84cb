/**
 * `@callrelay/core/memory-store`: a {@link Store} in memory, for tests, embedders and `callrelay test`.
 * An entry of its own so that a connector's tests (through `@callrelay/testkit`) use it without the
 * host's types; `@callrelay/core/host` re-exports it.
 */
import type { CallEvent } from '../model/call-event.js';
import type {
  AppendResult, CallStateWrite, RoutingCommit, DeadLetter, DeadLetterStore, Delivery, EnqueueItem, KeyValueStore, KvEntry, Lease, Store, TimerPayload, WorkQueue,
} from './store.js';

/** A {@link KeyValueStore} in memory, with the same compare-and-set semantics as the real stores. */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, KvEntry<unknown> & { expiresAt?: number }>();
  private revision = 0;
  private live(key: string): (KvEntry<unknown> & { expiresAt?: number }) | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
  async get<T>(key: string): Promise<KvEntry<T> | undefined> {
    const entry = this.live(key);
    return entry ? ({ value: structuredClone(entry.value), revision: entry.revision } as KvEntry<T>) : undefined;
  }
  async put<T>(key: string, value: T, expectedRevision?: number, options: { ttlMs?: number } = {}): Promise<number | false> {
    const current = this.live(key);
    if (expectedRevision !== undefined && (current?.revision ?? 0) !== expectedRevision) return false;
    const revision = ++this.revision;
    this.entries.set(key, { value: structuredClone(value), revision, ...(options.ttlMs !== undefined ? { expiresAt: Date.now() + options.ttlMs } : {}) });
    return revision;
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}


interface Item<T> { id: string; payload: T; notBefore: number; leaseUntil: number; token: number; attempts: number; deliveries: number }

/** A {@link WorkQueue} in memory with the same lease semantics as the durable stores. */
export class MemoryWorkQueue<T> implements WorkQueue<T> {
  private readonly items = new Map<string, Item<T>>();
  private readonly settled = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private tokens = 0;

  /** `now`: the clock due times and leases are read on (an embedder's fake clock); waiting is in real time. */
  constructor(private readonly now: () => number = () => Date.now()) {}

  async enqueue(items: readonly EnqueueItem<T>[]): Promise<void> {
    for (const item of items) {
      if (this.items.has(item.id) || this.settled.has(item.id)) continue;
      this.items.set(item.id, { id: item.id, payload: structuredClone(item.payload), notBefore: item.notBefore ?? 0, leaseUntil: 0, token: 0, attempts: 0, deliveries: 0 });
    }
    this.wake();
  }

  async claim(max: number, options: { leaseMs: number; waitMs: number; signal?: AbortSignal }): Promise<Lease<T>[]> {
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const now = this.now();
      const ready = [...this.items.values()].filter((i) => i.notBefore <= now && i.leaseUntil <= now).slice(0, max);
      if (ready.length || Date.now() >= deadline || options.signal?.aborted) {
        return ready.map((item) => {
          item.leaseUntil = now + options.leaseMs;
          item.token = ++this.tokens;
          item.deliveries += 1;
          return { id: item.id, payload: structuredClone(item.payload), attempts: item.attempts, deliveries: item.deliveries, handle: item.token };
        });
      }
      const next = Math.min(...[...this.items.values()].map((i) => Math.max(i.notBefore, i.leaseUntil)).filter((t) => t > now));
      const waitMs = Math.max(1, Math.min(deadline - Date.now(), next - now));
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(timer); this.waiters.delete(done); options.signal?.removeEventListener('abort', done); resolve(); };
        const timer = setTimeout(done, waitMs);
        this.waiters.add(done);
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private current(lease: Lease<T>): Item<T> | undefined {
    const item = this.items.get(lease.id);
    return item && item.token === lease.handle ? item : undefined;
  }

  async ack(lease: Lease<T>): Promise<void> {
    if (!this.current(lease)) return;
    this.items.delete(lease.id);
    this.settled.add(lease.id);
  }

  async retry(lease: Lease<T>, options: { delayMs: number; countsAsAttempt?: boolean }): Promise<void> {
    const item = this.current(lease);
    if (!item) return;
    item.leaseUntil = 0;
    item.token = 0;
    item.notBefore = this.now() + options.delayMs;
    if (options.countsAsAttempt !== false) item.attempts += 1;
    this.wake();
  }

  async extend(lease: Lease<T>, leaseMs: number): Promise<void> {
    const item = this.current(lease);
    if (item) item.leaseUntil = this.now() + leaseMs;
  }

  async depth(): Promise<number> {
    return this.items.size;
  }

  /** The earliest `notBefore` of the items not yet settled (for tests that run on a manual clock). */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const item of this.items.values()) if (next === undefined || item.notBefore < next) next = item.notBefore;
    return next;
  }

  /** Takes and settles every item due at `now` on a manual clock, in due order. */
  takeDue(now: number): T[] {
    const due = [...this.items.values()].filter((i) => i.notBefore <= now).sort((a, b) => a.notBefore - b.notBefore);
    for (const item of due) {
      this.items.delete(item.id);
      this.settled.add(item.id);
    }
    return due.map((item) => item.payload);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

class MemoryDeadLetters implements DeadLetterStore {
  private readonly letters = new Map<string, DeadLetter>();
  async add(letter: DeadLetter): Promise<void> { this.letters.set(letter.id, structuredClone(letter)); }
  async list(filter: { sinkId?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    return [...this.letters.values()].filter((l) => !filter.sinkId || l.sinkId === filter.sinkId).slice(0, filter.limit ?? Infinity);
  }
  async get(id: string): Promise<DeadLetter | undefined> { return this.letters.get(id); }
  async remove(id: string): Promise<void> { this.letters.delete(id); }
}

/**
 * A {@link Store} in memory: for unit tests of sources, sinks and pipelines. Not durable; the
 * real stores (`@callrelay/store-sqlite`, `@callrelay/bus-nats`) run the same contract suite.
 * `events` exposes the log so tests can assert what was stored.
 */
export class MemoryStore implements Store {
  readonly events = new Map<string, CallEvent>();
  readonly routing: MemoryWorkQueue<CallEvent>;
  readonly timers: MemoryWorkQueue<TimerPayload>;
  readonly deadLetters: DeadLetterStore = new MemoryDeadLetters();
  private readonly queues = new Map<string, MemoryWorkQueue<Delivery>>();
  private readonly namespaces = new Map<string, MemoryKeyValueStore>();
  /** When set, `append` rejects with it (to test a store outage). */
  failAppendWith?: Error;
  private readonly now: () => number;

  /** `now`: the clock queue due times are read on, e.g. the node's `TOKENS.Clock` (default: real time). */
  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => Date.now());
    this.routing = new MemoryWorkQueue<CallEvent>(this.now);
    this.timers = new MemoryWorkQueue<TimerPayload>(this.now);
  }

  async append(events: readonly CallEvent[]): Promise<AppendResult> {
    if (this.failAppendWith) throw this.failAppendWith;
    const result: AppendResult = { stored: [], duplicates: [] };
    for (const event of events) {
      if (this.events.has(event.id)) { result.duplicates.push(event.id); continue; }
      this.events.set(event.id, structuredClone(event));
      result.stored.push(event.id);
    }
    await this.routing.enqueue(events.filter((e) => result.stored.includes(e.id)).map((e) => ({ id: e.id, payload: e })));
    return result;
  }
  deliveries(sinkId: string): WorkQueue<Delivery> {
    let queue = this.queues.get(sinkId);
    if (!queue) this.queues.set(sinkId, (queue = new MemoryWorkQueue<Delivery>(this.now)));
    return queue;
  }
  kv(namespace: string): KeyValueStore {
    let kv = this.namespaces.get(namespace);
    if (!kv) this.namespaces.set(namespace, (kv = new MemoryKeyValueStore()));
    return kv;
  }
  async getEvent(id: string): Promise<CallEvent | undefined> { return this.events.get(id); }
  /** Atomic like the SQLite store's: nothing is written when any call state's revision changed. */
  async commitRouting(commit: RoutingCommit): Promise<boolean> {
    const kv = this.kv(commit.namespace);
    for (const call of commit.calls) {
      const current = await kv.get(call.key);
      if ((current?.revision ?? 0) !== call.expectedRevision) return false;
    }
    for (const call of commit.calls) {
      await kv.put(call.key, call.value, call.expectedRevision);
      await this.append(call.events);
      await this.timers.enqueue(call.timers);
    }
    for (const { sinkId, items } of commit.deliveries) await this.deliveries(sinkId).enqueue(items);
    for (const lease of commit.acks) await this.routing.ack(lease);
    return true;
  }

  /** Atomic like the SQLite store's: nothing is written on a revision conflict. */
  async commitCallState(namespace: string, write: CallStateWrite): Promise<number | false> {
    const revision = await this.kv(namespace).put(write.key, write.value, write.expectedRevision);
    if (revision === false) return false;
    await this.append(write.events);
    await this.timers.enqueue(write.timers);
    return revision;
  }
  async close(): Promise<void> {}
}
