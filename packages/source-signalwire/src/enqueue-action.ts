import type { CallEventDraft } from '@callrelay/core';
import { actionBase, actionDetails, attemptEnded, callerLegEnd, type AttemptEnd } from './action-callback.js';
import { normalizeStatus } from './mapping.js';
import { int, pick, text } from './values.js';

/**
 * `QueueResult` of the `<Enqueue>` verb's `action` callback
 * (https://developer.signalwire.com/compatibility-api/cxml/voice/enqueue, "Values for QueueResult").
 * Bridged results are an agent taking the caller from the queue; every other result is the caller
 * leaving the queue without anyone answering: hung up (`hangup`), sent on by `<Leave>` or the REST
 * API, or never queued (`queue-full`, errors).
 */
export const QUEUE_RESULT: Readonly<Record<string, AttemptEnd>> = {
  bridged: { answered: true },
  'bridging-in-progress': { answered: true },
  // Twilio's spelling of the same result.
  'bridging-in-process': { answered: true },
  'redirected-from-bridged': { answered: true },
  hangup: { answered: false, outcome: 'canceled' },
  leave: { answered: false, outcome: 'no-answer' },
  redirected: { answered: false, outcome: 'no-answer' },
  'queue-full': { answered: false, outcome: 'busy' },
  error: { answered: false, outcome: 'failed' },
  'system-error': { answered: false, outcome: 'failed' },
};

/**
 * Maps the `<Enqueue action>` callback. The wait in the queue is a leg of the caller's call
 * (`legId` = `<CallSid>/queue/<QueueSid>`) offered to the queue's agents: unanswered unless an agent
 * bridged it. When `CallStatus` says the caller's leg has ended (a `hangup` in the queue), that end
 * follows.
 */
export function mapEnqueueAction(params: Record<string, unknown>): CallEventDraft[] {
  const { callSid, base } = actionBase(params, '<Enqueue> action callback');
  const result = normalizeStatus(pick(params, 'QueueResult'))!;
  const queueSid = text(pick(params, 'QueueSid'));
  const legId = `${callSid}/queue/${queueSid ?? ''}`;
  const dedupeKey = `${callSid}|enqueue-action|${queueSid ?? ''}|${result}`;
  const end = QUEUE_RESULT[result];
  const queueTime = int(pick(params, 'QueueTime'));
  const attempt: CallEventDraft = end
    ? attemptEnded(base, end, { legId, status: result, dedupeKey, raw: params })
    : { ...base, callId: callSid, legId, type: 'unknown', status: result, flags: ['unclassified'], raw: params, dedupeKey };
  if (queueTime !== undefined && attempt.type === 'ended') attempt.ringSeconds = queueTime;
  const details = actionDetails(params, { QueueSid: queueSid, QueueResult: result, QueueTime: queueTime });
  if (details) attempt.details = details;
  const callerEnd = callerLegEnd(params, callSid, base);
  return callerEnd ? [attempt, callerEnd] : [attempt];
}
