import type { Logger } from 'pino';
import type { CallEvent } from '../model/call-event.js';
import type { Transform } from '../plugin/define.js';
import type { Delivery, EnqueueItem } from '../store/store.js';
import type { WhenClause } from '../config/schema.js';
import { matchesWhen } from './filter.js';

/** A pipeline ready to run: its transforms are instances. */
export interface RunnablePipeline {
  id: string;
  from: ReadonlySet<string>;
  when?: WhenClause;
  transforms: Transform[];
  to: string[];
}

/**
 * Decides which sinks receive an event: every pipeline whose `from` lists the event's source and
 * whose `when` matches the event as stored (`when` is evaluated before the pipeline's transforms),
 * shaped by its transforms. One event may reach many sinks through many pipelines; each
 * (pipeline, sink, event) is one delivery with a deterministic id, so routing the same event twice
 * (after a crash) enqueues nothing new.
 */
export class Router {
  constructor(private readonly pipelines: readonly RunnablePipeline[], private readonly logger: Logger) {}

  async route(event: CallEvent): Promise<Map<string, EnqueueItem<Delivery>[]>> {
    const bySink = new Map<string, EnqueueItem<Delivery>[]>();
    for (const pipeline of this.pipelines) {
      if (!pipeline.from.has(event.source) || !matchesWhen(event, pipeline.when)) continue;
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
      for (const sinkId of pipeline.to) {
        const items = bySink.get(sinkId) ?? [];
        items.push({ id: `${pipeline.id}/${sinkId}/${event.id}`, payload: { sinkId, pipeline: pipeline.id, event: shaped } });
        bySink.set(sinkId, items);
      }
    }
    return bySink;
  }
}
