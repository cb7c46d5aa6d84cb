import type { Msg } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, ReplayPolicy } from '@nats-io/jetstream';
import type { EnqueueItem, Lease, WorkQueue } from '@callrelay/core';
import { errorMessage } from '@callrelay/core';
import { nanos, type NatsBackend } from './backend.js';
import type { AttemptCounts } from './attempt-counts.js';
import { LeaseHandle } from './lease-handle.js';
import type { QueueAddress } from './names.js';
import { ConsumerMissingError, parseAckSubject, pull } from './pull.js';

/** Epoch ms before which a queue item is not to be handed out (set by `enqueue` with `notBefore`). */
export const NOT_BEFORE_HEADER = 'Callrelay-Not-Before';

/** How one queue's messages are written and read. */
export interface QueueCodec<T> {
  enqueue(items: readonly EnqueueItem<T>[]): Promise<void>;
  decode(msg: Msg): { id: string; payload: T };
}

/** What the queues of one store share. */
export interface QueueDeps {
  backend: NatsBackend;
  attempts: AttemptCounts;
  /** Leases currently held by this handle (handed back on close). */
  held: Set<LeaseHandle>;
}

/**
 * A {@link WorkQueue} on a durable JetStream pull consumer that every node shares: JetStream hands
 * each message to one puller at a time and redelivers it when the ack wait passes unsettled. See
 * {@link LeaseHandle} for how per-claim lease lengths map onto the consumer's fixed ack wait and
 * {@link AttemptCounts} for how counted attempts are kept apart from deliveries.
 */
export class JetStreamWorkQueue<T> implements WorkQueue<T> {
  private readyPromise?: Promise<void>;

  constructor(
    private readonly deps: QueueDeps,
    readonly address: QueueAddress,
    private readonly codec: QueueCodec<T>,
  ) {}

  /** Creates the durable consumer on first use (and again if someone deleted it). */
  ready(): Promise<void> {
    const { backend } = this.deps;
    this.readyPromise ??= backend.ensureConsumer(this.address.stream, {
      durable_name: this.address.consumer,
      filter_subject: this.address.subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      ack_wait: nanos(backend.options.ackWaitMs),
      // Every redelivery is wanted (attempt limits are the delivery engine's), and items waiting out
      // a retry delay count as pending acks, so no cap that would stall fresh work behind them.
      max_deliver: -1,
      max_ack_pending: -1,
    }).catch((err) => {
      this.readyPromise = undefined;
      throw err;
    });
    return this.readyPromise;
  }

  async enqueue(items: readonly EnqueueItem<T>[]): Promise<void> {
    if (!items.length) return;
    this.deps.backend.assertWritable('enqueuing');
    await this.ready();
    await this.codec.enqueue(items);
  }

  async claim(max: number, options: { leaseMs: number; waitMs: number; signal?: AbortSignal }): Promise<Lease<T>[]> {
    const { backend } = this.deps;
    const stop = eitherSignal(options.signal, backend.closing.signal);
    try {
      if (max < 1 || stop.signal.aborted) return [];
      backend.assertWritable('claiming work');
      await this.ready();
      return await this.claimUntil(Date.now() + Math.max(0, options.waitMs), max, options.leaseMs, stop.signal);
    } finally {
      stop.dispose();
    }
  }

  private async claimUntil(deadline: number, max: number, leaseMs: number, stop: AbortSignal): Promise<Lease<T>[]> {
    for (;;) {
      // What is ready now, up to `max`; if nothing, wait for one item (a one-message request ends
      // with that message, so an abandoned wait strands at most one), then take what else is ready.
      let messages = await this.pull(max, 0, stop);
      if (!messages.length) {
        const remaining = deadline - Date.now();
        if (remaining <= 0 || stop.aborted) return [];
        messages = await this.pull(1, remaining, stop);
        if (messages.length && max > 1 && !stop.aborted) messages.push(...await this.pull(max - 1, 0, stop).catch(() => []));
      }
      const leases = await this.lease(messages, leaseMs);
      // Everything pulled may have been early (not-before) and handed back: wait on if time is left.
      if (leases.length || stop.aborted || Date.now() >= deadline) return leases;
    }
  }

  async ack(lease: Lease<T>): Promise<void> {
    if (!(await handleOf(lease).ack())) return;
    if (lease.attempts > 0) {
      await this.deps.attempts.clear(this.address.key, lease.id).catch((err) =>
        this.deps.backend.options.logger?.warn({ err: errorMessage(err), item: lease.id }, 'removing the attempt count of an acknowledged item failed; it expires with the retention'));
    }
  }

