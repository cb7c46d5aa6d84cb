import type { Logger } from 'pino';
import type { Sink, DeliveryOutcome } from '../plugin/sink.js';
import type { Delivery, DeadLetterStore, Lease, WorkQueue } from '../store/store.js';
import type { DeliveryOptions } from '../config/schema.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import { QueueWorker } from '../runtime/queue-worker.js';
import { backoffDelay } from './backoff.js';
import { settleDelivery } from './outcome.js';

/** How much longer than one attempt's timeout a lease lasts before another node may take the item. */
const LEASE_MARGIN_MS = 5_000;

/**
 * The delivery engine of one sink: its own queue, its own workers, its own retry policy. A slow or
 * failing sink only fills its own queue; ingestion and other sinks go on.
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
    this.worker = new QueueWorker(`sink:${sinkId}`, queue, (lease, signal) => this.attempt(lease, signal), {
      concurrency: options.concurrency,
      leaseMs: options.timeoutMs + LEASE_MARGIN_MS,
      logger: deps.logger,
    });
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
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = AbortSignal.any([timeout, shutdown]);
    const outcome = await settleDelivery(() =>
      raceAbort(this.sink.deliver(event, { deliveryId: lease.id, attempt, pipeline, signal }), signal, () =>
        shutdown.aborted ? 'shutting down' : `attempt timed out after ${this.options.timeoutMs} ms`),
    );
    if (shutdown.aborted && outcome.status !== 'delivered') {
      // Interrupted by shutdown: not the sink's fault, so hand it back without spending an attempt.
      await this.queue.retry(lease, { delayMs: 0, countsAsAttempt: false, reason: 'shutdown' });
      return;
    }
    await this.settle(lease, attempt, outcome);
  }

  private async settle(lease: Lease<Delivery>, attempt: number, outcome: DeliveryOutcome): Promise<void> {
    const log = this.deps.logger.child({ sink: this.sinkId, delivery: lease.id, attempt });
    if (outcome.status === 'delivered') {
      await this.queue.ack(lease);
      this.deps.metrics.deliveries.inc({ sink: this.sinkId, outcome: 'delivered' });
      const latency = (this.deps.now() - Date.parse(lease.payload.event.receivedAt)) / 1000;
      if (Number.isFinite(latency) && latency >= 0) this.deps.metrics.deliveryLatency.observe({ sink: this.sinkId }, latency);
      log.debug({ detail: outcome.detail }, 'delivered');
      return;
    }
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
