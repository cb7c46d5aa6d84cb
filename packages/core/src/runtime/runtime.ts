import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from '../config/load.js';
import type { CallEvent } from '../model/call-event.js';
import type { Sink } from '../plugin/sink.js';
import type { Source } from '../plugin/source.js';
import type { Clock } from '../plugin/tokens.js';
import type { Store } from '../store/store.js';
import { PluginHost, attributed } from '../plugin/host.js';
import { IngestServer } from '../http/server.js';
import type { MountedSource } from '../http/ingest.js';
import { Router, type RunnablePipeline } from '../pipeline/router.js';
import { CallTracker } from '../tracker/call-tracker.js';
import { CallerHistory } from '../tracker/caller-history.js';
import { SinkWorker } from '../delivery/sink-worker.js';
import { QueueWorker } from './queue-worker.js';
import { routeBatch } from './route-batch.js';
import { BacklogMonitor } from './backlog-monitor.js';
import { RuntimeMetrics } from './metrics.js';
import { createLogger } from './logger.js';
import { errorMessage } from '../errors.js';

export interface RuntimeOptions {
  logger?: Logger;
  clock?: Clock;
  http?: typeof fetch;
  /**
   * Called after each durable write of the routing path: `routing:commit` (a whole batch, on stores
   * with `commitRouting`), else `tracker:state`, `tracker:events`, `tracker:timers`,
   * `routing:deliveries`, `routing:ack`; and for timers `timer:state`, `timers:ack`. Fault tests
   * kill the process there to prove that no write depends on the next one happening.
   */
  afterWrite?: (point: string) => void;
  /** How long routing and timer work is leased before another node (or a restart) takes it over. Default 10 s. */
  routingLeaseMs?: number;
}

// Batches routed at once, and the most events in one: what is ready is taken, so batches are small
// under light load (low latency) and full under heavy load (one transaction for many events).
const ROUTING_BATCHES = 2;
const ROUTING_BATCH_SIZE = 256;
// How often queue depths, the routing lag and the backlog bound are checked.
const BACKLOG_CHECK_MS = 1000;
// Routing a batch takes milliseconds; after a crash, its leased events are handed out again after this.
const LEASE_MS = 10_000;

/**
 * One callrelay node: the store, the sources behind the HTTP server, the router (call tracker +
 * pipelines) and one delivery worker per sink. Start it, and stop it on SIGTERM.
 */
export class Runtime {
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  private readonly host: PluginHost;
  private readonly clock: Clock;
  private store?: Store;
  private server?: IngestServer;
  private readonly sources: MountedSource[] = [];
  private readonly sinks = new Map<string, Sink>();
  private readonly sinkWorkers: SinkWorker[] = [];
  private routingWorker?: QueueWorker<CallEvent>;
  private timerWorker?: QueueWorker<{ kind: string; key: string }>;
  private depthTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private readonly afterWrite?: (point: string) => void;
  private readonly leaseMs: number;

  constructor(readonly config: ResolvedConfig, options: RuntimeOptions = {}) {
    this.logger = options.logger ?? createLogger({ level: config.log.level, secretKeys: config.secretKeys, secretValues: config.secretValues });
    this.metrics = new RuntimeMetrics();
    this.clock = options.clock ?? { now: () => Date.now() };
    this.afterWrite = options.afterWrite;
    this.leaseMs = options.routingLeaseMs ?? LEASE_MS;
    this.host = new PluginHost({ logger: this.logger, clock: this.clock, http: options.http ?? fetch, metrics: this.metrics.registry });
  }

