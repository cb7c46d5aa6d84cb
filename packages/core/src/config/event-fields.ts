import { WEEKDAYS } from '../calendar/schema.js';
import {
  CALL_DIRECTIONS, CALL_EVENT_TYPES, CALL_OUTCOMES,
  type CallEvent, type CallSummary, type CallbackInfo, type CallerContext, type Party, type SipInfo,
} from '../model/call-event.js';

/**
 * What a field of the canonical event holds, as a pipeline's `when` may name it.
 * - `enum`: one of `values` (`type`, `direction`, `outcome`).
 * - `source-id`, `platform`: text whose valid values come from the config file (the pipeline's
 *   `from` sources and their connectors' platforms).
 * - `string`, `time` (ISO 8601 text), `number`, `boolean`, `string[]` (matches when any item does).
 * - `object`: named sub-fields only (`from.e164`, `sip.status`).
 * - `free`: any sub-path (`details.*`, `raw.*`): the platform decides what is there.
 */
export type EventField =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'source-id' | 'platform' | 'string' | 'time' | 'number' | 'boolean' | 'string[]' | 'free' }
  | { kind: 'object'; fields: Readonly<Record<string, EventField>> };

/** Every key of `T`, optional ones included, must be described: the build fails on a missing one. */
type FieldsOf<T> = { readonly [K in keyof Required<T>]: EventField };

const string = { kind: 'string' } as const;
const time = { kind: 'time' } as const;
const number = { kind: 'number' } as const;
const strings = { kind: 'string[]' } as const;

/** `CallEvent['clock']` is a union, not a constant list: the build fails if a value is left out here. */
const CLOCKS = ['platform', 'received'] as const;
type IsTrue<T extends true> = T;
type ClocksComplete = IsTrue<[Exclude<NonNullable<CallEvent['clock']>, (typeof CLOCKS)[number]>] extends [never] ? true : false>;

const PARTY_FIELDS = {
  raw: string, e164: string, extension: string, kind: string, name: string,
} as const satisfies FieldsOf<Party>;
const party = { kind: 'object', fields: PARTY_FIELDS } as const;

const SIP_FIELDS = { status: number, reason: string } as const satisfies FieldsOf<SipInfo>;

const CALL_SUMMARY_FIELDS = {
  legs: strings, rang: strings, answeredBy: string, transfers: number, recordingUrls: strings, eventCount: number,
} as const satisfies FieldsOf<CallSummary>;

const CALLER_FIELDS = {
  callsToday: number, name: string, contactUrl: string, contactId: string, contactSource: string,
} as const satisfies FieldsOf<CallerContext>;

const CALLBACK_FIELDS = {
  via: { kind: 'enum', values: ['outbound', 'inbound'] }, missedEventId: string, source: string, callId: string, by: string, afterSeconds: number,
} as const satisfies FieldsOf<CallbackInfo>;

/**
 * The fields of {@link CallEvent} that a pipeline's `when` may name: the one list `callrelay
 * validate` checks keys and values against. Adding a field to `CallEvent` without adding it here
 * fails the build (`satisfies`), and `test/when-validation.test.ts` checks it against a fully
 * populated event.
 */
export const CALL_EVENT_FIELDS = {
  id: string,
  source: { kind: 'source-id' },
  platform: { kind: 'platform' },
  callId: string,
  legId: string,
  type: { kind: 'enum', values: CALL_EVENT_TYPES },
  direction: { kind: 'enum', values: CALL_DIRECTIONS },
  from: party,
  to: party,
  agent: party,
  status: string,
  outcome: { kind: 'enum', values: CALL_OUTCOMES },
  endsCall: { kind: 'boolean' },
  occurredAt: time,
  receivedAt: time,
  clock: { kind: 'enum', values: CLOCKS },
  startedAt: time,
  answeredAt: time,
  endedAt: time,
  ringSeconds: number,
  talkSeconds: number,
  sip: { kind: 'object', fields: SIP_FIELDS },
  hangupCause: string,
  recordingUrl: string,
  transfer: string,
  details: { kind: 'free' },
  flags: strings,
  call: { kind: 'object', fields: CALL_SUMMARY_FIELDS },
  caller: { kind: 'object', fields: CALLER_FIELDS },
  callback: { kind: 'object', fields: CALLBACK_FIELDS },
  raw: { kind: 'free' },
  route: { kind: 'free' },
  digest: { kind: 'free' },
} as const satisfies FieldsOf<CallEvent>;

