import type { Logger } from 'pino';
import type { CallEvent } from '../model/call-event.js';
import type { Transform } from '../plugin/define.js';
import type { Delivery, EnqueueItem } from '../store/store.js';
import type { WhenClause } from '../config/schema.js';
import { matchesWhen } from './filter.js';
import type { PipelineEnvironment } from './core-steps.js';
import { digestQueueName, heldUntil, type HeldDelivery } from './digest.js';

/** A pipeline ready to run: its transforms are instances. */
export interface RunnablePipeline {
  id: string;
  from: ReadonlySet<string>;
  when?: WhenClause;
  transforms: Transform[];
  to: string[];
  /** Hold events while these business hours are closed (see {@link HeldDelivery}). */
  digest?: { calendar: string };
}

export interface RouterOptions {
  /** Business hours, routing tables and source time zones (`when`, digests). */
  environment?: PipelineEnvironment;
  /** Epoch ms now: whether a digest's calendar is still closed. Default `Date.now`. */
  now?: () => number;
}

/**
 * Decides which sinks receive an event: every pipeline whose `from` lists the event's source and
 * whose `when` matches the event as stored (`when` is evaluated before the pipeline's transforms),
 * shaped by its transforms. One event may reach many sinks through many pipelines; each
 * (pipeline, sink, event) is one delivery with a deterministic id, so routing the same event twice
 * (after a crash) enqueues nothing new. A pipeline with a `digest` puts its deliveries made while
 * its business hours are closed in a holding queue (`digestQueueName`) instead of the sink's.
 */
export class Router {
  private readonly environment?: PipelineEnvironment;
  private readonly now: () => number;

  constructor(private readonly pipelines: readonly RunnablePipeline[], private readonly logger: Logger, options: RouterOptions = {}) {
    this.environment = options.environment;
    this.now = options.now ?? Date.now;
  }

  async route(event: CallEvent): Promise<Map<string, EnqueueItem<Delivery>[]>> {
    const bySink = new Map<string, EnqueueItem<Delivery>[]>();
    for (const pipeline of this.pipelines) {
      if (!pipeline.from.has(event.source) || !matchesWhen(event, pipeline.when, this.environment)) continue;
      let shaped: CallEvent | null = event;
      for (const transform of pipeline.transforms) {
        try {
          shaped = await transform.apply(structuredClone(shaped));
        } catch (err) {
          // A transform that throws must not lose the event: it goes on unshaped, and the error is logged.
          this.logger.error({ err, pipeline: pipeline.id, event: event.id }, 'transform failed; delivering the event without it');
        }
        if (shaped === null) break;
      }
      if (shaped === null) continue;
      const calendar = pipeline.digest?.calendar;
      const until = calendar && this.environment ? heldUntil(shaped, calendar, this.environment, this.now()) : undefined;
      for (const sinkId of pipeline.to) {
        const queue = until === undefined ? sinkId : digestQueueName(pipeline.id, sinkId);
        const payload: Delivery | HeldDelivery = until === undefined
          ? { sinkId, pipeline: pipeline.id, event: shaped }
          : { sinkId, pipeline: pipeline.id, event: shaped, heldUntil: new Date(until).toISOString(), calendar: calendar! };
        const items = bySink.get(queue) ?? [];
        items.push({ id: `${pipeline.id}/${sinkId}/${event.id}`, payload });
        bySink.set(queue, items);
      }
    }
    return bySink;
  }
}
