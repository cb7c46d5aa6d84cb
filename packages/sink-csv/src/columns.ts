import { fieldAt, z, type CallEvent } from '@callrelay/core';

export const columnSchema = z.union([
  z.string().min(1).meta({ description: 'A dotted canonical field path; the header is the path.' }),
  z.object({ header: z.string().min(1), field: z.string().min(1) }).strict(),
]);
export type ColumnSpec = z.output<typeof columnSchema>;

/** The default columns: what a person scanning a call log wants, in that order. */
export const DEFAULT_COLUMNS: ColumnSpec[] = [
  'occurredAt', 'type', 'direction', 'outcome',
  { header: 'from', field: 'from.e164|from.extension|from.raw' }, { header: 'fromName', field: 'from.name' },
  { header: 'to', field: 'to.e164|to.extension|to.raw' },
  { header: 'agent', field: 'agent.extension|agent.e164|agent.raw' },
  'ringSeconds', 'talkSeconds', 'recordingUrl', 'callId', 'legId', 'source', 'platform', 'id', 'flags',
];

const TIME_FIELDS = new Set(['occurredAt', 'receivedAt', 'startedAt', 'answeredAt', 'endedAt']);

/** Formats an ISO instant in a time zone as `2026-11-24 14:03:05+01:00` (sortable, unambiguous). */
export function formatInZone(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
  }).formatToParts(date).map((p) => [p.type, p.value]));
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** Turns column specs into headers and a row builder. `a|b` takes the first field that has a value. */
export function compileColumns(columns: readonly ColumnSpec[], timeZone: string) {
  const specs = columns.map((c) => (typeof c === 'string' ? { header: c, field: c } : c));
  return {
    headers: specs.map((s) => s.header),
    row(event: CallEvent): string[] {
      return specs.map(({ field }) => {
        for (const path of field.split('|')) {
          const value = fieldAt(event, path.trim());
          if (value === undefined || value === null || value === '') continue;
          const last = path.trim().split('.').at(-1)!;
          if (typeof value === 'string' && TIME_FIELDS.has(last)) return formatInZone(value, timeZone);
          if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.join(';');
          return typeof value === 'object' ? JSON.stringify(value) : String(value);
        }
        return '';
      });
    },
  };
}
