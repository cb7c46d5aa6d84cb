import { liquid, type CallEvent, type SinkDefinition } from '@callrelay/core';
import type { ResolvedSink } from '@callrelay/core/host';
import { ChannelTemplate, MessageRenderer } from '@callrelay/sink-slack';
import { compileColumns, formatInZone, type ColumnSpec } from '@callrelay/sink-csv';

/** What a sink would have sent for one event: the event, and the sink's rendering of it when callrelay knows it. */
export interface Delivered {
  /** Which pipeline routed the event to the sink. */
  pipeline: string;
  event: CallEvent;
  /** Slack: `{ channel, text, blocks }` (channel in Web API mode); CSV: `{ row }` (header to cell); webhook: `{ body }` (parsed when JSON). */
  rendered?: Record<string, unknown>;
}

type Render = (event: CallEvent) => Promise<Record<string, unknown>>;

/**
 * The sink's own rendering, made from the same exported pieces the sink uses (so a template error
 * shows as it would in production): Slack's `MessageRenderer`, the CSV sink's column compiler, the
 * webhook sink's body. Other sinks (HubSpot, third-party) are recorded as events only.
 */
function rendererFor(type: string, options: Record<string, unknown>): Render | undefined {
  switch (type) {
    case 'slack': {
      const renderer = new MessageRenderer({ text: options.text as string | undefined, blocks: options.blocks as string | undefined, timeZone: (options.timeZone as string | undefined) ?? 'UTC' });
      // Web API mode names a channel, maybe a template (`{{ route.slackChannel }}`): show where the message goes.
      const channel = typeof options.channel === 'string' ? new ChannelTemplate(options.channel) : undefined;
      return async (event) => ({ ...(channel ? { channel: await channel.render(event) } : {}), ...(await renderer.render(event)) });
    }
    case 'csv': {
      const columns = compileColumns(options.columns as ColumnSpec[], { timeZone: options.timeZone as string, escapeFormulas: options.escapeFormulas as boolean, formatTime: formatInZone });
      return async (event) => {
        const cells = columns.row(event);
        return { row: Object.fromEntries(columns.headers.map((header, i) => [header, cells[i]])) };
      };
    }
    case 'webhook': {
      const template = typeof options.template === 'string' ? liquid.parse(options.template) : undefined;
      return async (event) => {
        const text = template ? await liquid.render(template, { ...event, event }) : JSON.stringify(event);
        try {
          return { body: JSON.parse(text) as unknown };
        } catch {
          return { body: text };
        }
      };
    }
    default:
      return undefined;
  }
}

/**
 * The configured sink with its connector replaced by a recorder: same id, options and delivery
 * settings (so batching, digests and retries route the same), nothing sent anywhere.
 */
export function recordingSink(sink: ResolvedSink, into: Map<string, Delivered[]>): ResolvedSink {
  const received: Delivered[] = [];
  into.set(sink.id, received);
  const render = rendererFor(sink.definition.type, sink.options);
  const definition: SinkDefinition = {
    ...sink.definition,
    create: () => ({
      async deliver(event, context) {
        // A rendering error is recorded, not thrown: thrown, it would be retried for as long as the test waits.
        let rendered: Record<string, unknown> | undefined;
        if (render) rendered = await render(event).catch((err: unknown) => ({ error: (err as Error).message }));
        received.push({ pipeline: context.pipeline, event: structuredClone(event), ...(rendered ? { rendered } : {}) });
      },
    }),
  };
  return { ...sink, definition };
}
