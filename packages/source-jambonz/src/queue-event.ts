import {
  fieldText as text, pickField as pick,
  type CallEventDraft, type Party,
} from '@callrelay/core';

/**
 * jambonz's account-level queue event webhook (Account → "Queue event webhook"): sent when a call
 * joins or leaves an `enqueue` queue, with the call's status fields spread into the same object
 * (jambonz-feature-server `lib/tasks/enqueue.js` → `CallSession.performQueueWebhook`):
 *
 * - `{event: 'join', queue, length, join_time, ...call}`;
 * - `{event: 'leave', queue, length, leave_reason: 'abandoned', leave_time, ...call}` when the call
 *   left without an agent (the caller hung up, or a `leave` verb took it out);
 * - `{event: 'leave', queue, length, leave_reason: 'dequeued', leave_time, dequeuer: {...call}}` when
 *   an agent's call took it with `dequeue`.
 *
 * The call status hook alone cannot tell a queue abandon from an IVR call (both: the application
 * answered, nobody was dialed), so these events are what makes a queue abandon a missed call.
 */
export function isQueueEvent(body: Record<string, unknown>): boolean {
  const event = text(pick(body, 'event'))?.toLowerCase();
  return (event === 'join' || event === 'leave') && text(pick(body, 'queue')) !== undefined;
}

/** The agent of a `dequeue`: the party of the agent's own call that is not the platform's side. */
function dequeuerOf(value: unknown): Party | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const dequeuer = value as Record<string, unknown>;
  // An agent calling in to a dequeue application is its call's `from`; an agent called by the
  // platform (REST call, dial) is its `to`.
  const direction = text(pick(dequeuer, 'direction'))?.toLowerCase();
  const raw = text(pick(dequeuer, direction === 'outbound' ? 'to' : 'from'));
  return raw ? { raw } : undefined;
}

/**
 * Completes a draft already holding the call's identity (`callId`, `legId`, `raw`) from a queue
 * event. The queue is the party offered the call, as a ring group or queue is on other platforms.
 */
export function mapQueueEvent(body: Record<string, unknown>, draft: CallEventDraft, callSid: string): CallEventDraft {
  const event = text(pick(body, 'event'))!.toLowerCase();
  const queueName = text(pick(body, 'queue'))!;
  const queue: Party = { raw: queueName, kind: 'queue' };
  const reason = text(pick(body, 'leave_reason'))?.toLowerCase();
  // join_time/leave_time are set once per join or leave, so a retry keeps them and a second join
  // of the same queue (after a `leave` verb) does not.
  const at = text(pick(body, event === 'join' ? 'join_time' : 'leave_time')) ?? '';
  const out: CallEventDraft = {
    ...draft,
    status: reason ? `queue-${event}-${reason}` : `queue-${event}`,
    dedupeKey: `${callSid}|queue|${event}|${reason ?? ''}|${queueName}|${at}`,
  };
  // The spread call fields say `in-progress` (the application answered to enqueue): that status
  // has its own webhook; this event is about the queue only.
  delete out.outcome;
  delete out.flags;
  delete out.talkSeconds;
  delete out.hangupCause;
  if (event === 'join') return { ...out, type: 'ringing', agent: queue };
  if (reason === 'dequeued') return { ...out, type: 'answered', agent: dequeuerOf(pick(body, 'dequeuer')) ?? queue };
  // Abandoned, a `leave` verb, or a reason this version does not know: the queue's offer ended
  // without an agent. The call goes on (the application may run more verbs): only this offer ended.
  return { ...out, type: 'ended', outcome: 'no-answer', endsCall: false, agent: queue };
}
