import { badRequest, type CallDirection, type CallEventDraft, type CallEventType, type CallOutcome, type Party, ownEntry } from '@callrelay/core';
import { has, int, keyForm, num, pick, text, time } from './values.js';

/** How each `CallStatus` maps onto the canonical model (docs/connectors/signalwire.md). */
export const STATUS_MAP: Readonly<Record<string, { type: CallEventType; outcome?: CallOutcome }>> = {
  queued: { type: 'started' },
  initiated: { type: 'started' },
  ringing: { type: 'ringing' },
  'in-progress': { type: 'answered' },
  // Not a CallStatus value, but the StatusCallbackEvent name of the same step; some relays send it.
  answered: { type: 'answered' },
  // Twilio semantics: `completed` is only reported for a call that was answered.
  completed: { type: 'ended', outcome: 'answered' },
  busy: { type: 'ended', outcome: 'busy' },
  failed: { type: 'ended', outcome: 'failed' },
  'no-answer': { type: 'ended', outcome: 'no-answer' },
  canceled: { type: 'ended', outcome: 'canceled' },
  cancelled: { type: 'ended', outcome: 'canceled' },
};

export const DIRECTIONS: Readonly<Record<string, CallDirection>> = {
  inbound: 'inbound',
  'outbound-api': 'outbound',
  'outbound-dial': 'outbound',
  outbound: 'outbound',
};

/** Fields the seed names that the model does not type: kept in `details` under these names. */
const DETAIL_KEYS = ['AccountSid', 'ApiVersion', 'CallbackSource', 'SequenceNumber', 'ForwardedFrom', 'RecordingSid', 'RecordingDuration'];

/** Media quality statistics named by the seed (`AudioIn*`, `AudioOut*`); others with the prefix are kept too. */
const MEDIA_KEYS = [
  'AudioInAveragePtime', 'AudioInDtmfPacketCount', 'AudioInFlushPacketCount', 'AudioInJitterMaxVariance',
  'AudioInJitterMinVariance', 'AudioInLargestJbSize', 'AudioInMos', 'AudioInMediaPacketCount', 'AudioInSkipPacketCount',
  'AudioOutDtmfPacketCount', 'AudioOutMediaPacketCount',
];
const MEDIA_BY_FORM = new Map(MEDIA_KEYS.map((k) => [keyForm(k), k]));

/** `in_progress`, `In-Progress` and `in-progress` are the same status. */
export function normalizeStatus(value: unknown): string | undefined {
  return text(value)?.toLowerCase().replace(/[_\s]+/g, '-');
}

export function party(raw: unknown, name?: unknown): Party | undefined {
  const value = text(raw);
  if (!value) return undefined;
  const caller = text(name);
  return { raw: value, ...(caller ? { name: caller } : {}) };
}

/** A numeric statistic as a number (form bodies send text), anything else as text. */
function detailValue(value: unknown): unknown {
  const n = num(value);
  if (n !== undefined) return n;
  return typeof value === 'boolean' ? value : text(value);
}

export function collectDetails(params: Record<string, unknown>): Record<string, unknown> | undefined {
  const details: Record<string, unknown> = {};
  for (const key of DETAIL_KEYS) {
    const value = key === 'SequenceNumber' || key === 'RecordingDuration' ? detailValue(pick(params, key)) : text(pick(params, key));
    if (value !== undefined) details[key] = value;
  }
  for (const [key, value] of Object.entries(params)) {
    const form = keyForm(key);
    if (!form.startsWith('audioin') && !form.startsWith('audioout')) continue;
    const converted = detailValue(value);
    if (converted !== undefined) details[MEDIA_BY_FORM.get(form) ?? key] = converted;
  }
  return Object.keys(details).length ? details : undefined;
}

/**
 * Maps one SignalWire voice status callback (Twilio-compatible parameters, any encoding, any key
 * casing) to a canonical event.
 *
 * A leg with a `ParentCallSid` (a `<Dial>`ed number or SIP endpoint, Direction `outbound-dial`)
 * belongs to its parent's call: its end does not end the call (`endsCall: false`), its `To` is the
 * agent being rung, and it sets neither the call's direction nor its caller/callee, which are the
 * parent's.
 */
