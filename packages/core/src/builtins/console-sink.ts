import { z } from 'zod';
import { defineSink } from '../plugin/define.js';
import type { CallEvent } from '../model/call-event.js';

const config = z.object({
  format: z.enum(['line', 'json']).default('line')
    .meta({ description: '`line`: one readable line per event; `json`: the canonical event as one JSON line.' }),
  stream: z.enum(['stdout', 'stderr']).default('stdout').meta({ description: 'Where to write.' }),
});

/** C0 controls, DEL and C1 controls (`\x9b` is a one-byte CSI on some terminals). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/**
 * Characters that are not controls but still change how a line reads: Unicode line and paragraph
 * separators (a new line in some log viewers), and bidirectional overrides and isolates (they
 * reorder the rest of the line on screen: "Trojan Source", CVE-2021-42574).
 */
const INVISIBLE_LAYOUT = /[\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');

/**
 * Makes a line printable as one line of a terminal or a log file: every character that could end
 * the line, forge another one, move the cursor or colour the screen (CR, LF, ESC and the rest of
 * C0/C1, Unicode separators and bidi controls) is written as an escape (`\n`, `\x1b`, `\u2028`),
 * and `\` as `\\`, so that the escaped text reads back unambiguously.
 */
export function escapeLine(text: string): string {
  return text.replace(/\\/g, '\\\\')
    .replace(CONTROL, (c) => NAMED[c] ?? `\\x${hex(c, 2)}`)
    .replace(INVISIBLE_LAYOUT, (c) => `\\u${hex(c, 4)}`);
}

/**
 * The canonical event as one JSON line. `JSON.stringify` already escapes C0 controls (CR, LF,
 * ESC) inside strings; DEL, C1 controls, Unicode separators and bidi controls are valid raw in
 * JSON and are escaped here as well (`\u009b`), which keeps the line valid JSON.
 */
export function eventJsonLine(event: CallEvent): string {
  return JSON.stringify(event).replace(/[\u007f-\u009f]/g, (c) => `\\u${hex(c, 4)}`)
    .replace(INVISIBLE_LAYOUT, (c) => `\\u${hex(c, 4)}`);
}

/**
 * One readable line: what happened, who called whom, and the ids to find it again. Every value in
 * it comes from a webhook (a caller ID name is typed by the caller), so the line is escaped: a
 * line break in a name cannot forge a second log line (issue 12).
 */
export function describeEvent(event: CallEvent): string {
  const who = (p?: { e164?: string; extension?: string; raw: string; name?: string }) =>
    p ? `${p.e164 ?? p.extension ?? p.raw}${p.name ? ` (${p.name})` : ''}` : '?';
  const parts = [`[${event.source}] ${event.type.toUpperCase()}`, `${event.direction} call ${who(event.from)} -> ${who(event.to)}`];
  if (event.agent) parts.push(`agent ${who(event.agent)}`);
  if (event.outcome) parts.push(`outcome ${event.outcome}`);
  if (event.talkSeconds !== undefined) parts.push(`talk ${event.talkSeconds}s`);
  parts.push(`call ${event.callId}`, `at ${event.occurredAt}`);
  if (event.flags?.length) parts.push(`flags ${event.flags.join(',')}`);
  return escapeLine(parts.join(' · '));
}

/** Prints events to the terminal: the quickstart's way of showing that something happened. */
export const consoleSink = defineSink({
  type: 'console',
  description: 'Prints each event to stdout (readable line or JSON), one line per event with control characters escaped, for trying pipelines out.',
  config,
  example: { type: 'console', format: 'line' },
  create(options) {
    const out = options.stream === 'stderr' ? process.stderr : process.stdout;
    return {
      async deliver(event) {
        const line = options.format === 'json' ? eventJsonLine(event) : describeEvent(event);
        await new Promise<void>((resolve, reject) => out.write(`${line}\n`, (err) => (err ? reject(err) : resolve())));
      },
    };
  },
});
