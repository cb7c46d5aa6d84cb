import { badRequest, type CallEventDraft } from '@callrelay/core';
import { callDirection, collectDetails, normalizeStatus, party, STATUS_MAP } from './mapping.js';
import { int, pick, text, time } from './values.js';

/** The unanswered and answered ends of an attempt to reach a person (a `<Dial>` or a queue). */
export type AttemptEnd = { answered: true } | { answered: false; outcome: 'no-answer' | 'busy' | 'failed' | 'canceled' };

/** Statuses of the caller's leg that say it has ended. */
const FINAL_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled', 'cancelled']);

/**
 * The fields every cXML action callback shares (the "standard request parameters" of the caller's
 * leg): the call, its direction, parties and time. An action callback reports the caller's leg, so
 * unlike a `<Dial>`ed leg's status callback it may state the call's direction.
 */
export function actionBase(params: Record<string, unknown>, what: string): { callSid: string; base: Partial<CallEventDraft> } {
  const callSid = text(pick(params, 'CallSid'));
  if (!callSid) throw badRequest(`missing CallSid: not a SignalWire ${what}`);
  const base: Partial<CallEventDraft> = { callId: callSid };
  const direction = callDirection(params, normalizeStatus(pick(params, 'CallStatus')));
  if (direction) base.direction = direction;
  const from = party(pick(params, 'From') ?? pick(params, 'Caller'), pick(params, 'CallerName'));
  const to = party(pick(params, 'To') ?? pick(params, 'Called'));
  if (from) base.from = from;
  if (to) base.to = to;
  const occurredAt = time(pick(params, 'Timestamp'));
  if (occurredAt) base.occurredAt = occurredAt;
  return { callSid, base };
}

/**
 * The attempt as a leg of the call that ended: answered (a person answered: never flagged
 * `answered-by-app`) or unanswered (`endsCall: false`: the caller may still be on the line, and
 * the call was offered to someone who did not answer).
 */
export function attemptEnded(base: Partial<CallEventDraft>, end: AttemptEnd, leg: { legId: string; status: string; dedupeKey: string; talkSeconds?: number; raw: unknown }): CallEventDraft {
  const draft: CallEventDraft = {
    ...base,
    callId: base.callId!,
    legId: leg.legId,
    type: 'ended',
    status: leg.status,
    outcome: end.answered ? 'answered' : end.outcome,
    endsCall: false,
    raw: leg.raw,
    dedupeKey: leg.dedupeKey,
  };
  if (draft.occurredAt) draft.endedAt = draft.occurredAt;
  if (!end.answered) draft.talkSeconds = 0;
  else if (leg.talkSeconds !== undefined) draft.talkSeconds = leg.talkSeconds;
  return draft;
}

/**
 * The caller's leg ended, when the action callback's `CallStatus` says so (the caller hung up
 * during the `<Dial>` or in the queue): with only action callbacks configured, this is the only
 * end of the call SignalWire reports. Its id differs from the status callback's end of the same
 * leg (which carries the duration and media statistics): both are kept, the call ends once.
 */
export function callerLegEnd(params: Record<string, unknown>, callSid: string, base: Partial<CallEventDraft>): CallEventDraft | undefined {
  const status = normalizeStatus(pick(params, 'CallStatus'));
  if (!status || !FINAL_CALL_STATUSES.has(status)) return undefined;
  const mapped = STATUS_MAP[status]!;
  const draft: CallEventDraft = {
    ...base,
    callId: callSid,
    legId: callSid,
    type: 'ended',
    status,
    outcome: mapped.outcome,
    raw: params,
    dedupeKey: `${callSid}|action-caller-end|${status}`,
  };
  if (draft.occurredAt) draft.endedAt = draft.occurredAt;
  if (mapped.outcome === 'answered') {
    // The caller's leg of an inbound call is answered by the cXML application (see mapping.ts).
    if (base.direction === 'inbound') draft.flags = ['answered-by-app'];
    const duration = int(pick(params, 'CallDuration'));
    if (duration !== undefined) draft.talkSeconds = duration;
  } else {
    draft.talkSeconds = 0;
  }
  return draft;
}

/** The details an action callback shares with a status callback, plus its own fields. */
export function actionDetails(params: Record<string, unknown>, own: Record<string, unknown>): Record<string, unknown> | undefined {
  const details = { ...collectDetails(params) };
  for (const [key, value] of Object.entries(own)) if (value !== undefined) details[key] = value;
  return Object.keys(details).length ? details : undefined;
}