export function mapSignalWireParams(params: Record<string, unknown>): CallEventDraft {
  const callSid = text(pick(params, 'CallSid'));
  if (!callSid) throw badRequest('missing CallSid: not a SignalWire voice status callback');
  const parentSid = text(pick(params, 'ParentCallSid'));
  const isChild = parentSid !== undefined && parentSid !== callSid;
  const status = normalizeStatus(pick(params, 'CallStatus'));
  const recordingUrl = text(pick(params, 'RecordingUrl'));
  const sequence = int(pick(params, 'SequenceNumber'));
  const mapped = ownEntry(STATUS_MAP, status);
  // A recording status callback carries no CallStatus, only the recording.
  const type: CallEventType = mapped?.type ?? (!status && recordingUrl ? 'recording' : 'unknown');

  const draft: CallEventDraft = {
    callId: isChild ? parentSid : callSid,
    legId: callSid,
    type,
    ...(status ? { status } : {}),
    ...(mapped?.outcome ? { outcome: mapped.outcome } : {}),
    raw: params,
    dedupeKey: type === 'recording'
      ? `${callSid}|recording|${text(pick(params, 'RecordingSid')) ?? recordingUrl}`
      : `${callSid}|${status ?? ''}|${sequence ?? ''}`,
  };

  const occurredAt = time(pick(params, 'Timestamp'));
  if (occurredAt) {
    draft.occurredAt = occurredAt;
    if (type === 'started') draft.startedAt = occurredAt;
    if (type === 'answered') draft.answeredAt = occurredAt;
    if (type === 'ended') draft.endedAt = occurredAt;
  }

  const from = party(pick(params, 'From') ?? pick(params, 'Caller'), pick(params, 'CallerName'));
  const to = party(pick(params, 'To') ?? pick(params, 'Called'));
  if (isChild) {
    if (to) draft.agent = to;
    if (type === 'ended') draft.endsCall = false;
  } else {
    const direction = callDirection(params, status);
    if (direction) draft.direction = direction;
    // The caller's leg of an inbound call is answered by your cXML/LaML application, not by a
    // person: the call tracker counts a person's answer (an agent leg) for missed/completed.
    if (direction === 'inbound' && (type === 'answered' || mapped?.outcome === 'answered')) draft.flags = ['answered-by-app'];
    if (from) draft.from = from;
    if (to) draft.to = to;
  }

  if (type === 'ended') {
    const duration = int(pick(params, 'CallDuration'));
    if (mapped?.outcome === 'answered') {
      if (duration !== undefined) draft.talkSeconds = duration;
    } else {
      draft.talkSeconds = 0;
    }
  }
  const sipStatus = int(pick(params, 'SipResultCode'));
  const sipReason = text(pick(params, 'SipInviteResultPhrase'));
  if (sipStatus !== undefined || sipReason) draft.sip = { ...(sipStatus !== undefined ? { status: sipStatus } : {}), ...(sipReason ? { reason: sipReason } : {}) };
  if (recordingUrl) draft.recordingUrl = recordingUrl;
  if (type === 'unknown') draft.flags = [...(draft.flags ?? []), 'unclassified'];
  const details = collectDetails(params);
  if (details) draft.details = details;
  return draft;
}

/**
 * The direction of the caller's leg. A phone number's own status callback (the "incoming call
 * status callback": only `completed` or `failed`) carries no `Direction` at all; it is only sent
 * for inbound calls, and every other voice callback names its direction. So a status on a leg
 * without a parent and without `Direction` is read as inbound: reading it as unknown would make an
 * unanswered inbound call produce no missed call at all.
 */
export function callDirection(params: Record<string, unknown>, status: string | undefined): CallDirection | undefined {
  if (!has(params, 'Direction')) return status ? 'inbound' : undefined;
  return ownEntry(DIRECTIONS, text(pick(params, 'Direction'))?.toLowerCase());
}
