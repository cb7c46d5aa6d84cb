import {
  badRequest, fieldInt as int, fieldText as text, fieldTime as time, pickField as pick,
  type CallEventDraft, type CallEventType, type CallOutcome, type Party, ownEntry,
} from '@callrelay/core';
import { isQueueEvent, mapQueueEvent } from './queue-event.js';

/** How each jambonz `call_status` maps onto the canonical model (docs/connectors/jambonz.md). */
const STATUS_MAP: Record<string, { type: CallEventType; outcome?: CallOutcome }> = {
  queued: { type: 'started' },
  trying: { type: 'started' },
  ringing: { type: 'ringing' },
  'early-media': { type: 'ringing' },
  'in-progress': { type: 'answered' },
  completed: { type: 'ended', outcome: 'answered' },
  failed: { type: 'ended', outcome: 'failed' },
  busy: { type: 'ended', outcome: 'busy' },
  'no-answer': { type: 'ended', outcome: 'no-answer' },
};

/** Fields kept in `details` under jambonz's names. */
const DETAIL_KEYS = [
  'call_id', 'sbc_callid', 'application_sid', 'account_sid', 'originating_sip_trunk_name', 'originating_sip_ip',
  'service_provider_sid', 'call_termination_by', 'queue', 'leave_reason',
];

function party(raw: unknown, name?: unknown): Party | undefined {
  const value = text(raw);
  if (!value) return undefined;
  const caller = text(name);
  return { raw: value, ...(caller ? { name: caller } : {}) };
}

/**
 * Maps one jambonz (or Graine) call hook / call status hook body, or a queue event webhook body, to
 * a canonical event. A child leg (`parent_call_sid`, e.g. a `dial` to an agent) belongs to its
 * parent's call: every status of it names the dialed agent, its end does not end the call, its
 * answer is the agent answering, and its parties are the agent's.
 */
export function mapJambonzBody(body: Record<string, unknown>): CallEventDraft {
  const callSid = text(pick(body, 'call_sid'));
  if (!callSid) throw badRequest('missing call_sid: not a jambonz call hook, call status hook or queue event');
  const parentSid = text(pick(body, 'parent_call_sid'));
  const status = text(pick(body, 'call_status'))?.toLowerCase();
  const mapped = ownEntry(STATUS_MAP, status);
  const sipStatus = int(pick(body, 'sip_status'));
  const sipReason = text(pick(body, 'sip_reason'));
  const direction = text(pick(body, 'direction'))?.toLowerCase();
  const from = party(pick(body, 'from'), pick(body, 'caller_name'));
  const to = party(pick(body, 'to'));
  const duration = int(pick(body, 'duration'));
  const isChild = parentSid !== undefined && parentSid !== callSid;

  const draft: CallEventDraft = {
    callId: isChild ? parentSid : callSid,
    legId: callSid,
    type: mapped?.type ?? 'unknown',
    ...(status ? { status } : {}),
    ...(mapped?.outcome ? { outcome: mapped.outcome } : {}),
    raw: body,
    dedupeKey: `${callSid}|${status ?? ''}|${sipStatus ?? ''}`,
  };
  const occurredAt = time(pick(body, 'timestamp')) ?? time(pick(body, 'time'));
  if (occurredAt) draft.occurredAt = occurredAt;
  if (isChild) {
    // The dialed agent's leg, whatever its status: jambonz sends `trying` when the INVITE goes out
    // and `ringing` only on a 180/183, so a busy or unreachable agent often has no ringing at all
    // (lib/utils/place-outdial.js). Its "to" is the agent; the call's caller/callee come from the parent.
    if (to) draft.agent = to;
    if (draft.type === 'ended') draft.endsCall = false;
  } else {
    if (direction === 'inbound' || direction === 'outbound') draft.direction = direction;
    // The caller's leg of an inbound call is answered by the jambonz application; whether a person
    // answered shows on the dialed (child) legs. The tracker tells the two apart (docs/calls.md).
    if (direction === 'inbound' && (draft.type === 'answered' || draft.outcome === 'answered')) draft.flags = ['answered-by-app'];
    if (from) draft.from = from;
    if (to) draft.to = to;
  }
  if (sipStatus !== undefined || sipReason) draft.sip = { ...(sipStatus !== undefined ? { status: sipStatus } : {}), ...(sipReason ? { reason: sipReason } : {}) };
  // 487 on the caller's leg of an inbound call: the caller's CANCEL (InboundCallSession._onCancel).
  // On an agent leg or an outbound REST call it is jambonz cancelling its own INVITE (dial timeout,
  // another target answered, the caller left): not the caller's doing.
  if (status === 'no-answer' && sipStatus === 487 && !isChild && direction !== 'outbound') draft.hangupCause = 'caller-canceled';
  if (draft.type === 'ended' && duration !== undefined) draft.talkSeconds = mapped?.outcome === 'answered' ? duration : 0;
  const details: Record<string, unknown> = {};
  for (const key of DETAIL_KEYS) {
    const value = text(pick(body, key));
    if (value) details[key] = value;
  }
  if (Object.keys(details).length) draft.details = details;
  if (isQueueEvent(body)) return mapQueueEvent(body, draft, callSid);
  if (!mapped) draft.flags = [...(draft.flags ?? []), 'unclassified'];
  return draft;
}
