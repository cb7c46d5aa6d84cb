import type { Logger } from 'pino';
import type { ResolvedPipeline } from '../config/load.js';
import type { HostedConnector, PluginHost } from '../plugin/host.js';
import type { Transform } from '../plugin/define.js';
import { Router, type RunnablePipeline } from '../pipeline/router.js';
import type { PipelineEnvironment } from '../pipeline/core-steps.js';

/** Pipelines built for a configuration, not yet routing. */
export interface PreparedPipelines {
  router: Router;
  transforms: HostedConnector<Transform>[];
}

/**
 * The pipelines routing uses. Routing reads {@link router} for each batch, so a reload swaps them
 * between batches: a batch in progress finishes with the pipelines it started with.
 */
export class Pipelines {
  router: Router;
  private transforms: HostedConnector<Transform>[] = [];

  constructor(private readonly host: PluginHost, private readonly deps: { logger: Logger; baseDir: string; now: () => number }) {
    this.router = new Router([], deps.logger);
  }

  /**
   * Creates the transforms of `pipelines` (each instance in its own child container); `environment`
   * is what their `when`, `filter` and `route` steps read (business hours, routing tables).
   */
  async prepare(pipelines: readonly ResolvedPipeline[], environment?: PipelineEnvironment): Promise<PreparedPipelines> {
    const transforms: HostedConnector<Transform>[] = [];
    try {
      const runnable: RunnablePipeline[] = [];
      for (const pipeline of pipelines) {
        const steps: Transform[] = [];
        for (const [index, transform] of pipeline.transforms.entries()) {
          const hosted = await this.host.hostConnector(`${pipeline.id}.${index}`, transform.definition, transform.options, this.deps.baseDir);
          transforms.push(hosted);
          steps.push(hosted.instance);
        }
        runnable.push({ id: pipeline.id, from: new Set(pipeline.from), when: pipeline.when, transforms: steps, to: pipeline.to, digest: pipeline.digest });
      }
      return { router: new Router(runnable, this.deps.logger, { environment, now: this.deps.now }), transforms };
    } catch (err) {
      await Promise.allSettled(transforms.map((t) => t.dispose()));
      throw err;
    }
  }

  /** Routes the next batches with `prepared`; the previous transforms are released. */
  async apply(prepared: PreparedPipelines): Promise<void> {
    const previous = this.transforms;
    this.router = prepared.router;
    this.transforms = prepared.transforms;
    await Promise.allSettled(previous.map((t) => t.dispose()));
  }

  /** Releases the transforms (after routing stopped). */
  async stop(): Promise<void> {
    const previous = this.transforms;
    this.transforms = [];
    await Promise.allSettled(previous.map((t) => t.dispose()));
  }

  async discard(prepared: PreparedPipelines): Promise<void> {
    await Promise.allSettled(prepared.transforms.map((t) => t.dispose()));
  }
}