  /** Acknowledges a batch with one confirmed round trip (see {@link LeaseHandle.ackAll}). */
  async ackMany(leases: readonly Lease<T>[]): Promise<void> {
    if (!leases.length) return;
    const acked = await LeaseHandle.ackAll(this.deps.backend, leases.map(handleOf));
    const counted = leases.filter((lease, i) => acked[i] && lease.attempts > 0);
    await Promise.all(counted.map((lease) => this.deps.attempts.clear(this.address.key, lease.id).catch((err) =>
      this.deps.backend.options.logger?.warn({ err: errorMessage(err), item: lease.id }, 'removing the attempt count of an acknowledged item failed; it expires with the retention'))));
  }

  async retry(lease: Lease<T>, options: { delayMs: number; countsAsAttempt?: boolean }): Promise<void> {
    const handle = handleOf(lease);
    if (!handle.held) return;
    if (options.countsAsAttempt !== false) await this.deps.attempts.set(this.address.key, lease.id, lease.attempts + 1);
    await handle.nak(Math.max(0, options.delayMs));
  }

  async extend(lease: Lease<T>, leaseMs: number): Promise<void> {
    await handleOf(lease).extend(leaseMs);
  }

  async depth(): Promise<number> {
    await this.ready();
    const info = await this.deps.backend.jsm.consumers.info(this.address.stream, this.address.consumer);
    return info.num_pending + info.num_ack_pending;
  }

  /**
   * When the oldest message not yet acknowledged was stored: the message just after the consumer's
   * ack floor (everything before it is acknowledged). Undefined when nothing waits.
   */
  async oldestWaiting(): Promise<number | undefined> {
    await this.ready();
    const { jsm } = this.deps.backend;
    const info = await jsm.consumers.info(this.address.stream, this.address.consumer);
    if (info.num_pending + info.num_ack_pending === 0) return undefined;
    try {
      const message = await jsm.streams.getMessage(this.address.stream, { seq: info.ack_floor.stream_seq + 1 });
      return message ? message.time.getTime() : undefined;
    } catch {
      // A message removed meanwhile (retention, a filtered subject elsewhere): no figure rather than a wrong one.
      return undefined;
    }
  }

  private async pull(batch: number, waitMs: number, signal: AbortSignal): Promise<Msg[]> {
    try {
      return await pull(this.deps.backend, { stream: this.address.stream, consumer: this.address.consumer, batch, waitMs, signal });
    } catch (err) {
      if (err instanceof ConsumerMissingError) this.readyPromise = undefined;
      throw err;
    }
  }

  /** Turns pulled messages into leases; hands back early ones; drops (terminates) unreadable ones. */
  private async lease(messages: Msg[], leaseMs: number): Promise<Lease<T>[]> {
    const { backend, attempts, held } = this.deps;
    const now = Date.now();
    let failure: unknown;
    const leases = await Promise.all(messages.map(async (msg): Promise<Lease<T> | undefined> => {
      const reply = msg.reply!;
      const info = parseAckSubject(reply);
      const notBefore = Number(msg.headers?.get(NOT_BEFORE_HEADER) || 0);
      if (notBefore > now) {
        await backend.window.run(() => backend.requests.request(reply, `-NAK ${JSON.stringify({ delay: nanos(notBefore - now) })}`)).catch(() => undefined);
        return undefined;
      }
      let item: { id: string; payload: T };
      try {
        item = this.codec.decode(msg);
      } catch (err) {
        backend.options.logger?.error({ err: errorMessage(err), queue: this.address.key, seq: info.streamSequence }, 'unreadable queue message dropped');
        backend.fireAck(reply, '+TERM');
        return undefined;
      }
      let counted = 0;
      try {
        if (info.deliveryCount > 1) counted = await attempts.get(this.address.key, item.id);
      } catch (err) {
        failure ??= err;
        backend.fireAck(reply, '-NAK');
        return undefined;
      }
      const handle = new LeaseHandle(backend, reply, leaseMs, (h) => held.delete(h));
      held.add(handle);
      // A delayed item was handed out once before it was due (and handed back): not a real delivery.
      const early = notBefore > 0 && info.deliveryCount > 1 ? 1 : 0;
      return { id: item.id, payload: item.payload, attempts: counted, deliveries: info.deliveryCount - early, handle };
    }));
    const ready = leases.filter((l): l is Lease<T> => l !== undefined);
    if (!ready.length && failure) throw failure;
    return ready;
  }
}

/**
 * A signal that aborts when either does, with a dispose that removes its listeners. (Not
 * `AbortSignal.any`: claims run in a tight loop against one long-lived signal, and dependent
 * signals of `any` have leaked on some Node 20 releases.)
 */
function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  if (!a) return { signal: b, dispose: () => undefined };
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (a.aborted || b.aborted) controller.abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener('abort', abort);
      b.removeEventListener('abort', abort);
    },
  };
}

function handleOf(lease: Lease<unknown>): LeaseHandle {
  if (!(lease.handle instanceof LeaseHandle)) throw new TypeError(`lease ${lease.id} was not issued by the NATS store`);
  return lease.handle;
}
