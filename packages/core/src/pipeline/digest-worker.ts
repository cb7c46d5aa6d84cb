import type { Logger } from 'pino';
import type { Lease, Store, WorkQueue } from '../store/store.js';
import { QueueWorker, sleep } from '../runtime/queue-worker.js';
import { digestEvent, digestQueueName, type HeldDelivery } from './digest.js';

export interface DigestWorkerOptions {
  /** Epoch ms now, from the runtime's clock: when a held delivery is due. */
  now: () => number;
  logger: Logger;
  leaseMs: number;
  /**
   * The longest a held delivery waits before its due time is checked again. Default: until its due
   * time. A test with a fake clock sets it short, since the store's delays run on the wall clock.
   */
  recheckMs?: number;
  /**
   * Once one held delivery is due, how long to wait before folding the digest, so that every other
   * delivery held until the same opening (handed back with a delay of at most `recheckMs`) is
   * ready too and goes into the same digest. Default: `recheckMs`, or 1 s.
   */
  settleMs?: number;
  afterWrite?: (point: string) => void;
}

// The most held deliveries folded in one digest round; a larger backlog makes several digests.
const BATCH = 1000;

/**
 * Delivers digests: for each (pipeline, sink) with a `digest`, takes the held deliveries whose
 * opening has come, folds those of one opening into ONE delivery on the sink's queue, then
 * acknowledges them. Everything is in the store: a restart loses nothing, and a crash between the
 * enqueue and the acknowledgements rebuilds the same digest, whose id is already queued (sent once).
 */
export class DigestWorker {
  private readonly workers: QueueWorker<HeldDelivery>[] = [];

  constructor(private readonly store: Store, holds: readonly { pipeline: string; sinkId: string }[], private readonly options: DigestWorkerOptions) {
    for (const { pipeline, sinkId } of holds) {
      const queue = store.deliveries(digestQueueName(pipeline, sinkId)) as unknown as WorkQueue<HeldDelivery>;
      this.workers.push(new QueueWorker(`digest ${pipeline}/${sinkId}`, queue, (leases, signal) => this.fold(queue, leases, signal), {
        concurrency: 1, batchSize: BATCH, leaseMs: options.leaseMs, logger: options.logger,
      }));
    }
  }

  start(): void {
    for (const worker of this.workers) worker.start();
  }

  async stop(graceMs: number): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop(graceMs)));
  }

  private async fold(queue: WorkQueue<HeldDelivery>, claimed: Lease<HeldDelivery>[], signal: AbortSignal): Promise<void> {
    let due = await this.dueOnly(queue, claimed);
    if (!due.length) return;
    const settleMs = this.options.settleMs ?? this.options.recheckMs ?? 1000;
    await sleep(settleMs, signal);
    if (signal.aborted) {
      await Promise.all(due.map((lease) => queue.retry(lease, { delayMs: 0, countsAsAttempt: false })));
      return;
    }
    due = [...due, ...await this.dueOnly(queue, await queue.claim(BATCH, { leaseMs: this.options.leaseMs, waitMs: 0 }))];
    const byOpening = new Map<string, Lease<HeldDelivery>[]>();
    for (const lease of due) byOpening.set(lease.payload.heldUntil, [...(byOpening.get(lease.payload.heldUntil) ?? []), lease]);
    for (const [opening, leases] of [...byOpening].sort(([a], [b]) => a.localeCompare(b))) {
      const { deliveryId, event } = digestEvent(leases, this.options.now());
      const { sinkId, pipeline } = leases[0]!.payload;
      await this.store.deliveries(sinkId).enqueue([{ id: deliveryId, payload: { sinkId, pipeline, event } }]);
      this.options.afterWrite?.('digest:enqueue');
      if (queue.ackMany) await queue.ackMany(leases);
      else await Promise.all(leases.map((lease) => queue.ack(lease)));
      this.options.logger.info({ pipeline, sink: sinkId, opening, calls: leases.length }, 'digest handed to the sink');
    }
  }

  /** The leases due now; the others are handed back until their due time (or the next check). */
  private async dueOnly(queue: WorkQueue<HeldDelivery>, leases: readonly Lease<HeldDelivery>[]): Promise<Lease<HeldDelivery>[]> {
    const now = this.options.now();
    const due: Lease<HeldDelivery>[] = [];
    await Promise.all(leases.map(async (lease) => {
      const wait = Date.parse(lease.payload.heldUntil) - now;
      if (wait <= 0) due.push(lease);
      else await queue.retry(lease, { delayMs: Math.min(wait, this.options.recheckMs ?? wait), countsAsAttempt: false, reason: 'held for a digest' });
    }));
    return due;
  }
}
