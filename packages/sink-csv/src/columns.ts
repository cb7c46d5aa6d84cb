import { fieldAt, z, type CallEvent } from '@callrelay/core';
import { neutraliseFormula } from './cells.js';

const PATH = /^[A-Za-z_$][\w$]*(\.[\w$]+)*$/;
/** `from.e164`, or alternatives `from.e164|from.raw` (the first with a value wins). */
const fieldSchema = z.string().refine((field) => field.split('|').every((p) => PATH.test(p.trim())),
  'a dotted field path such as from.e164, or alternatives such as from.e164|from.raw');

export const columnSchema = z.union([
  fieldSchema.meta({ description: 'A dotted canonical field path; the header is the path.' }),
  z.object({ header: z.string().min(1), field: fieldSchema }).strict()
    .meta({ description: 'A column with its own header.' }),
]);
export type ColumnSpec = z.output<typeof columnSchema>;

/** The default columns: what a person scanning a call log wants first, then the identifiers. */
export const DEFAULT_COLUMNS: ColumnSpec[] = [
  'occurredAt', 'type', 'direction', 'outcome',
  { header: 'from', field: 'from.e164|from.extension|from.raw' }, { header: 'fromName', field: 'from.name' },
  { header: 'to', field: 'to.e164|to.extension|to.raw' },
  { header: 'agent', field: 'agent.extension|agent.e164|agent.raw' },
  'ringSeconds', 'talkSeconds', 'recordingUrl', 'callId', 'legId', 'source', 'platform', 'id', 'flags',
];

/** Canonical timestamp fields, written in the configured time zone. */
const TIME_FIELDS = new Set(['occurredAt', 'receivedAt', 'startedAt', 'answeredAt', 'endedAt']);

/** How one column's cell is written. */
export function cellText(value: unknown, field: string, timeZone: string, format: (iso: string, tz: string) => string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return TIME_FIELDS.has(field.split('.').at(-1)!) ? format(value, timeZone) : value;
  // Lists and objects (call.rang, details, flags) as JSON text: unambiguous, and parseable back.
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export interface CompiledColumns {
  headers: string[];
  /** The cells of one event's row, in header order. */
  row(event: CallEvent): string[];
}

/**
 * Turns column specs into the header row and a row builder. A field `a|b` takes the first path
 * whose value is neither missing, null nor empty.
 */
export function compileColumns(
  columns: readonly ColumnSpec[],
  options: { timeZone: string; escapeFormulas: boolean; formatTime: (iso: string, tz: string) => string },
): CompiledColumns {
  const specs = columns.map((c) => (typeof c === 'string' ? { header: c, field: c } : c))
    .map(({ header, field }) => ({ header, paths: field.split('|').map((p) => p.trim()) }));
  return {
    headers: specs.map((s) => s.header),
    row(event) {
      return specs.map(({ paths }) => {
        for (const path of paths) {
          const value = fieldAt(event, path);
          if (value === undefined || value === null || value === '') continue;
          const text = cellText(value, path, options.timeZone, options.formatTime);
          return options.escapeFormulas ? neutraliseFormula(text, path) : text;
        }
        return '';
      });
    },
  };
}