  /** Opens the store, creates every connector, starts the workers, then opens the HTTP routes. */
  async start(): Promise<AddressInfo> {
    const { config } = this;
    try {
      const storeDef = config.store.definition;
      this.store = await this.host.createStore(storeDef, config.store.options, config.baseDir);
      this.host.bindStore(this.store);
      const store = this.store;

      for (const sink of config.sinks) {
        this.sinks.set(sink.id, await this.host.createConnector(sink.id, sink.definition, sink.options, config.baseDir, { delivery: sink.delivery }));
      }
      const pipelines: RunnablePipeline[] = [];
      for (const pipeline of config.pipelines) {
        const transforms = [];
        for (const [index, transform] of pipeline.transforms.entries()) {
          transforms.push(await this.host.createConnector(`${pipeline.id}.${index}`, transform.definition, transform.options, config.baseDir));
        }
        pipelines.push({ id: pipeline.id, from: new Set(pipeline.from), when: pipeline.when, transforms, to: pipeline.to });
      }
      const router = new Router(pipelines, this.logger);
      // Call-level events enter the log like any other (the tracker writes them with the call's
      // state), so they are routed (and replayable) the same way.
      const tracker = new CallTracker(store, {
        callTimeoutMs: config.tracker.callTimeoutMs, settleMs: config.tracker.settleMs, quietMs: config.tracker.quietMs,
        now: () => this.clock.now(), logger: this.logger, afterWrite: this.afterWrite,
      });
      const emit = (derived: CallEvent[]) => {
        for (const event of derived) this.metrics.callOutcomes.inc({ outcome: event.type });
      };
      const callers = config.tracker.enabled
        ? new CallerHistory(store, { callbackWindowMs: config.tracker.callbackWindowMs, timeZone: config.tracker.timeZone, logger: this.logger })
        : undefined;
      const routing = { store, router, tracker: config.tracker.enabled ? tracker : undefined, callers, logger: this.logger, onOutcomes: emit, afterWrite: this.afterWrite };
      this.routingWorker = new QueueWorker('routing', store.routing, (leases) => routeBatch(leases, routing), {
        concurrency: ROUTING_BATCHES, batchSize: ROUTING_BATCH_SIZE, leaseMs: this.leaseMs, logger: this.logger,
      });
      this.timerWorker = QueueWorker.perItem('timers', store.timers, async (lease) => {
        emit(await tracker.onTimer(lease.payload));
        await store.timers.ack(lease);
        this.afterWrite?.('timers:ack');
      }, { concurrency: 4, leaseMs: this.leaseMs, logger: this.logger });

      for (const sink of config.sinks) {
        const worker = new SinkWorker(sink.id, this.sinks.get(sink.id)!, store.deliveries(sink.id), sink.delivery, {
          deadLetters: store.deadLetters, metrics: this.metrics, logger: this.logger, now: () => this.clock.now(),
        });
        this.sinkWorkers.push(worker);
      }

      for (const source of config.sources) {
        const instance: Source = await this.host.createConnector(source.id, source.definition, source.options, config.baseDir);
        await attributed('starting', 'source', source.id, source.definition.type, () => instance.start?.());
        this.sources.push({ id: source.id, route: source.route, platform: source.definition.platform ?? source.definition.type, defaultCountry: source.defaultCountry, source: instance });
      }

      for (const worker of this.sinkWorkers) worker.start();
      this.routingWorker.start();
      this.timerWorker.start();
      const backlog = new BacklogMonitor(store, [...this.sinks.keys()], config.backlog, { metrics: this.metrics, logger: this.logger, now: () => this.clock.now() });
      this.depthTimer = setInterval(() => void this.checkBacklog(backlog), BACKLOG_CHECK_MS).unref();

      this.server = new IngestServer(this.sources, config.server, { store, metrics: this.metrics, logger: this.logger });
      const address = await this.server.listen();
      this.server.ready = true;
      return address;
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'start failed; releasing what was opened');
      await this.stop();
      throw err;
    }
  }

  /** The sources mounted, with their routes (for the start banner). */
  get routes(): { id: string; route: string; methods: readonly string[] }[] {
    return this.sources.map((s) => ({ id: s.id, route: s.route, methods: s.source.methods ?? ['POST'] }));
  }

  private async checkBacklog(monitor: BacklogMonitor): Promise<void> {
    try {
      const state = await monitor.check();
      if (this.server) this.server.backlog = state;
    } catch (err) {
      this.logger.debug({ err }, 'reading queue depths failed');
    }
  }

  /**
   * Graceful stop: intake first (new webhooks get 503), then routing, then in-flight deliveries
   * within `shutdownGraceMs` (what does not finish is handed back to the queue), then connectors
   * and the store. Safe to call twice.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const grace = this.config.server.shutdownGraceMs;
    clearInterval(this.depthTimer);
    const step = async (what: string, fn: () => Promise<unknown> | undefined) => {
      try { await fn(); } catch (err) { this.logger.error({ err, what }, 'error while stopping'); }
    };
    await step('server', () => this.server?.close());
    await step('routing', () => this.routingWorker?.stop(grace));
    await step('timers', () => this.timerWorker?.stop(grace));
    await Promise.all(this.sinkWorkers.map((w) => step(`sink ${w.sinkId}`, () => w.stop(grace))));
    await Promise.all([...this.sinks.values()].map((s) => step('sink close', () => s.close?.())));
    await Promise.all(this.sources.map((s) => step(`source ${s.id}`, () => s.source.stop?.())));
    await step('store', () => this.store?.close());
    this.logger.flush?.();
  }

  /** The open store (for admin commands running in-process, and tests). */
  get openStore(): Store | undefined {
    return this.store;
  }
}
