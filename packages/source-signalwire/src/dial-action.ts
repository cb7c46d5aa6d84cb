import type { CallEventDraft } from '@callrelay/core';
import { actionBase, actionDetails, attemptEnded, callerLegEnd, type AttemptEnd } from './action-callback.js';
import { normalizeStatus } from './mapping.js';
import { int, pick, text } from './values.js';

/**
 * `DialCallStatus` of the `<Dial>` verb's `action` callback: how the dial attempt ended
 * (https://developer.signalwire.com/compatibility-api/cxml/voice/dial, "Values for DialCallStatus").
 * `completed` and `answered` (a conference) are a person answering the dialed number.
 */
export const DIAL_CALL_STATUS: Readonly<Record<string, AttemptEnd>> = {
  completed: { answered: true },
  answered: { answered: true },
  busy: { answered: false, outcome: 'busy' },
  'no-answer': { answered: false, outcome: 'no-answer' },
  failed: { answered: false, outcome: 'failed' },
  canceled: { answered: false, outcome: 'canceled' },
  cancelled: { answered: false, outcome: 'canceled' },
};

/**
 * Maps the `<Dial action>` callback: SignalWire's own word on whether the dialed agent answered.
 *
 * The dial attempt is an agent leg of the caller's call (`callId` = `CallSid`, `legId` =
 * `DialCallSid`, or `<CallSid>/dial` when SignalWire created no leg), and its event id differs from
 * the status callbacks of both legs, so none hides another. When `CallStatus` says the caller's leg
 * has ended too, that end follows (see {@link callerLegEnd}).
 */
export function mapDialAction(params: Record<string, unknown>): CallEventDraft[] {
  const { callSid, base } = actionBase(params, '<Dial> action callback');
  const dialStatus = normalizeStatus(pick(params, 'DialCallStatus'))!;
  const dialSid = text(pick(params, 'DialCallSid'));
  const legId = dialSid ?? `${callSid}/dial`;
  const dedupeKey = `${callSid}|dial-action|${dialSid ?? ''}|${dialStatus}`;
  const end = DIAL_CALL_STATUS[dialStatus];
  const details = actionDetails(params, { DialCallSid: dialSid, DialCallStatus: dialStatus, DialCallDuration: int(pick(params, 'DialCallDuration')) });
  const recordingUrl = text(pick(params, 'RecordingUrl'));
  const attempt: CallEventDraft = end
    ? attemptEnded(base, end, { legId, status: dialStatus, dedupeKey, talkSeconds: int(pick(params, 'DialCallDuration')), raw: params })
    : { ...base, callId: callSid, legId, type: 'unknown', status: dialStatus, flags: ['unclassified'], raw: params, dedupeKey };
  if (details) attempt.details = details;
  if (recordingUrl) attempt.recordingUrl = recordingUrl;
  const callerEnd = callerLegEnd(params, callSid, base);
  return callerEnd ? [attempt, callerEnd] : [attempt];
}
