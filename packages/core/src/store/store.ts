import type { CallEvent } from '../model/call-event.js';

/**
 * Storage contracts. The core talks to storage only through these; `@callrelay/store-sqlite`
 * fulfils them in one SQLite file, `@callrelay/bus-nats` on NATS JetStream. Both run the store
 * contract suite of `@callrelay/testkit`. They are written so that several nodes can share one
 * store: work is leased, not popped, and a lease that is not settled in time is handed out again.
 */
export interface Store {
  /**
   * Durably appends events to the event log and makes each new one available on {@link Store.routing}.
   * Resolves only when the events are stored (a webhook is acknowledged after this). Events whose
   * id is already in the log are skipped and reported as duplicates.
   */
  append(events: readonly CallEvent[]): Promise<AppendResult>;
  /** The log's unrouted events, leased to the router (call tracker + pipelines). */
  readonly routing: WorkQueue<CallEvent>;
  /** The durable delivery queue of one sink; created on first use. */
  deliveries(sinkId: string): WorkQueue<Delivery>;
  /** Delayed work of the call tracker (closing calls whose end never arrives). */
  readonly timers: WorkQueue<TimerPayload>;
  /** Deliveries that exhausted their attempts or failed permanently, for listing and replay. */
  readonly deadLetters: DeadLetterStore;
  /** A key-value namespace with compare-and-set (call state, connector state). */
  kv(namespace: string): KeyValueStore;
  /** Looks up one event of the log. */
  getEvent(id: string): Promise<CallEvent | undefined>;
  /**
   * Optional: one step of the call tracker in one atomic write: the call's new state
   * (compare-and-set in namespace `namespace`), the events it emits (appended to the log like
   * {@link Store.append}) and the timers it schedules (enqueued on {@link Store.timers}). All or nothing:
   * returns the new revision, or `false` on a revision conflict with nothing written. A store
   * that cannot write these atomically (NATS) leaves it out; the tracker then writes the state
   * first, carrying the rest as an outbox that the next reader redoes (see docs/calls.md).
   */
  commitCallState?(namespace: string, write: CallStateWrite): Promise<number | false>;
  /**
   * Optional: one routing batch in one atomic write: the call states the tracker folded (each a
   * compare-and-set, with the events it emits and the timers it schedules), the deliveries of every
   * sink, and the acknowledgement of the routing leases. All or nothing: resolves `false` with
   * nothing written when any call state's revision changed meanwhile. Stores without it get the
   * same writes one by one, in an order that a redelivery completes (docs/performance.md).
   */
  commitRouting?(commit: RoutingCommit): Promise<boolean>;
  /**
   * Optional: the calls in the log, folded one row per call, newest first, a page at a time
   * (the console's calls list, `GET /api/calls`). Stores without it: the console shows no calls.
   * Rejects with a `RangeError` when `cursor` is not one the store handed out.
   */
  listCalls?(query: CallQuery): Promise<CallPage>;
  /** Optional: the events of one call still in the log, oldest first (the console's call timeline). */
  callEvents?(source: string, callId: string): Promise<CallEvent[]>;
  /** Optional: where deliveries are in their sink's queue (the console's call timeline); unknown ids are left out. */
  deliveryStates?(items: readonly { sinkId: string; id: string }[]): Promise<DeliveryState[]>;
  /** Releases connections and files. May be called twice. */
  close(): Promise<void>;
}

/** One routing batch (see {@link Store.commitRouting}). */
export interface RoutingCommit {
  /** The key-value namespace of the call states. */
  namespace: string;
  /** The call states the tracker folded, each written with compare-and-set. */
  calls: readonly CallStateWrite[];
  /** The deliveries this batch hands to each sink's queue. */
  deliveries: readonly { sinkId: string; items: readonly EnqueueItem<Delivery>[] }[];
  /** Routing leases this batch settles. */
  acks: readonly Lease<CallEvent>[];
}

/** What one step of the call tracker writes (see {@link Store.commitCallState}). */
export interface CallStateWrite {
  /** The call's key in the namespace. */
  key: string;
  /** The call's new state. */
  value: unknown;
  /** 0: the key must not exist yet. */
  expectedRevision: number;
  /** Events the step emits (missed, completed), appended to the log. */
  events: readonly CallEvent[];
  /** Timers the step schedules, enqueued on {@link Store.timers}. */
  timers: readonly EnqueueItem<TimerPayload>[];
}

