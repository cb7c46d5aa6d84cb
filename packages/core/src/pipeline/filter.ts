import type { CallEvent } from '../model/call-event.js';
import type { WhenClause } from '../config/schema.js';

type Scalar = string | number | boolean | null;

/** Reads a dotted path (`from.e164`, `call.rang.0`) of an event. */
export function fieldAt(event: unknown, path: string): unknown {
  let current: unknown = event;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Whether an event satisfies a pipeline's `when` clause (every key must match). */
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
  const ops = expected as Record<string, unknown>;
  if ('exists' in ops && (actual !== undefined && actual !== null) !== ops.exists) return false;
  if ('eq' in ops && !equals(actual, ops.eq as Scalar)) return false;
  if ('ne' in ops && equals(actual, ops.ne as Scalar)) return false;
  if ('in' in ops && !(ops.in as Scalar[]).some((v) => equals(actual, v))) return false;
  if ('notIn' in ops && (ops.notIn as Scalar[]).some((v) => equals(actual, v))) return false;
  if ('matches' in ops && !(typeof actual === 'string' && new RegExp(ops.matches as string).test(actual))) return false;
  const n = typeof actual === 'number' ? actual : Number.NaN;
  if ('gt' in ops && !(n > (ops.gt as number))) return false;
  if ('gte' in ops && !(n >= (ops.gte as number))) return false;
  if ('lt' in ops && !(n < (ops.lt as number))) return false;
  if ('lte' in ops && !(n <= (ops.lte as number))) return false;
  return true;
}

function equals(actual: unknown, expected: Scalar): boolean {
  if (Array.isArray(actual)) return actual.some((item) => equals(item, expected));
  if (expected === null) return actual === null || actual === undefined;
  return actual === expected || (typeof actual === 'number' && String(actual) === String(expected));
}
