import { sha256Hex, type CallDirection, type CallEventDraft, type Party } from '@callrelay/core';
import { JOURNAL_CALL_PREFIX, numberKey, type CallMatchKey } from './call-match.js';
import { extensionParty, type ThreeCxMappingOptions } from './mapping.js';
import { EventParams, normalizeKey, stableJson } from './params.js';
import { compactLocalTime, isoToLocalTime, parsePbxTime } from './time.js';
import { parseDuration } from './values.js';

/**
 * `[CallType]` of 3CX's call journaling (the `ReportCall` scenario of a server-side CRM template) →
 * what the call was. 3CX's template texts name the four: answered inbound (`InboundCallText`),
 * missed (`MissedCallText`), answered outbound (`OutboundCallText`), unanswered outbound
 * (`NotAnsweredOutboundCallText`).
 */
export const JOURNAL_CALL_TYPES: Readonly<Record<string, { direction: 'inbound' | 'outbound'; answered: boolean }>> = {
  inbound: { direction: 'inbound', answered: true },
  missed: { direction: 'inbound', answered: false },
  outbound: { direction: 'outbound', answered: true },
  notanswered: { direction: 'outbound', answered: false },
};

/** One journal entry as canonical drafts, with what the source needs to fold it with the add-on's events. */
export interface JournalMapping {
  drafts: CallEventDraft[];
  /** The call id derived from the entry itself: the journal carries no 3CX call id. */
  ownCallId: string;
  /** The call's local start second and external number, when the entry has both. */
  match?: CallMatchKey;
}

/** A journal entry names a `CallType` and no WebhooksApi `Event`. */
export function isJournalEntry(raw: Record<string, unknown>): boolean {
  const p = new EventParams(raw);
  return p.text('calltype') !== undefined && p.text('event') === undefined;
}

/**
 * Maps one journal entry (posted once, when the call is over) to the whole call: whom it was
 * offered to (`ringing`; `started` for an outbound call or when nobody is named), the answer, the end
 * with its outcome, and the recording, each at the time the 3CX server reported. So `Missed` is one
 * missed call, `Inbound` and `Outbound` one completed call each, `Notanswered` none, through the
 * tracker rules every source follows. See docs/connectors/3cx.md.
 */
