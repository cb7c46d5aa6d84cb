import { badRequest, type CallDirection, type CallEventDraft, type CallEventType, type CallOutcome, type Party, ownEntry } from '@callrelay/core';
import { keyForm, num, pick, text, time } from './values.js';

/**
 * SWML / Call Fabric / RELAY call webhooks: JSON `{event_type, event_channel, timestamp,
 * project_id, space_id, params: {...}}`.
 * - `calling.call.state` (`call_state_url` of SWML `connect`, RELAY dial): one leg's state;
 *   https://developer.signalwire.com/swml/methods/connect ("StatusCallbacks") and the RELAY
 *   CallState reference (`params.parent`: "the call that created this call").
 * - `calling.call.record` (`status_url` of SWML `record` / `record_call`).
 * - `calling.call.queue` (`status_url` of SWML `enter_queue`).
 * Any other `calling.*` event is kept as `unknown` (flagged `unclassified`), never dropped.
 */
export function isSwmlEvent(body: Record<string, unknown>): boolean {
  const type = text(pick(body, 'event_type'));
  return type !== undefined && type.startsWith('calling.') && isObject(pick(body, 'params'));
}

const CALL_STATES: Readonly<Record<string, CallEventType>> = {
  created: 'started',
  ringing: 'ringing',
  answered: 'answered',
  ended: 'ended',
};

/**
 * `params.end_reason` of an `ended` leg. SWML documents `hangup, busy, no_answer, cancel,
 * declined, error`; RELAY `hangup, cancel, busy, noAnswer, decline, error` and also `abandoned`,
 * `max_duration`, `not_found`: read in any spelling (`noAnswer`, `no_answer`, `no-answer`).
 * `hangup` is a party hanging up a call that was up; an unknown or missing reason is `unknown`
 * (unanswered for the call tracker: at worst a false missed call, never a silent one).
 */
const END_REASONS: Readonly<Record<string, CallOutcome>> = {
  hangup: 'answered',
  busy: 'busy',
  noanswer: 'no-answer',
  cancel: 'canceled',
  canceled: 'canceled',
  cancelled: 'canceled',
  abandoned: 'canceled',
  decline: 'busy',
  declined: 'busy',
  error: 'failed',
  notfound: 'failed',
  maxduration: 'unknown',
};

export function mapSwmlEvent(body: Record<string, unknown>): CallEventDraft[] {
  const eventType = text(pick(body, 'event_type'))!;
  const params = pick(body, 'params') as Record<string, unknown>;
  const callId = text(pick(params, 'call_id'));
  if (!callId) throw badRequest(`missing params.call_id: not a SignalWire ${eventType} event`);
  const occurredAt = time(pick(body, 'timestamp'));
  const common = { raw: body, ...(occurredAt ? { occurredAt } : {}) };
  switch (eventType) {
    case 'calling.call.state': return mapCallState(params, callId, common);
    case 'calling.call.record': return mapRecord(params, callId, common);
    case 'calling.call.queue': return mapQueue(params, callId, common);
    default:
      return [{ ...common, callId, legId: callId, type: 'unknown', status: eventType, flags: ['unclassified'], dedupeKey: `${callId}|${eventType}|${text(pick(body, 'timestamp')) ?? ''}` }];
  }
}

type Common = { raw: unknown; occurredAt?: string };

/**
 * One leg's state. A leg created by another call (`params.parent.call_id`: an agent `connect`ed
 * by the caller's SWML) belongs to that call, like a cXML `<Dial>`ed leg: its device's destination
 * is the agent, its end ends only the leg, and it does not set the call's direction or parties.
 * The inbound caller's leg is answered by the SWML script, not by a person (`answered-by-app`).
 */
