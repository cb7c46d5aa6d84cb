import { Kvm, type KV } from '@nats-io/kv';
import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type {
  AppendResult, CallEvent, DeadLetterStore, Delivery, KeyValueStore, Store, TimerPayload, WorkQueue,
} from '@callrelay/core';
import { AttemptCounts } from './attempt-counts.js';
import { NatsBackend, nanos } from './backend.js';
import { resolveOptions, type NatsStoreOptions, type ResolvedNatsOptions } from './config.js';
import { NatsDeadLetters } from './dead-letters.js';
import { EventLog } from './event-log.js';
import { itemCodec } from './item-codec.js';
import { NatsKeyValueStore } from './key-value.js';
import type { LeaseHandle } from './lease-handle.js';
import { natsLayout, type NatsLayout } from './names.js';
import { JetStreamWorkQueue, type QueueDeps } from './work-queue.js';

/**
 * The store for several nodes: everything lives in NATS JetStream, so any number of callrelay
 * processes with the same servers and prefix share the event log, the queues (each item leased to
 * one node at a time), the dead letters and the call state. See docs/operations/scaling.md.
 */
export class NatsStore implements Store {
  readonly routing: JetStreamWorkQueue<CallEvent>;
  readonly timers: JetStreamWorkQueue<TimerPayload>;
  readonly deadLetters: DeadLetterStore;
  readonly layout: NatsLayout;
  private readonly log: EventLog;
  private readonly queueDeps: QueueDeps;
  private readonly sinks = new Map<string, JetStreamWorkQueue<Delivery>>();
  private readonly state: Promise<KV>;
  private closing?: Promise<void>;

  /**
   * Connects, creates (or updates) the streams, the state bucket and the shared consumers, and
   * returns the store. Rejects (STORE_UNAVAILABLE) when NATS cannot be reached within
   * `connectTimeoutMs`.
   */
  static async open(options: NatsStoreOptions = {}): Promise<NatsStore> {
    const resolved = resolveOptions(options);
    const backend = await NatsBackend.connect(resolved);
    try {
      const store = new NatsStore(backend);
      await store.provision();
      return store;
    } catch (err) {
      await backend.close();
      throw err;
    }
  }

  private constructor(private readonly backend: NatsBackend) {
    this.layout = natsLayout(backend.options.prefix);
    this.log = new EventLog(backend, this.layout);
    this.queueDeps = { backend, attempts: new AttemptCounts(backend, this.layout), held: new Set<LeaseHandle>() };
    this.routing = new JetStreamWorkQueue(this.queueDeps, this.layout.routing, this.log.routingCodec());
    this.timers = new JetStreamWorkQueue<TimerPayload>(this.queueDeps, this.layout.timers, itemCodec(backend, this.layout.timers));
    this.deadLetters = new NatsDeadLetters(backend, this.layout);
    this.state = new Kvm(backend.js).create(this.layout.stateBucket, {
      history: 1,
      replicas: backend.options.replicas,
      storage: StorageType.File,
      allow_direct: false,
      description: 'callrelay call tracker and connector state',
    });
    this.state.catch(() => undefined); // awaited in provision(); avoids an unhandled rejection meanwhile
  }

  get options(): ResolvedNatsOptions {
    return this.backend.options;
  }

  private async provision(): Promise<void> {
    const { options } = this.backend;
    const l = this.layout;
    const common = { num_replicas: options.replicas, storage: StorageType.File };
    const duplicateWindow = nanos(Math.min(options.duplicateWindowMs, options.maxAgeMs));
    await Promise.all([
      this.backend.ensureStream({
        ...common, name: l.eventsStream, subjects: [l.eventsFilter], description: 'callrelay event log',
        retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old, max_age: nanos(options.maxAgeMs),
        duplicate_window: duplicateWindow, allow_direct: true,
      }),
      this.backend.ensureStream({
        ...common, name: l.queuesStream, subjects: [l.queuesFilter], description: 'callrelay timers and delivery queues',
        retention: RetentionPolicy.Workqueue, duplicate_window: nanos(options.duplicateWindowMs),
      }),
      this.backend.ensureStream({
        ...common, name: l.attemptsStream, subjects: [l.attemptsFilter], description: 'callrelay attempt counts of retried queue items',
        retention: RetentionPolicy.Limits, max_msgs_per_subject: 1, max_age: nanos(options.maxAgeMs),
      }),
      this.backend.ensureStream({
        ...common, name: l.deadLettersStream, subjects: [l.deadLettersFilter], description: 'callrelay dead letters',
        retention: RetentionPolicy.Limits, max_msgs_per_subject: 1,
      }),
      // Kvm creates a missing bucket; the update brings an existing one to the configured replicas.
      this.state.then(() => this.backend.ensureStream({ name: `KV_${l.stateBucket}`, num_replicas: options.replicas })),
    ]);
    await Promise.all([this.routing.ready(), this.timers.ready()]);
  }

  append(events: readonly CallEvent[]): Promise<AppendResult> {
    return this.log.append(events);
  }

  deliveries(sinkId: string): WorkQueue<Delivery> {
    let queue = this.sinks.get(sinkId);
    if (!queue) {
      const address = this.layout.sink(sinkId);
      queue = new JetStreamWorkQueue<Delivery>(this.queueDeps, address, itemCodec(this.backend, address));
      this.sinks.set(sinkId, queue);
    }
    return queue;
  }

  kv(namespace: string): KeyValueStore {
    return new NatsKeyValueStore(this.backend, this.layout, this.state, namespace);
  }

  getEvent(id: string): Promise<CallEvent | undefined> {
    return this.log.get(id);
  }

  /**
   * Hands leases still held back to the server (so other nodes take them now, not after the ack
   * wait), then drains the connection. May be called twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.backend.closing.abort(); // waiting claims return now
      const held = [...this.queueDeps.held];
      if (this.backend.connected) await Promise.allSettled(held.map((h) => h.nak(0)));
      for (const h of held) h.abandon();
      await this.backend.close();
    })();
    return this.closing;
  }
}
