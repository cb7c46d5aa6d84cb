import { z } from 'zod';
import { ianaTimeZone } from '../calendar/schema.js';
import { toE164 } from '../model/phone.js';
import type { CallEvent, RouteMatch } from '../model/call-event.js';
import { fieldAt } from './filter.js';

const rowValue = z.union([z.string(), z.number(), z.boolean()]);

/** One row: what a matching call is given (`team`, `slackChannel`, `hubspotOwner`, `timeZone`, anything else). */
export const routeRowSchema = z.object({
  timeZone: ianaTimeZone.optional().meta({ description: 'The time zone of calls that match this row: `local.*` and `businessHours` in a `filter` step after the `route` step read it.' }),
}).catchall(rowValue).meta({
  description: 'Fields set under `route.` on a matching event, e.g. `team`, `slackChannel`, `hubspotOwner`, `timeZone`.',
  examples: [{ team: 'sales', slackChannel: 'C0SALES001', hubspotOwner: '1234567', timeZone: 'Europe/Berlin' }],
});
export type RouteRow = z.output<typeof routeRowSchema>;

/** One named entry of `routes:`. */
export const routeTableSchema = z.object({
  match: z.string().regex(/^[A-Za-z_$][\w$]*(\.[\w$]+)*$/, 'a dotted field path such as to.e164').default('to.e164').meta({
    description: 'The event field looked up: the called number (`to.e164`, the default), the queue or ring group (`to.extension`, `agent.extension`, `details.queue`)... A phone number (on either side) is compared in E.164 form.',
    examples: ['to.e164', 'to.extension', 'details.queue'],
  }),
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as US or GB').optional()
    .meta({ description: 'Country of numbers written nationally in `rows` and in the events (E.164 derivation).', examples: ['US'] }),
  rows: z.record(z.string().min(1), routeRowSchema).meta({ description: 'Value looked up (a number, a queue name): the fields it gives.' }),
  default: routeRowSchema.optional().meta({ description: 'Fields of a call that matches no row (counted in `callrelay_route_unmatched_total{table}`). Without it, such a call gets only `route.matched: false`.' }),
}).strict();
export type RouteTableConfig = z.output<typeof routeTableSchema>;

/** The top-level `routes:` section: named routing tables. */
export const routesSectionSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'ids are kebab-case: lower-case letters, digits, - and _'), routeTableSchema)
  .meta({ description: 'Named routing tables (called number, queue or ring group -> team, channel, owner) that a pipeline\'s `route` step looks calls up in. See docs/routing-tables.md.' });

/** A key as compared: an E.164 number when the text reads as a phone number, else the text trimmed. */
function normalizedKey(value: string, defaultCountry: string | undefined): string {
  const text = value.trim();
  return /^\+?[\d\s().-]{3,}$/.test(text) ? (toE164(text, defaultCountry) ?? text) : text;
}

/**
 * A routing table ready to look calls up in. Row keys and looked-up values are normalised alike
 * (phone numbers to E.164), so `"+1 (212) 555-0100"` in the file matches `+12125550100` in an event.
 */
export class RouteTable {
  private readonly rows = new Map<string, RouteRow>();

  constructor(readonly name: string, private readonly config: RouteTableConfig) {
    for (const [key, row] of Object.entries(config.rows)) this.rows.set(normalizedKey(key, config.defaultCountry), row);
  }

  /** The row for an event: its match, else the default row with `matched: false`. */
  lookup(event: CallEvent): RouteMatch {
    const value = fieldAt(event, this.config.match);
    const key = typeof value === 'string' || typeof value === 'number' ? normalizedKey(String(value), this.config.defaultCountry) : undefined;
    const row = key === undefined ? undefined : this.rows.get(key);
    if (row) return { ...row, table: this.name, key, matched: true };
    return { ...(this.config.default ?? {}), table: this.name, ...(key !== undefined ? { key } : {}), matched: false };
  }
}
