import type { Logger } from 'pino';
import type { Sink, DeliveryOutcome } from '../plugin/sink.js';
import type { Delivery, DeadLetterStore, Lease, WorkQueue } from '../store/store.js';
import type { DeliveryOptions } from '../config/schema.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import { QueueWorker } from '../runtime/queue-worker.js';
import { errorMessage } from '../errors.js';
import { backoffDelay } from './backoff.js';
import { settleDelivery } from './outcome.js';

/** How much longer than one attempt's timeout a lease lasts before another node may take the item. */
const LEASE_MARGIN_MS = 5_000;

/**
 * The delivery engine of one sink: its own queue, its own workers, its own retry policy. A slow or
 * failing sink only fills its own queue; ingestion and other sinks go on. A sink with
 * `deliverBatch` gets up to `delivery.batchSize` items per attempt, each settled on its own.
 */
export class SinkWorker {
  private readonly worker: QueueWorker<Delivery>;

  constructor(
    readonly sinkId: string,
    private readonly sink: Sink,
    private readonly queue: WorkQueue<Delivery>,
    private readonly options: DeliveryOptions,
    private readonly deps: { deadLetters: DeadLetterStore; metrics: RuntimeMetrics; logger: Logger; now: () => number },
  ) {
    const common = { concurrency: options.concurrency, leaseMs: options.timeoutMs + LEASE_MARGIN_MS, logger: deps.logger };
    this.worker = sink.deliverBatch && options.batchSize > 1
      ? new QueueWorker(`sink:${sinkId}`, queue, (leases, signal) => this.attemptBatch(leases, signal), { ...common, batchSize: options.batchSize })
      : QueueWorker.perItem(`sink:${sinkId}`, queue, (lease, signal) => this.attempt(lease, signal), common);
  }

  start(): void {
    this.worker.start();
  }

  stop(graceMs: number): Promise<void> {
    return this.worker.stop(graceMs);
  }

  private async attempt(lease: Lease<Delivery>, shutdown: AbortSignal): Promise<void> {
    const { event, pipeline } = lease.payload;
    const attempt = lease.attempts + 1;
    const outcome = await this.withTimeout(shutdown, (signal, reason) => settleDelivery(() =>
      raceAbort(this.sink.deliver(event, { deliveryId: lease.id, attempt, pipeline, signal }), signal, reason)));
    await this.settleAfter(lease, attempt, outcome, shutdown);
  }

  private async attemptBatch(leases: Lease<Delivery>[], shutdown: AbortSignal): Promise<void> {
    const items = leases.map((lease) => ({ event: lease.payload.event, deliveryId: lease.id, attempt: lease.attempts + 1, pipeline: lease.payload.pipeline }));
    const outcomes = await this.withTimeout(shutdown, async (signal, reason): Promise<DeliveryOutcome[]> => {
      try {
        const answered = await raceAbort(this.sink.deliverBatch!(items, { signal }), signal, reason);
        if (answered.length !== items.length) throw new Error(`deliverBatch answered ${answered.length} outcomes for ${items.length} deliveries`);
        return answered.map((outcome) => outcome ?? { status: 'delivered' });
      } catch (err) {
        // The whole batch failed like one `deliver` would: each item takes the same outcome.
        const one = await settleDelivery(() => Promise.reject(err));
        return items.map(() => one);
      }
    });
    // Delivered items are acknowledged in one write where the store can; the others settle one by one.
    const delivered = leases.filter((_, i) => outcomes[i]!.status === 'delivered');
    const rest = leases.map((lease, i) => ({ lease, outcome: outcomes[i]! })).filter(({ outcome }) => outcome.status !== 'delivered');
    if (delivered.length && this.queue.ackMany) {
      try {
        await this.queue.ackMany(delivered);
        for (const lease of delivered) this.recordDelivered(lease, outcomes[leases.indexOf(lease)]!);
      } catch (err) {
        this.deps.logger.error({ sink: this.sinkId, items: delivered.length, err: errorMessage(err) }, 'acknowledging delivered items failed; they will be handed out again');
      }
    } else {
      rest.unshift(...delivered.map((lease) => ({ lease, outcome: outcomes[leases.indexOf(lease)]! })));
    }
    await Promise.all(rest.map(({ lease, outcome }) => this.settleAfter(lease, lease.attempts + 1, outcome, shutdown)));
  }

