import { Container, type ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from '../config/load.js';
import type { Clock } from '../plugin/tokens.js';
import type { Store } from '../store/store.js';
import type { IngestServer } from '../http/server.js';
import type { AdminServer } from '../http/admin-server.js';
import { TOKENS } from '../plugin/tokens.js';
import { PluginHost } from '../plugin/host.js';
import { RUNTIME_TOKENS } from './tokens.js';
import { coreModules } from './modules/index.js';
import { restartNeeded } from './reload.js';
import type { Lifecycle } from './lifecycle.js';
import type { RuntimeMetrics } from './metrics.js';
import type { DeliveryEngine, PreparedSink } from './delivery-engine.js';
import type { Pipelines, PreparedPipelines } from './pipelines.js';
import type { PreparedSources, Sources } from './sources.js';
import { errorMessage } from '../errors.js';

export interface RuntimeOptions {
  /** Shorthand for rebinding `TOKENS.Logger`. */
  logger?: Logger;
  /** Shorthand for rebinding `TOKENS.Clock`. */
  clock?: Clock;
  /** Shorthand for rebinding `TOKENS.HttpClient`. */
  http?: typeof fetch;
  /**
   * Container modules loaded after the core ones: an embedder or a test rebinds any service there
   * (`rebindSync(TOKENS.Store).toConstantValue(memoryStore)`, a fake `TOKENS.Clock`, a recording
   * `TOKENS.HttpClient`) or binds its own. See docs/architecture.md.
   */
  modules?: ContainerModule[];
  /**
   * Called after each durable write of the routing path: `routing:commit` (a whole batch, on stores
   * with `commitRouting`), else `tracker:state`, `tracker:events`, `tracker:timers`,
   * `routing:deliveries`, `routing:ack`; and for timers `timer:state`, `timers:ack`. Fault tests
   * kill the process there to prove that no write depends on the next one happening.
   */
  afterWrite?: (point: string) => void;
  /** How long routing and timer work is leased before another node (or a restart) takes it over. Default 10 s. */
  routingLeaseMs?: number;
  /** Digests: the longest a held delivery waits before its due time is checked again on `clock` (tests with a fake clock set it short). */
  digestRecheckMs?: number;
}

/** What a reload did. */
export interface ReloadResult {
  applied: boolean;
  /** Why it was refused, when it was. */
  problems: string[];
}

/**
 * One callrelay node, composed from one inversify container (modules in `./modules`): the store,
 * the sources behind the HTTP server, the router (call tracker + pipelines), one delivery worker
 * per sink, and the admin listener. Start it, reload it, and stop it on SIGTERM.
 */
export class Runtime {
  /** The node's container: rebind services here before `start` (or pass `options.modules`). */
  readonly container: Container;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  private current: ResolvedConfig;
  private started = false;
  private stopping?: Promise<void>;
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(config: ResolvedConfig, options: RuntimeOptions = {}) {
    this.current = config;
    this.container = new Container();
    this.container.bind(RUNTIME_TOKENS.PluginHost).toConstantValue(new PluginHost(this.container));
    this.container.loadSync(...coreModules(config, options), ...(options.modules ?? []));
    this.logger = this.container.get<Logger>(TOKENS.Logger);
    this.metrics = this.container.get<RuntimeMetrics>(RUNTIME_TOKENS.RuntimeMetrics);
  }

  /** The configuration running (the last one a reload applied). */
  get config(): ResolvedConfig {
    return this.current;
  }

  /**
   * Starts the stages in order (store, admin listener, sinks, routing, backlog monitor, sources and
   * the public listener); resolves with the public listener's address.
   */
  async start(): Promise<AddressInfo> {
    try {
      this.started = true;
      await this.container.get<Lifecycle>(RUNTIME_TOKENS.Lifecycle).start();
      return (await this.container.getAsync<IngestServer>(RUNTIME_TOKENS.IngestServer)).address!;
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'start failed; releasing what was opened');
      await this.stop();
      throw err;
    }
  }

  /** The sources mounted, with their routes (for the start banner). */
  get routes(): { id: string; route: string; methods: readonly string[] }[] {
    if (!this.started) return [];
    return this.container.get<Sources>(RUNTIME_TOKENS.Sources).mounted.map((s) => ({ id: s.id, route: s.route, methods: s.source.methods ?? ['POST'] }));
  }

  /** The admin listener's address, when the config has `admin` and the node started. */
  get adminAddress(): AddressInfo | undefined {
    if (!this.started || !this.current.admin || this.stopping) return undefined;
    return this.container.get<AdminServer>(RUNTIME_TOKENS.AdminServer).address;
  }

  /**
   * Graceful stop, the stages in reverse: intake first (new webhooks get 503), then the backlog
   * monitor, routing, in-flight deliveries within `shutdownGraceMs` (what does not finish is
   * handed back to the queue) and the sinks, the admin listener, and the store. Safe to call twice.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    await this.reloading.catch(() => undefined);
    await this.container.get<Lifecycle>(RUNTIME_TOKENS.Lifecycle).stop();
    this.logger.flush?.();
  }

  /**
   * Applies a new configuration (SIGHUP): sinks, pipelines and sources change; a change of `store`,
   * `server`, `admin`, `tracker`, `backlog` or `log`, or a new secret value, needs a restart and is
   * refused, the node going on with the configuration it has. New connectors are created (and sources started) before
   * anything is swapped: when one fails, nothing changes. Then new sinks deliver, the next batches
   * are routed with the new pipelines, the new routes are mounted; replaced sources stop, and
   * replaced or removed sinks stop after their in-flight deliveries. What is queued for a sink that
   * remains is kept. Reloads run one at a time.
   */
  reload(next: ResolvedConfig): Promise<ReloadResult> {
    const run = this.reloading.then(() => this.doReload(next));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async doReload(next: ResolvedConfig): Promise<ReloadResult> {
    if (!this.started || this.stopping) return { applied: false, problems: ['the node is not running'] };
    const restart = restartNeeded(this.current, next);
    if (restart.length) {
      const problems = restart.map((section) => (section === 'secrets'
        ? 'a new secret value needs a restart (the log redacts the secrets it was started with)'
        : `changing ${section} needs a restart`));
      for (const problem of problems) this.logger.error({ file: next.file }, `reload refused: ${problem}; still running the previous configuration`);
      return { applied: false, problems };
    }
    const delivery = await this.container.getAsync<DeliveryEngine>(RUNTIME_TOKENS.DeliveryEngine);
    const pipelines = this.container.get<Pipelines>(RUNTIME_TOKENS.Pipelines);
    const sources = this.container.get<Sources>(RUNTIME_TOKENS.Sources);
    const ingest = await this.container.getAsync<IngestServer>(RUNTIME_TOKENS.IngestServer);
    let sinks: PreparedSink[] | undefined;
    let routes: PreparedPipelines | undefined;
    let intake: PreparedSources | undefined;
    try {
      sinks = await delivery.prepare(next.sinks);
      routes = await pipelines.prepare(next.pipelines, next.environment);
      intake = await sources.prepare(next.sources);
    } catch (err) {
      if (sinks) await delivery.discard(sinks.filter((s) => s.hosted));
      if (routes) await pipelines.discard(routes);
      const problem = errorMessage(err);
      this.logger.error({ file: next.file }, `reload failed: ${problem}; still running the previous configuration`);
      return { applied: false, problems: [problem] };
    }
    const retireSinks = delivery.apply(sinks);
    await pipelines.apply(routes);
    const retireSources = sources.apply(intake);
    ingest.mount(sources.mounted);
    this.current = next;
    this.container.rebindSync(RUNTIME_TOKENS.Config).toConstantValue(next);
    await retireSources();
    await retireSinks();
    this.logger.info({ file: next.file, sources: next.sources.map((s) => s.id), sinks: next.sinks.map((s) => s.id), pipelines: next.pipelines.map((p) => p.id) }, 'configuration reloaded');
    return { applied: true, problems: [] };
  }

  /** The open store (for admin commands running in-process, and tests). */
  get openStore(): Store | undefined {
    if (!this.started || !this.container.isBound(TOKENS.Store)) return undefined;
    try {
      return this.container.get<Store>(TOKENS.Store);
    } catch {
      return undefined;
    }
  }
}
