import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { RuntimeMetrics } from './metrics.js';

export interface BacklogOptions {
  maxEvents: number;
  retryAfterSeconds: number;
  warnLagSeconds: number;
}

/** What the monitor last saw. */
export interface BacklogState {
  overloaded: boolean;
  retryAfterSec: number;
  detail: { routing: number; routingLagSeconds: number; timers: number; sinks: Record<string, number> };
}

const WARN_EVERY_MS = 60_000;

/**
 * Watches how far the pipeline is behind ingest: events waiting to be routed (count, and the age
 * of the oldest: the lag), timers and each sink's queue. Publishes them as metrics
 * (`callrelay_queue_depth`, `callrelay_routing_lag_seconds`), logs a warning while the lag is past
 * `warnLagSeconds`, and reports `overloaded` when more than `maxEvents` wait to be routed, so that
 * ingest answers 503 + Retry-After until the pipeline catches up. Sink queues are reported but never
 * stop ingestion: a sink that is down only fills its own queue.
 */
export class BacklogMonitor {
  private lastWarn = 0;
  private checks = 0;
  state: BacklogState;

  constructor(
    private readonly store: Store,
    /** The sinks whose queues are reported (a function: a reload changes them). */
    private readonly sinkIds: readonly string[] | (() => readonly string[]),
    private readonly options: BacklogOptions,
    private readonly deps: { metrics: RuntimeMetrics; logger: Logger; now: () => number },
  ) {
    this.state = { overloaded: false, retryAfterSec: options.retryAfterSeconds, detail: { routing: 0, routingLagSeconds: 0, timers: 0, sinks: {} } };
  }

  async check(): Promise<BacklogState> {
    const { store, deps } = this;
    const now = deps.now();
    const routing = await store.routing.depth();
    const oldest = await store.routing.oldestWaiting?.();
    const lagSeconds = oldest !== undefined && oldest < now ? Math.round((now - oldest) / 100) / 10 : 0;
    // The bound needs the routing figures every time; timers (one per open call) and sink queues
    // are only reported, and counting a large queue costs the store's writer: every 5th check.
    const full = this.checks++ % 5 === 0;
    const timers = full ? await store.timers.depth() : this.state.detail.timers;
    const sinks: Record<string, number> = full ? {} : this.state.detail.sinks;
    if (full) for (const id of typeof this.sinkIds === 'function' ? this.sinkIds() : this.sinkIds) sinks[id] = await store.deliveries(id).depth();

    deps.metrics.queueDepth.set({ queue: 'routing' }, routing);
    deps.metrics.queueDepth.set({ queue: 'timers' }, timers);
    for (const [id, depth] of Object.entries(sinks)) deps.metrics.queueDepth.set({ queue: `sink:${id}` }, depth);
    deps.metrics.routingLag.set(lagSeconds);

    const overloaded = routing > this.options.maxEvents;
    if (overloaded !== this.state.overloaded) {
      if (overloaded) deps.logger.warn({ routing, maxEvents: this.options.maxEvents }, 'pipeline backlog past backlog.maxEvents: webhooks get 503 + Retry-After until it catches up');
      else deps.logger.info({ routing }, 'pipeline caught up: accepting webhooks again');
    }
    if (lagSeconds > this.options.warnLagSeconds && now - this.lastWarn >= WARN_EVERY_MS) {
      this.lastWarn = now;
      deps.logger.warn({ routing, lagSeconds, sinks }, `the pipeline is ${lagSeconds} s behind ingest`);
    }
    this.state = { overloaded, retryAfterSec: this.options.retryAfterSeconds, detail: { routing, routingLagSeconds: lagSeconds, timers, sinks } };
    return this.state;
  }
}