/** What {@link Store.append} reports. */
export interface AppendResult {
  /** Ids newly stored. */
  stored: string[];
  /** Ids that were already in the log (a platform retry). */
  duplicates: string[];
}

/** One unit of work for one sink. */
export interface Delivery {
  /** The sink instance id (`sinks.<id>`) the delivery is for. */
  sinkId: string;
  /** The pipeline that routed the event to the sink. */
  pipeline: string;
  /** The event as the pipeline's transforms left it. */
  event: CallEvent;
  /** Set when a dead letter was replayed. */
  replayOf?: string;
}

/** A call tracker timer: what to do (`kind`) and to which call (`key`). */
export interface TimerPayload {
  /** What the timer does when it fires (e.g. close a call whose end never arrived). */
  kind: string;
  /** The key of the call it concerns. */
  key: string;
}

/** One item to enqueue on a {@link WorkQueue}. */
export interface EnqueueItem<T> {
  /** Idempotency key: enqueuing an id already queued, leased or acknowledged is a no-op. */
  id: string;
  /** The work itself. */
  payload: T;
  /** Epoch ms before which the item is not handed out. */
  notBefore?: number;
}

/** A leased item. Settle it with ack, retry or (through the dead-letter store) ack after recording. */
export interface Lease<T> {
  /** The item's idempotency key, as enqueued. */
  id: string;
  /** The work itself. */
  payload: T;
  /** Attempts that counted so far (0 on the first delivery). */
  attempts: number;
  /** Times this item was handed out, counting leases that expired (a node died). */
  deliveries: number;
  /** Store-specific handle. */
  readonly handle: unknown;
}

/**
 * A durable work queue shared by every node that opens it. Each item is leased to one consumer at a
 * time; an item whose lease expires without being settled is handed out again (at-least-once).
 */
export interface WorkQueue<T> {
  /** Adds items; an id already queued, leased or acknowledged is skipped. */
  enqueue(items: readonly EnqueueItem<T>[]): Promise<void>;
  /**
   * Leases up to `max` ready items for `leaseMs`. Waits up to `waitMs` for work when none is ready,
   * and returns early (possibly empty) when `signal` aborts.
   */
  claim(max: number, options: { leaseMs: number; waitMs: number; signal?: AbortSignal }): Promise<Lease<T>[]>;
  /** Done: the item will not be handed out again. */
  ack(lease: Lease<T>): Promise<void>;
  /** Optional: acknowledges several leases in one write (a delivered batch). */
  ackMany?(leases: readonly Lease<T>[]): Promise<void>;
  /** Hand the item out again after `delayMs`. `countsAsAttempt` (default true) adds one to `attempts`. */
  retry(lease: Lease<T>, options: { delayMs: number; countsAsAttempt?: boolean; reason?: string }): Promise<void>;
  /** Extends a lease still being worked on. */
  extend?(lease: Lease<T>, leaseMs: number): Promise<void>;
  /** Items not yet acknowledged (ready, delayed or leased). */
  depth(): Promise<number>;
  /** Optional: epoch ms since when the oldest unacknowledged item has been waiting (undefined when empty). */
  oldestWaiting?(): Promise<number | undefined>;
}

/** A delivery that will not be retried: its last reason, kept until replayed or purged. */
export interface DeadLetter {
  /** The delivery id. */
  id: string;
  /** The sink instance id it was for. */
  sinkId: string;
  /** The delivery as it was queued, replayed as is. */
  delivery: Delivery;
  /** Why the last attempt failed. */
  reason: string;
  /** Attempts made before it was given up. */
  attempts: number;
  /** ISO 8601 time it was given up. */
  failedAt: string;
}

/** The dead letters of every sink, shared by every node on the store. */
export interface DeadLetterStore {
  /** Records a dead letter (replacing one with the same id). */
  add(letter: DeadLetter): Promise<void>;
  /** Dead letters, oldest first, optionally of one sink and at most `limit`. */
  list(filter?: { sinkId?: string; limit?: number }): Promise<DeadLetter[]>;
  /** One dead letter by delivery id. */
  get(id: string): Promise<DeadLetter | undefined>;
  /** Removes a dead letter (after a replay or a purge); removing an absent id is a no-op. */
  remove(id: string): Promise<void>;
  /**
   * Optional: per sink, how many dead letters there are and the latest one, without reading them
   * all (the console's sinks view). Without it the console lists them.
   */
  summary?(): Promise<DeadLetterSummary[]>;
}