  /**
   * Runs an attempt with its timeout. A plain timer, not `AbortSignal.timeout` combined with
   * `AbortSignal.any`: on Node 20 the combined signal holds the timeout signal weakly and a GC can
   * collect it, after which a receiver that never answers holds the slot until the lease expires
   * (nodejs/node#57736).
   */
  private async withTimeout<T>(shutdown: AbortSignal, run: (signal: AbortSignal, reason: () => string) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`attempt timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    const onShutdown = () => controller.abort(new Error('shutting down'));
    if (shutdown.aborted) onShutdown();
    else shutdown.addEventListener('abort', onShutdown, { once: true });
    try {
      return await run(controller.signal, () => (shutdown.aborted ? 'shutting down' : `attempt timed out after ${this.options.timeoutMs} ms`));
    } finally {
      clearTimeout(timer);
      shutdown.removeEventListener('abort', onShutdown);
    }
  }

  private async settleAfter(lease: Lease<Delivery>, attempt: number, outcome: DeliveryOutcome, shutdown: AbortSignal): Promise<void> {
    if (shutdown.aborted && outcome.status !== 'delivered') {
      // Interrupted by shutdown: not the sink's fault, so hand it back without spending an attempt.
      await this.queue.retry(lease, { delayMs: 0, countsAsAttempt: false, reason: 'shutdown' });
      return;
    }
    try {
      await this.settle(lease, attempt, outcome);
    } catch (err) {
      // The store refused the settlement: the lease expires and the item is handed out again.
      this.deps.logger.error({ sink: this.sinkId, delivery: lease.id, err: errorMessage(err) }, 'settling a delivery failed; it will be handed out again');
    }
  }

  private recordDelivered(lease: Lease<Delivery>, outcome: DeliveryOutcome): void {
    this.deps.metrics.deliveries.inc({ sink: this.sinkId, outcome: 'delivered' });
    const latency = (this.deps.now() - Date.parse(lease.payload.event.receivedAt)) / 1000;
    if (Number.isFinite(latency) && latency >= 0) this.deps.metrics.deliveryLatency.observe({ sink: this.sinkId }, latency);
    if (this.deps.logger.isLevelEnabled?.('debug')) this.deps.logger.debug({ sink: this.sinkId, delivery: lease.id, detail: 'detail' in outcome ? outcome.detail : undefined }, 'delivered');
  }

  private async settle(lease: Lease<Delivery>, attempt: number, outcome: DeliveryOutcome): Promise<void> {
    if (outcome.status === 'delivered') {
      await this.queue.ack(lease);
      this.recordDelivered(lease, outcome);
      return;
    }
    const log = this.deps.logger.child({ sink: this.sinkId, delivery: lease.id, attempt });
    const counts = outcome.status === 'failed' || outcome.countsAsAttempt !== false;
    const spent = lease.attempts + (counts ? 1 : 0);
    if (outcome.status === 'failed' || spent >= this.options.maxAttempts) {
      const reason = outcome.status === 'failed' ? outcome.reason : `${outcome.reason} (gave up after ${spent} attempts)`;
      await this.deps.deadLetters.add({ id: lease.id, sinkId: this.sinkId, delivery: lease.payload, reason, attempts: attempt, failedAt: new Date(this.deps.now()).toISOString() });
      await this.queue.ack(lease);
      this.deps.metrics.deliveries.inc({ sink: this.sinkId, outcome: 'dead_letter' });
      log.warn({ reason }, 'delivery dead-lettered');
      return;
    }
    const delayMs = counts ? backoffDelay(spent, this.options, outcome.retryAfterMs ?? 0) : Math.max(outcome.retryAfterMs ?? 0, 1000);
    await this.queue.retry(lease, { delayMs, countsAsAttempt: counts, reason: outcome.reason });
    this.deps.metrics.deliveries.inc({ sink: this.sinkId, outcome: 'retry' });
    log.info({ reason: outcome.reason, delayMs }, 'delivery will be retried');
  }
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal, reason: () => string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(reason()));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(reason()));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
