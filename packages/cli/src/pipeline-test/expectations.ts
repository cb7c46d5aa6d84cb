import { isDeepStrictEqual } from 'node:util';
import { fieldAt, type CallEvent } from '@callrelay/core';
import type { Delivered } from './recorder.js';
import type { SinkExpectation } from './spec.js';

/** One expectation that did not hold: where it is written, what was expected and what the pipeline produced. */
export interface Mismatch {
  /** Path of the expectation in the test file (for its line). */
  pathInFile: (string | number)[];
  /** What is compared (`alerts: text of message 1`). */
  what: string;
  expected: unknown;
  actual: unknown;
  /** A hint printed under the difference. */
  hint?: string;
}

/**
 * `actual` cut down to the shape of `expected`: objects keep only the keys the expectation names,
 * so that "the keys given" are compared and the difference shows only those.
 */
export function pruneTo(actual: unknown, expected: unknown): unknown {
  // Items past the expected ones are cut to the last expected item's shape, so the difference stays readable.
  if (Array.isArray(expected) && Array.isArray(actual)) return actual.map((item, i) => (expected.length ? pruneTo(item, expected[Math.min(i, expected.length - 1)]) : item));
  if (isPlainObject(expected) && isPlainObject(actual)) {
    return Object.fromEntries(Object.keys(expected).filter((k) => k in actual).map((k) => [k, pruneTo(actual[k], expected[k])]));
  }
  return actual;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One expectation value per delivered item: a list gives one each (its length must match), anything else applies to every item. */
function perItem<T>(value: T | T[], isList: boolean, count: number): { values: T[]; lengthMismatch?: number } {
  if (!isList) return { values: Array.from({ length: count }, () => value as T) };
  const list = value as T[];
  return list.length === count ? { values: list } : { values: list, lengthMismatch: list.length };
}

/** What the snapshot of a sink holds: the rendered messages, rows or bodies, else the events. */
export function snapshotOf(delivered: Delivered[]): unknown[] {
  return delivered.map((d) => (d.rendered ? withoutId(d.rendered, d.event.id) : stableEvent(d.event)));
}

/** A rendering with the event's id (random per run, e.g. a CSV `id` column) replaced by a placeholder. */
function withoutId(value: unknown, id: string): unknown {
  if (typeof value === 'string') return value.split(id).join('<event id>');
  if (Array.isArray(value)) return value.map((item) => withoutId(item, id));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutId(v, id)]));
  return value;
}

/** The event without what differs between runs (its random id). */
function stableEvent(event: CallEvent): Record<string, unknown> {
  const { id: _id, ...rest } = event as unknown as Record<string, unknown>;
  return rest;
}

/** Checks one sink's expectations against what it received; returns what did not hold. */
export function checkSink(sinkId: string, expectation: SinkExpectation, received: Delivered[], at: (string | number)[], snapshot: { stored: unknown; update: boolean }): Mismatch[] {
  const out: Mismatch[] = [];
  const types = expectation.type === undefined ? undefined : [expectation.type].flat();
  const delivered = types ? received.filter((d) => types.includes(d.event.type)) : received;
  const count = delivered.length;
  const rendered = (key: string) => delivered.map((d) => d.rendered?.[key]);
  const compare = (key: string, what: string, expected: unknown, actual: unknown, hint?: string) => {
    if (!isDeepStrictEqual(pruneTo(actual, expected), expected)) out.push({ pathInFile: [...at, key], what: `${sinkId}: ${what}`, expected, actual: pruneTo(actual, expected), ...(hint ? { hint } : {}) });
  };
  const lengthProblem = (key: string, listLength: number, noun: string) => out.push({
    pathInFile: [...at, key], what: `${sinkId}: ${key} lists ${listLength} ${noun}(s) but the sink received ${count}`,
    expected: listLength, actual: count,
  });

  if (expectation.count !== undefined && expectation.count !== count) {
    out.push({ pathInFile: [...at, 'count'], what: `${sinkId}: count`, expected: expectation.count, actual: count, hint: describeReceived(delivered) });
  }
  for (const key of ['fields', 'match'] as const) {
    const value = expectation[key];
    if (value === undefined) continue;
    const { values, lengthMismatch } = perItem(value, Array.isArray(value), count);
    if (lengthMismatch !== undefined) { lengthProblem(key, lengthMismatch, 'event'); continue; }
    values.forEach((expected, i) => {
      const event = delivered[i]!.event;
      const actual = key === 'fields' ? Object.fromEntries(Object.keys(expected).map((path) => [path, fieldAt(event, path) ?? null])) : event;
      compare(key, `${key} of event ${i + 1} (${event.type})`, expected, actual);
    });
  }
  for (const key of ['channel', 'text'] as const) {
    const value = expectation[key];
    if (value === undefined) continue;
    const actuals = rendered(key);
    const { values, lengthMismatch } = perItem(value, Array.isArray(value), count);
    if (lengthMismatch !== undefined) lengthProblem(key, lengthMismatch, 'message');
    else values.forEach((expected, i) => compare(key, `${key} of message ${i + 1}`, expected, actuals[i] ?? renderProblem(delivered[i]!)));
  }
  if (expectation.blocks !== undefined) {
    const blocks = rendered('blocks');
    const list = expectation.blocks.length > 0 && expectation.blocks.every(Array.isArray);
    const { values, lengthMismatch } = perItem<unknown>(expectation.blocks, list, count);
    if (lengthMismatch !== undefined) lengthProblem('blocks', lengthMismatch, 'message');
    else values.forEach((expected, i) => compare('blocks', `blocks of message ${i + 1}`, expected, blocks[i] ?? renderProblem(delivered[i]!)));
  }
  if (expectation.rows !== undefined) compare('rows', 'CSV rows', expectation.rows, rendered('row'));
  if (expectation.body !== undefined) {
    const bodies = rendered('body');
    bodies.forEach((actual, i) => compare('body', `body of request ${i + 1}`, expectation.body, actual ?? renderProblem(delivered[i]!)));
  }
  if (expectation.snapshot && !snapshot.update) {
    const actual = snapshotOf(delivered);
    if (snapshot.stored === undefined) {
      out.push({ pathInFile: [...at, 'snapshot'], what: `${sinkId}: snapshot`, expected: '(no snapshot recorded)', actual, hint: 'run callrelay test --update to record it' });
    } else if (!isDeepStrictEqual(actual, snapshot.stored)) {
      out.push({ pathInFile: [...at, 'snapshot'], what: `${sinkId}: snapshot`, expected: snapshot.stored, actual, hint: 'if the change is meant, run callrelay test --update' });
    }
  }
  return out;
}

function renderProblem(delivered: Delivered): string {
  if (delivered.rendered?.error) return `(rendering failed: ${String(delivered.rendered.error)})`;
  return '(this sink renders nothing of this kind)';
}

function describeReceived(delivered: Delivered[]): string {
  if (!delivered.length) return 'received nothing';
  return `received: ${delivered.map((d) => `${d.event.type} (pipeline ${d.pipeline})`).join(', ')}`;
}