/**
 * Fields `when` computes from the call rather than reads from it: its local weekday, date and time
 * of day (`HH:MM`), at its start, in its time zone (docs/business-hours.md).
 */
export const LOCAL_TIME_FIELDS = {
  local: { kind: 'object', fields: { weekday: { kind: 'enum', values: WEEKDAYS }, date: string, time: string } },
} as const satisfies Record<string, EventField>;

/** Every path `when` may name: the event's fields and the computed `local.*`. */
const WHEN_FIELDS: Readonly<Record<string, EventField>> = { ...CALL_EVENT_FIELDS, ...LOCAL_TIME_FIELDS };

/** What {@link lookupField} found for a dotted path. */
export type FieldLookup =
  | { found: true; field: EventField }
  /** `known` lists the valid paths at the level where the path went wrong (`from.raw`, ...). */
  | { found: false; known: string[]; prefix: string };

const ARRAY_INDEX = /^(0|[1-9]\d*)$/;

/**
 * The field a dotted path names, read the way `fieldAt` reads events: `from.e164`, `details.any.thing`,
 * and for lists an index or the length (`call.rang.0`, `call.rang.length`).
 */
export function lookupField(path: string): FieldLookup {
  const parts = path.split('.');
  let fields: Readonly<Record<string, EventField>> = WHEN_FIELDS;
  let prefix = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const field = Object.hasOwn(fields, part) ? fields[part] : undefined;
    if (!field) return { found: false, known: Object.keys(fields).map((k) => prefix + k), prefix };
    const rest = parts.length - i - 1;
    if (rest === 0) return { found: true, field };
    if (field.kind === 'free') return parts.slice(i + 1).every(Boolean) ? { found: true, field } : { found: false, known: [`${prefix}${part}.<key>`], prefix };
    if (field.kind === 'string[]' && rest === 1) {
      const last = parts[i + 1]!;
      if (ARRAY_INDEX.test(last)) return { found: true, field: string };
      if (last === 'length') return { found: true, field: number };
    }
    if (field.kind !== 'object') {
      const known = field.kind === 'string[]' ? [`${prefix}${part}.<index>`, `${prefix}${part}.length`] : [];
      return { found: false, known, prefix: `${prefix}${part}.` };
    }
    fields = field.fields;
    prefix += `${part}.`;
  }
  return { found: false, known: [], prefix };
}

/**
 * Every path of {@link CALL_EVENT_FIELDS}, sub-fields in braces: `from.{raw, e164, ...}`,
 * `details.<any key>`; what an unknown field's error lists.
 */
export function describeEventFields(): string {
  return Object.entries(WHEN_FIELDS).map(([key, field]) => {
    if (field.kind === 'object') return `${key}.{${Object.keys(field.fields).join(', ')}}`;
    if (field.kind === 'free') return `${key}.<any key>`;
    return key;
  }).join(', ');
}

/** Every leaf path (`from.e164`, `details.*`), for documentation and its test. */
export function eventFieldPaths(fields: Readonly<Record<string, EventField>> = CALL_EVENT_FIELDS, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([key, field]) => {
    if (field.kind === 'object') return eventFieldPaths(field.fields, `${prefix}${key}.`);
    if (field.kind === 'free') return [`${prefix}${key}.*`];
    return [`${prefix}${key}`];
  });
}
