import type { Logger } from 'pino';
import type { Lease, WorkQueue } from '../store/store.js';

/**
 * Runs a handler over a work queue with bounded concurrency: claims only as many items as it has
 * free slots, so a slow handler slows only its own queue. `stop` ends claiming at once and waits
 * for in-flight handlers up to a grace period, then aborts them. With `batchSize` > 1 each slot
 * takes a batch of up to that many items (whatever is ready: small under light load, full under
 * heavy load) and the handler settles them together.
 */
export class QueueWorker<T> {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopClaiming = new AbortController();
  private readonly abortInFlight = new AbortController();
  private loop?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly queue: WorkQueue<T>,
    private readonly handler: (leases: Lease<T>[], signal: AbortSignal) => Promise<void>,
    private readonly options: { concurrency: number; leaseMs: number; waitMs?: number; batchSize?: number; logger: Logger },
  ) {}

  /** A worker whose handler takes one item at a time (each in its own slot). */
  static perItem<T>(
    name: string, queue: WorkQueue<T>, handler: (lease: Lease<T>, signal: AbortSignal) => Promise<void>,
    options: { concurrency: number; leaseMs: number; waitMs?: number; logger: Logger },
  ): QueueWorker<T> {
    return new QueueWorker(name, queue, (leases, signal) => handler(leases[0]!, signal), { ...options, batchSize: 1 });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** The signal aborted when the grace period of `stop` ends. */
  get shutdownSignal(): AbortSignal {
    return this.abortInFlight.signal;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      const batchSize = this.options.batchSize ?? 1;
      let leases: Lease<T>[];
      try {
        leases = await this.queue.claim(batchSize > 1 ? batchSize : free, { leaseMs: this.options.leaseMs, waitMs: this.options.waitMs ?? 1000, signal: this.stopClaiming.signal });
      } catch (err) {
        if (!this.running) break;
        this.options.logger.error({ err, queue: this.name }, 'claiming work failed; retrying in 1 s');
        await sleep(1000, this.stopClaiming.signal);
        continue;
      }
      if (!this.running) {
        // Claimed while stopping: hand the items back untouched so another node (or restart) takes them.
        await Promise.all(leases.map((lease) => this.queue.retry(lease, { delayMs: 0, countsAsAttempt: false }).catch(() => undefined)));
        break;
      }
      const units = batchSize > 1 ? (leases.length ? [leases] : []) : leases.map((lease) => [lease]);
      for (const unit of units) {
        const task: Promise<void> = this.handler(unit, this.abortInFlight.signal)
          .catch((err) => this.options.logger.error({ err, queue: this.name, items: unit.length, item: unit[0]!.id }, 'work item handler failed; it will be handed out again'))
          .finally(() => this.inFlight.delete(task));
        this.inFlight.add(task);
      }
    }
  }

  /** Stops claiming, lets in-flight work finish for `graceMs`, then aborts it. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopClaiming.abort();
    await this.loop;
    if (this.inFlight.size) {
      const timer = setTimeout(() => this.abortInFlight.abort(), graceMs);
      await Promise.allSettled([...this.inFlight]);
      clearTimeout(timer);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
