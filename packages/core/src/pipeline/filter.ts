import type { CallEvent } from '../model/call-event.js';
import type { WhenClause } from '../config/schema.js';

type Scalar = string | number | boolean | null;

/** The operators of a `when` field condition; `callrelay validate` refuses any other key. */
export const WHEN_OPERATORS = ['eq', 'ne', 'in', 'notIn', 'exists', 'matches', 'gt', 'gte', 'lt', 'lte'] as const;
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
 * Whether an event satisfies a pipeline's `when` clause (every key must match). The router tests
 * it on the event as stored, before the pipeline's transforms.
 */
export function matchesWhen(event: CallEvent, clause: WhenClause | undefined): boolean {
  if (!clause) return true;
  for (const [key, expected] of Object.entries(clause)) {
    if (key === 'all') {
      if (!(expected as WhenClause[]).every((c) => matchesWhen(event, c))) return false;
    } else if (key === 'any') {
      if (!(expected as WhenClause[]).some((c) => matchesWhen(event, c))) return false;
    } else if (key === 'not') {
      if (matchesWhen(event, expected as WhenClause)) return false;
    } else if (!matchesField(fieldAt(event, key), expected)) {
      return false;
    }
  }
  return true;
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
  const n = numberOf(actual);
  if ('gt' in ops && !(n > (ops.gt as number))) return false;
  if ('gte' in ops && !(n >= (ops.gte as number))) return false;
  if ('lt' in ops && !(n < (ops.lt as number))) return false;
  if ('lte' in ops && !(n <= (ops.lte as number))) return false;
  return true;
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