export function mapJournalEntry(raw: Record<string, unknown>, options: ThreeCxMappingOptions = {}): JournalMapping {
  const p = new EventParams(raw);
  const field = (...names: string[]) => filled(p.text(...names));
  const time = (utc: string, local: string) => parsePbxTime(field(utc), options.timeZone) ?? parsePbxTime(field(local), options.timeZone);
  const callType = field('calltype') ?? '';
  const stated = JOURNAL_CALL_TYPES[normalizeKey(callType)];
  const number = field('number');
  const agentExtension = field('agent');
  const start = time('callstarttimeutc', 'callstarttimelocal');
  const established = time('callestablishedtimeutc', 'callestablishedtimelocal');
  const end = time('callendtimeutc', 'callendtimelocal');

  // 3CX call ids start with the call's local start second (`230307114903_10`): with the external
  // number, it is how an entry finds the add-on's events of the same call (call-match.ts).
  const localStart = compactLocalTime(field('callstarttimelocal'))
    ?? (start && options.timeZone ? compactLocalTime(isoToLocalTime(start, options.timeZone)) : undefined);
  const digits = numberKey(number);
  const startKey = localStart ?? (start ? `${compactLocalTime(start)}Z` : undefined);
  const ownCallId = startKey
    ? `${JOURNAL_CALL_PREFIX}${startKey}-${sha256Hex(digits ?? number ?? '').slice(0, 8)}`
    : `${JOURNAL_CALL_PREFIX}${sha256Hex(stableJson(raw)).slice(0, 16)}`;

  const details: Record<string, unknown> = { variant: 'crm-journal', journalCallId: ownCallId, callType };
  for (const [key, name] of [
    ['callDirection', 'calldirection'], ['queueExtension', 'queueextension'], ['agentEmail', 'agentemail'],
    ['entityId', 'entityid'], ['entityType', 'entitytype'], ['dateTime', 'datetime'], ['duration', 'duration'],
  ] as const) {
    const value = field(name);
    if (value) details[key] = value;
  }
  // A retry of the entry yields the same ids; a second entry about the same call (another agent,
  // another call type) yields new ones, folded into the same call.
  const keyOf = (step: string) => [ownCallId, 'journal', normalizeKey(callType), agentExtension ?? '', step].join('|');
  /** A draft of this entry; `times` are read on the 3CX server's clock, and marked so. */
  const draft = (fields: Omit<CallEventDraft, 'callId' | 'raw'>, times: Partial<Record<'occurredAt' | 'answeredAt' | 'endedAt', string>>, step: string): CallEventDraft => {
    const pbx = Object.fromEntries(Object.entries({ ...times, startedAt: start }).filter(([, v]) => v)) as Record<string, string>;
    const clock = Object.keys(pbx);
    return { callId: ownCallId, status: callType.toLowerCase(), ...fields, ...pbx, details: { ...details, ...(clock.length ? { pbxClock: clock } : {}) }, raw, dedupeKey: keyOf(step) };
  };

  if (!stated) {
    // A `CallType` this version does not know says nothing to count on: kept, flagged, never an outcome.
    return { ownCallId, drafts: [draft({ type: 'unknown', flags: ['unclassified'] }, {}, 'unknown')] };
  }
  // `Notanswered` is the unanswered outbound call; should `CallDirection` say inbound, the reading
  // that can still alert wins (a false alert is better than a silent miss).
  const direction: CallDirection = !stated.answered && normalizeKey(field('calldirection') ?? '') === 'inbound' ? 'inbound' : stated.direction;
  const agentName = [field('agentfirstname'), field('agentlastname')].filter(Boolean).join(' ');
  const agent = agentExtension ? { ...extensionParty(agentExtension, 'ext'), ...(agentName ? { name: agentName } : {}) } : undefined;
  const name = field('name');
  const external: Party | undefined = number ? { raw: number, ...(name ? { name } : {}) } : undefined;
  const parties = direction === 'inbound'
    ? { ...(external ? { from: external } : {}) }
    : { ...(agent ? { from: { ...agent } } : {}), ...(external ? { to: external } : {}) };
  const common = { direction, ...parties };

  const drafts: CallEventDraft[] = [];
  if (direction === 'inbound') {
    const queue = field('queueextension');
    const offered = [queue ? extensionParty(queue, 'queue') : undefined, agent].filter((party): party is Party => !!party);
    const unique = offered.filter((party, i) => offered.findIndex((other) => other.raw === party.raw) === i);
    for (const party of unique) drafts.push(draft({ ...common, type: 'ringing', agent: party }, { occurredAt: start }, `offered:${party.raw}`));
    if (!unique.length) drafts.push(draft({ ...common, type: 'started' }, { occurredAt: start }, 'started'));
  } else {
    drafts.push(draft({ ...common, type: 'started', ...(agent ? { agent } : {}) }, { occurredAt: start }, 'started'));
  }
  if (stated.answered) {
    drafts.push(draft({ ...common, type: 'answered', ...(agent ? { agent } : {}) }, { occurredAt: established, answeredAt: established }, 'answered'));
  }
  const talkSeconds = stated.answered ? parseDuration(field('duration')) ?? secondsBetween(established, end) : 0;
  drafts.push(draft({
    ...common, type: 'ended', outcome: stated.answered ? 'answered' : 'no-answer',
    ...(talkSeconds !== undefined ? { talkSeconds } : {}), ...(agent ? { agent } : {}),
  }, { occurredAt: end, endedAt: end, ...(stated.answered ? { answeredAt: established } : {}) }, 'ended'));
  const recordingUrl = field('recordingurl');
  if (recordingUrl && /^https?:\/\/\S+$/i.test(recordingUrl)) {
    drafts.push(draft({ ...common, type: 'recording', recordingUrl }, { occurredAt: end }, `recording:${recordingUrl}`));
  }
  return { ownCallId, drafts, ...(localStart && digits ? { match: { localStart, number: digits } } : {}) };
}

/**
 * 3CX substitutes the `[Variable]`s it knows; one it cannot fill (a variable another 3CX version
 * does not have) is no value.
 */
function filled(value: string | undefined): string | undefined {
  return value && !/^\[[A-Za-z][A-Za-z0-9]*\]$/.test(value) ? value : undefined;
}

function secondsBetween(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  const diff = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(diff) && diff >= 0 ? Math.round(diff) : undefined;
}
