import type { Logger } from 'pino';
import type { ResolvedSink } from '../config/load.js';
import type { Sink } from '../plugin/sink.js';
import type { HostedConnector, PluginHost } from '../plugin/host.js';
import type { Clock } from '../plugin/tokens.js';
import type { Store } from '../store/store.js';
import type { RuntimeMetrics } from './metrics.js';
import { SinkWorker } from '../delivery/sink-worker.js';
import { sameSettings } from './reload.js';

interface RunningSink {
  config: ResolvedSink;
  hosted: HostedConnector<Sink>;
  worker: SinkWorker;
}

/** A sink created for the next configuration, not yet delivering. */
export interface PreparedSink {
  config: ResolvedSink;
  hosted?: HostedConnector<Sink>;
}

/**
 * The sinks of the node, each with its delivery worker (its own queue, retries, dead letters). On
 * reload, sinks whose settings did not change keep their instance and queue; new ones start; the
 * ones removed or changed stop after their in-flight deliveries (what is still queued for a sink
 * id stays in the store for a later configuration that names it again).
 */
export class DeliveryEngine {
  private readonly running = new Map<string, RunningSink>();

  constructor(
    private readonly host: PluginHost,
    private readonly store: Store,
    private readonly deps: { metrics: RuntimeMetrics; logger: Logger; clock: Clock; baseDir: string; graceMs: () => number },
  ) {}

  get sinkIds(): string[] {
    return [...this.running.keys()];
  }

  /** Creates the sinks of `sinks` that are new or changed (nothing starts delivering yet). */
  async prepare(sinks: readonly ResolvedSink[]): Promise<PreparedSink[]> {
    const prepared: PreparedSink[] = [];
    try {
      for (const sink of sinks) {
        const current = this.running.get(sink.id);
        if (current && sameSettings(current.config, sink)) {
          prepared.push({ config: sink });
          continue;
        }
        const hosted = await this.host.hostConnector(sink.id, sink.definition, sink.options, this.deps.baseDir, { delivery: sink.delivery });
        prepared.push({ config: sink, hosted });
      }
    } catch (err) {
      await this.discard(prepared);
      throw err;
    }
    return prepared;
  }

  /** Closes sinks prepared for a configuration that is not applied. */
  async discard(prepared: readonly PreparedSink[]): Promise<void> {
    await Promise.all(prepared.map((p) => p.hosted?.dispose().catch((err: unknown) => this.deps.logger.error({ err, sink: p.config.id }, 'error while closing a sink'))));
  }

  /**
   * Starts the workers of new and changed sinks; returns a function that stops the ones replaced or
   * removed (called once routing no longer sends them anything).
   */
  apply(prepared: readonly PreparedSink[]): () => Promise<void> {
    const retired: RunningSink[] = [];
    const keep = new Set(prepared.map((p) => p.config.id));
    for (const [id, running] of this.running) {
      if (!keep.has(id)) {
        retired.push(running);
        this.running.delete(id);
      }
    }
    for (const { config, hosted } of prepared) {
      if (!hosted) continue;
      const previous = this.running.get(config.id);
      if (previous) retired.push(previous);
      const worker = new SinkWorker(config.id, hosted.instance, this.store.deliveries(config.id), config.delivery, {
        deadLetters: this.store.deadLetters, metrics: this.deps.metrics, logger: this.deps.logger, now: () => this.deps.clock.now(),
      });
      this.running.set(config.id, { config, hosted, worker });
      worker.start();
    }
    return () => this.retire(retired);
  }

  /** Stops every worker (in-flight deliveries within the grace period), then closes the sinks. */
  async stop(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await this.retire(all);
  }

  private async retire(sinks: readonly RunningSink[]): Promise<void> {
    await Promise.all(sinks.map(async ({ config, hosted, worker }) => {
      try {
        await worker.stop(this.deps.graceMs());
      } catch (err) {
        this.deps.logger.error({ err, sink: config.id }, 'error while stopping a sink worker');
      }
      try {
        await hosted.dispose();
      } catch (err) {
        this.deps.logger.error({ err, sink: config.id }, 'error while closing a sink');
      }
    }));
  }
}
