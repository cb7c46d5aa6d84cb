import { z } from 'zod';
import { defineSink } from '../plugin/define.js';
import type { CallEvent } from '../model/call-event.js';

const config = z.object({
  format: z.enum(['line', 'json']).default('line')
    .meta({ description: '`line`: one readable line per event; `json`: the canonical event as one JSON line.' }),
  stream: z.enum(['stdout', 'stderr']).default('stdout').meta({ description: 'Where to write.' }),
});

/** One readable line: what happened, who called whom, and the ids to find it again. */
export function describeEvent(event: CallEvent): string {
  const who = (p?: { e164?: string; extension?: string; raw: string; name?: string }) =>
    p ? `${p.e164 ?? p.extension ?? p.raw}${p.name ? ` (${p.name})` : ''}` : '?';
  const parts = [`[${event.source}] ${event.type.toUpperCase()}`, `${event.direction} call ${who(event.from)} -> ${who(event.to)}`];
  if (event.agent) parts.push(`agent ${who(event.agent)}`);
  if (event.outcome) parts.push(`outcome ${event.outcome}`);
  if (event.talkSeconds !== undefined) parts.push(`talk ${event.talkSeconds}s`);
  parts.push(`call ${event.callId}`, `at ${event.occurredAt}`);
  if (event.flags?.length) parts.push(`flags ${event.flags.join(',')}`);
  return parts.join(' · ');
}

/** Prints events to the terminal: the quickstart's way of showing that something happened. */
export const consoleSink = defineSink({
  type: 'console',
  description: 'Prints each event to stdout (readable line or JSON), for trying pipelines out.',
  config,
  example: { type: 'console', format: 'line' },
  create(options) {
    const out = options.stream === 'stderr' ? process.stderr : process.stdout;
    return {
      async deliver(event) {
        const line = options.format === 'json' ? JSON.stringify(event) : describeEvent(event);
        await new Promise<void>((resolve, reject) => out.write(`${line}\n`, (err) => (err ? reject(err) : resolve())));
      },
    };
  },
});