/** The dead letters of one sink (see {@link DeadLetterStore.summary}). */
export interface DeadLetterSummary {
  /** The sink instance id. */
  sinkId: string;
  /** Dead letters stored for it. */
  count: number;
  /** The one that failed last. */
  latest: DeadLetter;
}

/** A value of a {@link KeyValueStore} with its revision. */
export interface KvEntry<T> {
  /** The stored value. */
  value: T;
  /** Changes on every write; pass it back to {@link KeyValueStore.put} for compare-and-set. */
  revision: number;
}

/** A key-value namespace with compare-and-set, shared by every node on the store (`ctx.state` of a connector). */
export interface KeyValueStore {
  /** The current entry of `key`, or undefined when absent or expired. */
  get<T = unknown>(key: string): Promise<KvEntry<T> | undefined>;
  /** Optional: several keys in one round trip (missing keys are absent from the map). */
  getMany?<T = unknown>(keys: readonly string[]): Promise<Map<string, KvEntry<T>>>;
  /**
   * Writes `value` when the current revision equals `expectedRevision` (0: the key must not exist;
   * undefined: unconditional). Returns the new revision, or `false` on a conflict. With `ttlMs`
   * the key reads as absent once that time has passed (an expired key counts as not existing for
   * `expectedRevision: 0`) and the store removes it: ledgers of deliveries and calls bounded in
   * time instead of growing for ever.
   */
  put<T = unknown>(key: string, value: T, expectedRevision?: number, options?: { ttlMs?: number }): Promise<number | false>;
  /** Removes `key`; removing an absent key is a no-op. */
  delete(key: string): Promise<void>;
}

/** Which calls {@link Store.listCalls} returns. */
export interface CallQuery {
  /** Only this source's calls. */
  source?: string;
  /** `missed`, `completed`, or `in-progress` (no outcome yet). */
  outcome?: 'missed' | 'completed' | 'in-progress';
  /** A part of the caller's, the called or the answering number or extension. */
  number?: string;
  /** Calls that started at or after this epoch ms. */
  since?: number;
  /** Calls that started before this epoch ms. */
  until?: number;
  /** Page size. */
  limit: number;
  /** Where the previous page ended (its {@link CallPage.next}). */
  cursor?: string;
  /** Instead of the newest: the calls changed after this {@link CallRecord.change} mark, oldest change first (live updates). */
  changedAfter?: number;
}

/** One page of {@link Store.listCalls}. */
export interface CallPage {
  /** The calls of this page. */
  calls: CallRecord[];
  /** Pass as {@link CallQuery.cursor} for the next page; absent on the last one. */
  next?: string;
  /** The latest change mark in the store when the page was read: live updates start after it. */
  mark: number;
}

/** One call as the log folds it (see {@link Store.listCalls}). */
export interface CallRecord {
  /** The source id the call came through. */
  source: string;
  /** The platform's call id (legs folded). */
  callId: string;
  /** `inbound`, `outbound`, `internal` or `unknown`. */
  direction?: string;
  /** The caller (E.164 when known, else the extension or raw value). */
  from?: string;
  /** The number or extension called. */
  to?: string;
  /** When the call started (ISO 8601). */
  startedAt: string;
  /** When its latest event happened (ISO 8601). */
  lastEventAt: string;
  /** `missed` or `completed` once the call tracker decided; absent while in progress. */
  outcome?: string;
  /** The extension or agent that answered. */
  answeredBy?: string;
  /** Seconds from start to answer (or to end, unanswered), once decided. */
  ringSeconds?: number;
  /** Seconds from answer to end, once decided. */
  talkSeconds?: number;
  /** Legs of the call (known once it has an outcome). */
  legs?: number;
  /** Events stored for the call. */
  events: number;
  /** Grows on every change of the call: the mark for {@link CallQuery.changedAfter}. */
  change: number;
}

/** Where one delivery is (see {@link Store.deliveryStates}). */
export interface DeliveryState {
  /** The sink whose queue holds it. */
  sinkId: string;
  /** The delivery id (`<pipeline>/<sink>/<event id>`, or a replay's). */
  id: string;
  /** `queued` (not tried yet), `retrying` (failed at least once) or `delivered` (settled). */
  state: 'queued' | 'retrying' | 'delivered';
  /** Attempts that failed. */
  attempts: number;
  /** Epoch ms of the next attempt (queued or retrying). */
  nextAttemptAt?: number;
  /** Set when the delivery asked for was dead-lettered and replayed: `id` is then the replay's, this the original's. */
  replayOf?: string;
}
