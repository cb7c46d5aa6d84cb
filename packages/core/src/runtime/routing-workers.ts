import type { Logger } from 'pino';
import type { CallEvent } from '../model/call-event.js';
import type { Store } from '../store/store.js';
import type { CallTracker } from '../tracker/call-tracker.js';
import type { CallerHistory } from '../tracker/caller-history.js';
import type { Pipelines } from './pipelines.js';
import type { RuntimeMetrics } from './metrics.js';
import { QueueWorker } from './queue-worker.js';
import { routeBatch } from './route-batch.js';

// Batches routed at once, and the most events in one: what is ready is taken, so batches are small
// under light load (low latency) and full under heavy load (one transaction for many events).
const ROUTING_BATCHES = 2;
const ROUTING_BATCH_SIZE = 256;

/** The workers of the routing queue (tracker + pipelines) and of the tracker's timers. */
export class RoutingWorkers {
  private readonly routing: QueueWorker<CallEvent>;
  private readonly timers: QueueWorker<{ kind: string; key: string }>;

  constructor(
    store: Store,
    pipelines: Pipelines,
    tracker: CallTracker,
    options: { trackCalls: boolean; callers?: CallerHistory; leaseMs: number; logger: Logger; metrics: RuntimeMetrics; afterWrite?: (point: string) => void },
  ) {
    const { logger, metrics, afterWrite, leaseMs, trackCalls, callers } = options;
    const onOutcomes = (derived: CallEvent[]) => {
      for (const event of derived) metrics.callOutcomes.inc({ outcome: event.type });
    };
    // Call-level events enter the log like any other (the tracker writes them with the call's
    // state), so they are routed (and replayable) the same way. The router is read per batch:
    // a reload's pipelines take over between batches.
    const deps = { store, tracker: trackCalls ? tracker : undefined, callers: trackCalls ? callers : undefined, logger, onOutcomes, afterWrite, get router() { return pipelines.router; } };
    this.routing = new QueueWorker('routing', store.routing, (leases) => routeBatch(leases, deps), {
      concurrency: ROUTING_BATCHES, batchSize: ROUTING_BATCH_SIZE, leaseMs, logger,
    });
    this.timers = QueueWorker.perItem('timers', store.timers, async (lease) => {
      onOutcomes(await tracker.onTimer(lease.payload));
      await store.timers.ack(lease);
      afterWrite?.('timers:ack');
    }, { concurrency: 4, leaseMs, logger });
  }

  start(): void {
    this.routing.start();
    this.timers.start();
  }

  async stop(graceMs: number): Promise<void> {
    await this.routing.stop(graceMs);
    await this.timers.stop(graceMs);
  }
}