function mapCallState(params: Record<string, unknown>, callId: string, common: Common): CallEventDraft[] {
  const state = text(pick(params, 'call_state'))?.toLowerCase();
  // `ending` (hangup under way) is always followed by `ended`, which carries the reason.
  if (state === 'ending') return [];
  const type = (state && CALL_STATES[state]) || 'unknown';
  const parent = pick(params, 'parent');
  const parentId = isObject(parent) ? text(pick(parent, 'call_id')) : undefined;
  const isChild = parentId !== undefined && parentId !== callId;
  const draft: CallEventDraft = {
    ...common,
    callId: isChild ? parentId : callId,
    legId: callId,
    type,
    ...(state ? { status: state } : {}),
    dedupeKey: `${callId}|calling.call.state|${state ?? ''}`,
  };
  if (common.occurredAt) {
    if (type === 'started') draft.startedAt = common.occurredAt;
    if (type === 'answered') draft.answeredAt = common.occurredAt;
    if (type === 'ended') draft.endedAt = common.occurredAt;
  }
  if (type === 'ended') {
    const reason = text(pick(params, 'end_reason'));
    draft.outcome = END_REASONS[keyForm(reason ?? '')] ?? 'unknown';
    if (reason) draft.hangupCause = reason;
    if (draft.outcome !== 'answered') draft.talkSeconds = 0;
  }
  const { from, to } = deviceParties(pick(params, 'device'));
  if (isChild) {
    if (to) draft.agent = to;
    if (type === 'ended') draft.endsCall = false;
  } else {
    const direction = ownEntry(DIRECTIONS, text(pick(params, 'direction'))?.toLowerCase());
    if (direction) draft.direction = direction;
    if (direction === 'inbound' && (type === 'answered' || draft.outcome === 'answered')) draft.flags = ['answered-by-app'];
    if (from) draft.from = from;
    if (to) draft.to = to;
  }
  if (type === 'unknown') draft.flags = [...(draft.flags ?? []), 'unclassified'];
  const details = pickDetails(params, ['node_id', 'segment_id', 'tag']);
  if (details) draft.details = details;
  return [draft];
}

/** A recording is there on `finished` (with `params.record.url`); other states yield nothing. */
function mapRecord(params: Record<string, unknown>, callId: string, common: Common): CallEventDraft[] {
  const state = text(pick(params, 'state'))?.toLowerCase();
  const record = pick(params, 'record');
  const url = isObject(record) ? text(pick(record, 'url')) : undefined;
  if (state !== 'finished' || !url) return [];
  const duration = isObject(record) ? num(pick(record, 'duration')) : undefined;
  const controlId = text(pick(params, 'control_id'));
  return [{
    ...common,
    callId,
    legId: callId,
    type: 'recording',
    status: 'recording-finished',
    recordingUrl: url,
    dedupeKey: `${callId}|calling.call.record|${controlId ?? url}|${state}`,
    ...(duration !== undefined ? { details: { RecordingDuration: duration } } : {}),
  }];
}

/**
 * The caller's wait in an `enter_queue` queue, as a leg offered to the queue's agents:
 * `enqueue` rings the queue, `dequeue` is an agent taking the call, `leave` the caller leaving it
 * unanswered.
 */
function mapQueue(params: Record<string, unknown>, callId: string, common: Common): CallEventDraft[] {
  const status = text(pick(params, 'status'))?.toLowerCase();
  const entryId = text(pick(params, 'id'));
  const name = text(pick(params, 'name'));
  const queue: Party | undefined = name ? { raw: name, kind: 'queue' } : undefined;
  const base = { ...common, callId, legId: `${callId}/queue/${entryId ?? name ?? ''}`, ...(status ? { status } : {}), dedupeKey: `${callId}|calling.call.queue|${entryId ?? ''}|${status ?? ''}` };
  switch (status) {
    case 'enqueue': return [{ ...base, type: 'ringing', ...(queue ? { agent: queue } : {}) }];
    case 'dequeue': return [{ ...base, type: 'answered' }];
    case 'leave': return [{ ...base, type: 'ended', outcome: 'no-answer', endsCall: false, talkSeconds: 0 }];
    default: return [{ ...base, type: 'unknown', flags: ['unclassified'] }];
  }
}

const DIRECTIONS: Readonly<Record<string, CallDirection>> = { inbound: 'inbound', outbound: 'outbound' };

/** `device.params`: `from_number`/`to_number` for phones, `from`/`to` for SIP and WebRTC. */
function deviceParties(device: unknown): { from?: Party; to?: Party } {
  const params = isObject(device) ? pick(device, 'params') : undefined;
  if (!isObject(params)) return {};
  const from = text(pick(params, 'from_number')) ?? text(pick(params, 'from'));
  const to = text(pick(params, 'to_number')) ?? text(pick(params, 'to'));
  return { ...(from ? { from: { raw: from } } : {}), ...(to ? { to: { raw: to } } : {}) };
}

function pickDetails(params: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = text(pick(params, key));
    if (value !== undefined) out[key] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
