import { badRequest, type CallDirection, type CallEventDraft, type CallEventType, type CallOutcome, type Party, ownEntry } from '@callrelay/core';
import { answeredPerPayload, talkSecondsOf } from './answer.js';
import { party } from './parties.js';
import { bool, int, pick, secondsBetween, text, time } from './values.js';

/** How each ImpactPBX `action` maps onto the canonical model (docs/connectors/impactpbx.md). */
export const ACTION_MAP: Readonly<Record<string, { type: CallEventType; outcome?: CallOutcome }>> = {
  originate: { type: 'started' },
  ring: { type: 'ringing' },
  answer: { type: 'answered' },
  hangup: { type: 'ended' },
  failed: { type: 'ended', outcome: 'failed' },
};

const DIRECTIONS: Readonly<Record<string, CallDirection>> = { inbound: 'inbound', outbound: 'outbound', internal: 'internal' };

/** Fields the model does not type, kept in `details` under the seed's names. */
const DETAIL_TEXT_KEYS = ['domain_name', 'channel_uuid', 'originating_leg_uuid', 'dialed_user', 'click_to_call_data', 'recording', 'cause', 'reason_failed'];

/** `hang-up`, `Hangup` and `hangup` are the same action. */
function normalizeAction(value: unknown): string | undefined {
  return text(value)?.toLowerCase().replace(/[-_\s]/g, '');
}

function collectDetails(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const details: Record<string, unknown> = {};
  for (const key of DETAIL_TEXT_KEYS) {
    const value = text(pick(body, key));
    if (value !== undefined) details[key] = value;
  }
  const clickToCall = bool(pick(body, 'click_to_call'));
  if (clickToCall !== undefined) details.click_to_call = clickToCall;
  return Object.keys(details).length ? details : undefined;
}

/**
 * The extension the event is about: for an outbound call, the extension that placed it (`ani`);
 * for an inbound or internal call, the extension being dialed (`dialed_user`), when named.
 */
function agentOf(body: Record<string, unknown>, direction: CallDirection | undefined): Party | undefined {
  if (direction === 'outbound') return party(pick(body, 'ani'), pick(body, 'ani_e164'));
  return party(pick(body, 'dialed_user'));
}

function sipOf(body: Record<string, unknown>): CallEventDraft['sip'] | undefined {
  const fromCause = /^sip:(\d{3})$/i.exec(text(pick(body, 'sip_hangup_cause')) ?? '');
  const status = int(pick(body, 'sip_term_status')) ?? int(pick(body, 'sip_status')) ?? int(pick(body, 'sip_code')) ?? (fromCause ? Number(fromCause[1]) : undefined);
  const reason = text(pick(body, 'sip_term_phrase')) ?? text(pick(body, 'sip_reason'));
  if (status === undefined && !reason) return undefined;
  return { ...(status !== undefined ? { status } : {}), ...(reason ? { reason } : {}) };
}

/**
 * Maps one ImpactPBX webhook (originate, ring, answer, hangup, failed) to a canonical event.
 * `ref` is the call; `channel_uuid` the leg. A hang-up's outcome comes from the payload only
 * ({@link answeredPerPayload}); when the payload does not say, the outcome is left out and the call
 * tracker decides from the events it saw.
 */
export function mapImpactBody(body: Record<string, unknown>, options: { repaired?: boolean } = {}): CallEventDraft {
  const callId = text(pick(body, 'ref')) ?? text(pick(body, 'originating_leg_uuid')) ?? text(pick(body, 'channel_uuid'));
  if (!callId) throw badRequest('missing ref: not an ImpactPBX call webhook');
  const action = normalizeAction(pick(body, 'action'));
  const mapped = action ? ACTION_MAP[action] : undefined;
  const type: CallEventType = mapped?.type ?? 'unknown';
  const legId = text(pick(body, 'channel_uuid'));
  const direction = ownEntry(DIRECTIONS, text(pick(body, 'direction'))?.toLowerCase());

  const draft: CallEventDraft = {
    callId,
    ...(legId ? { legId } : {}),
    type,
    ...(direction ? { direction } : {}),
    ...(action ? { status: action } : {}),
    raw: body,
    dedupeKey: `${callId}|${action ?? ''}|${legId ?? ''}`,
  };

  const from = party(pick(body, 'caller_id_number'), pick(body, 'caller_id_number_e164'), pick(body, 'caller_id_name'));
  const to = party(pick(body, 'recipient'), pick(body, 'recipient_e164'));
  const agent = agentOf(body, direction);
  if (from) draft.from = from;
  if (to) draft.to = to;
  if (agent) draft.agent = agent;

  const occurredAt = time(pick(body, 'timestamp'));
  const startedAt = time(pick(body, 'call_start')) ?? time(pick(body, 'call_start_uepoch'));
  const answerAt = time(pick(body, 'answer_start')) ?? time(pick(body, 'answer_start_uepoch'));
  const endedAt = time(pick(body, 'call_end')) ?? time(pick(body, 'call_end_uepoch'));
  if (occurredAt) draft.occurredAt = occurredAt;
  if (startedAt) draft.startedAt = startedAt;
  if (answerAt) draft.answeredAt = answerAt;

  if (type === 'ended') {
    if (endedAt) draft.endedAt = endedAt;
    let outcome = mapped?.outcome;
    if (!outcome) {
      const answered = answeredPerPayload(body);
      if (answered === true) outcome = 'answered';
      else if (answered === false) outcome = text(pick(body, 'cause'))?.toUpperCase() === 'USER_BUSY' ? 'busy' : 'no-answer';
    }
    if (outcome) draft.outcome = outcome;
    if (outcome === 'answered') {
      const talk = talkSecondsOf(body, answerAt, endedAt);
      if (talk !== undefined) draft.talkSeconds = talk;
    } else if (outcome) {
      draft.talkSeconds = 0;
    }
    const ring = secondsBetween(startedAt, outcome === 'answered' ? answerAt : outcome ? endedAt : undefined);
    if (ring !== undefined) draft.ringSeconds = ring;
    const cause = text(pick(body, 'reason_failed')) ?? text(pick(body, 'cause'));
    if (cause) draft.hangupCause = cause;
  } else if (type === 'answered') {
    const ring = secondsBetween(startedAt, answerAt);
    if (ring !== undefined) draft.ringSeconds = ring;
  }

  const sip = sipOf(body);
  if (sip) draft.sip = sip;
  const recording = text(pick(body, 'recording'));
  if (recording && /^https?:\/\//i.test(recording)) draft.recordingUrl = recording;
  const flags = [...(options.repaired ? ['repaired-body'] : []), ...(type === 'unknown' ? ['unclassified'] : [])];
  if (flags.length) draft.flags = flags;
  const details = collectDetails(body);
  if (details) draft.details = details;
  return draft;
}
