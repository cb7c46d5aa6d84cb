import type { CallEvent, Party } from '@callrelay/core';

/** HubSpot's call statuses (`hs_call_status`). */
export type HubSpotCallStatus = 'BUSY' | 'CALLING_CRM_USER' | 'CANCELED' | 'COMPLETED' | 'CONNECTING' | 'FAILED' | 'IN_PROGRESS' | 'NO_ANSWER' | 'QUEUED' | 'RINGING';

/**
 * The HubSpot status of an event. A missed call is `NO_ANSWER` (or `BUSY` / `FAILED` when the
 * platform said so): the business did not answer, whoever hung up first. A call-ending event
 * takes its outcome; lifecycle steps map to the status a call has at that step.
 */
export function callStatusOf(event: CallEvent): HubSpotCallStatus | undefined {
  const byOutcome: Partial<Record<NonNullable<CallEvent['outcome']>, HubSpotCallStatus>> = {
    answered: 'COMPLETED', 'no-answer': 'NO_ANSWER', busy: 'BUSY', failed: 'FAILED', canceled: 'CANCELED',
  };
  switch (event.type) {
    case 'missed': return event.outcome === 'busy' ? 'BUSY' : event.outcome === 'failed' ? 'FAILED' : 'NO_ANSWER';
    case 'completed': return 'COMPLETED';
    case 'ended': return (event.outcome && byOutcome[event.outcome]) ?? 'COMPLETED';
    case 'started': return 'CONNECTING';
    case 'ringing': return 'RINGING';
    case 'answered':
    case 'transferred': return 'IN_PROGRESS';
    case 'recording': return 'COMPLETED';
    default: return undefined;
  }
}

/** `INBOUND` / `OUTBOUND`; HubSpot has no value for internal calls, so they get none. */
export function callDirectionOf(event: CallEvent): 'INBOUND' | 'OUTBOUND' | undefined {
  return event.direction === 'inbound' ? 'INBOUND' : event.direction === 'outbound' ? 'OUTBOUND' : undefined;
}

/** The call's start, else when the event happened, else when it was received: the first that is a date. */
function timestampOf(event: CallEvent): string {
  const time = [event.startedAt, event.occurredAt, event.receivedAt].map((v) => (v ? Date.parse(v) : Number.NaN)).find((t) => !Number.isNaN(t));
  return new Date(time ?? Date.now()).toISOString();
}

const numberOf = (party: Party | undefined): string | undefined => {
  const value = party?.e164 ?? party?.raw.trim();
  return value ? value : undefined;
};

/**
 * The properties of the call engagement of an event: when (`hs_timestamp`: the call's start),
 * direction, status, numbers (E.164 where known), talk time in milliseconds, the https recording,
 * the rendered title and notes, and the event id in `idempotencyProperty` when one is configured.
 */
export function callProperties(
  event: CallEvent,
  text: { title: string; body: string; recordingUrl?: string; owner?: string },
  idempotencyProperty?: string,
): Record<string, string> {
  const properties: Record<string, string | undefined> = {
    hs_timestamp: timestampOf(event),
    hs_call_direction: callDirectionOf(event),
    hs_call_status: callStatusOf(event),
    hs_call_from_number: numberOf(event.from),
    hs_call_to_number: numberOf(event.to),
    hs_call_duration: event.talkSeconds !== undefined ? String(Math.round(event.talkSeconds * 1000)) : event.type === 'missed' ? '0' : undefined,
    hs_call_recording_url: text.recordingUrl,
    hs_call_title: text.title,
    hs_call_body: text.body,
    hubspot_owner_id: text.owner,
    ...(idempotencyProperty ? { [idempotencyProperty]: event.id } : {}),
  };
  return Object.fromEntries(Object.entries(properties).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}
