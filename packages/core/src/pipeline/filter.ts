import type { CallEvent } from '../model/call-event.js';
import type { WhenClause } from '../config/schema.js';
import { localTime, type BusinessCalendar, type LocalTime } from '../calendar/calendar.js';
import { minutesOf } from '../calendar/schema.js';

type Scalar = string | number | boolean | null;

/** The operators of a `when` field condition; `callrelay validate` refuses any other key. */
export const WHEN_OPERATORS = ['eq', 'ne', 'in', 'notIn', 'exists', 'matches', 'gt', 'gte', 'lt', 'lte', 'between'] as const;
export type WhenOperator = (typeof WHEN_OPERATORS)[number];

/** Reads a dotted path (`from.e164`, `call.rang.0`) of an event. */
export function fieldAt(event: unknown, path: string): unknown {
  let current: unknown = event;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * What `when` needs beyond the event: the named business hours, and the time zone of each source's
 * calls. Without it, `local.*` reads UTC and `businessHours` matches nothing.
 */
export interface WhenEnvironment {
  calendars: ReadonlyMap<string, BusinessCalendar>;
  /** `sources.<id>.timeZone`. */
  sourceTimeZones: ReadonlyMap<string, string>;
}

/** The instant a call's time conditions are evaluated at: when it started, else when the event happened. */
export function callInstant(event: CallEvent): number {
  const at = Date.parse(event.startedAt ?? event.occurredAt);
  return Number.isNaN(at) ? Date.parse(event.receivedAt) : at;
}

/**
 * The zone a call's local time is read in: its routing table row's `timeZone` (set by a `route`
 * step), else its source's `timeZone`, else `fallback` (a calendar's own zone, or UTC).
 */
export function callTimeZone(event: CallEvent, env: WhenEnvironment | undefined, fallback: string): string {
  const routed = event.route?.timeZone;
  if (typeof routed === 'string' && routed !== '') return routed;
  return env?.sourceTimeZones.get(event.source) ?? fallback;
}

/**
 * Whether an event satisfies a `when` clause (every key must match). A pipeline's `when` is tested
 * on the event as stored, before the pipeline's transforms; a `filter` step tests one after them.
 */
export function matchesWhen(event: CallEvent, clause: WhenClause | undefined, env?: WhenEnvironment): boolean {
  if (!clause) return true;
  let local: LocalTime | undefined;
  for (const [key, expected] of Object.entries(clause)) {
    if (key === 'all') {
      if (!(expected as WhenClause[]).every((c) => matchesWhen(event, c, env))) return false;
    } else if (key === 'any') {
      if (!(expected as WhenClause[]).some((c) => matchesWhen(event, c, env))) return false;
    } else if (key === 'not') {
      if (matchesWhen(event, expected as WhenClause, env)) return false;
    } else if (key === 'businessHours') {
      if (!matchesBusinessHours(event, expected as { open?: string; closed?: string }, env)) return false;
    } else if (key.startsWith('local.')) {
      local ??= localTime(callInstant(event), callTimeZone(event, env, 'UTC'));
      if (!matchesField(local[key.slice('local.'.length) as keyof LocalTime], expected)) return false;
    } else if (!matchesField(fieldAt(event, key), expected)) {
      return false;
    }
  }
  return true;
}

/** `businessHours: { open: office }` / `{ closed: office }` at the call's instant, in the call's zone (default the calendar's). */
function matchesBusinessHours(event: CallEvent, condition: { open?: string; closed?: string }, env: WhenEnvironment | undefined): boolean {
  const name = condition.open ?? condition.closed;
  const calendar = name === undefined ? undefined : env?.calendars.get(name);
  // Validation refuses unknown names; an embedder without the environment gets no match.
  if (!calendar) return false;
  const open = calendar.isOpen(callInstant(event), callTimeZone(event, env, calendar.timeZone));
  return condition.open !== undefined ? open : !open;
}

function matchesField(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return expected.some((value) => equals(actual, value as Scalar));
  if (expected === null || typeof expected !== 'object') return equals(actual, expected as Scalar);
  const ops = expected as Partial<Record<WhenOperator, unknown>>;
  if ('exists' in ops && (actual !== undefined && actual !== null) !== ops.exists) return false;
  if ('eq' in ops && !equals(actual, ops.eq as Scalar)) return false;
  if ('ne' in ops && equals(actual, ops.ne as Scalar)) return false;
  if ('in' in ops && !(ops.in as Scalar[]).some((v) => equals(actual, v))) return false;
  if ('notIn' in ops && (ops.notIn as Scalar[]).some((v) => equals(actual, v))) return false;
  if ('matches' in ops) {
    const regex = new RegExp(ops.matches as string);
    // Like equality, a list field matches when one of its items does (`call.rang`, `flags`).
    const texts = (Array.isArray(actual) ? actual : [actual]).filter((item): item is string => typeof item === 'string');
    if (!texts.some((text) => regex.test(text))) return false;
  }
  if ('between' in ops && !withinTimes(actual, ops.between as [string, string])) return false;
  const n = numberOf(actual);
  if ('gt' in ops && !(n > (ops.gt as number))) return false;
  if ('gte' in ops && !(n >= (ops.gte as number))) return false;
  if ('lt' in ops && !(n < (ops.lt as number))) return false;
  if ('lte' in ops && !(n <= (ops.lte as number))) return false;
  return true;
}

/**
 * `local.time: { between: ["09:00", "17:30"] }`: start included, end excluded; a range whose end is
 * before its start runs past midnight (`["22:00", "06:00"]`).
 */
function withinTimes(actual: unknown, [from, to]: [string, string]): boolean {
  if (typeof actual !== 'string') return false;
  const t = minutesOf(actual);
  const a = minutesOf(from);
  const b = minutesOf(to);
  return a <= b ? t >= a && t < b : t >= a || t < b;
}

/**
 * A field's number for gt/gte/lt/lte: numbers, and text that is a number, since form-encoded
 * webhooks (SignalWire's `raw.CallDuration`) carry every value as text. NaN otherwise: no match.
 */
function numberOf(actual: unknown): number {
  if (typeof actual === 'number') return actual;
  if (typeof actual === 'string' && actual.trim() !== '') return Number(actual);
  return Number.NaN;
}

/**
 * Scalars are equal when identical, or when one is text and the other a number or boolean written
 * the same (`agent.extension: 100` matches the text "100"; `raw.CallDuration: 0` matches "0").
 * A list field equals a value when one of its items does.
 */
function equals(actual: unknown, expected: Scalar): boolean {
  if (Array.isArray(actual)) return actual.some((item) => equals(item, expected));
  if (expected === null) return actual === null || actual === undefined;
  if (actual === expected) return true;
  if (typeof actual === 'string' && typeof expected !== 'string') return actual === String(expected);
  if (typeof expected === 'string' && (typeof actual === 'number' || typeof actual === 'boolean')) return String(actual) === expected;
  return false;
}
