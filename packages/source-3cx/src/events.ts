import type { CallEventType, CallOutcome } from '@callrelay/core';

/** Which step of a call a WebhooksApi event reports. */
export type EventFamily = 'ring' | 'dial' | 'answer' | 'end' | 'recording';

export interface EventRule {
  type: CallEventType;
  family: EventFamily;
  /** The direction the event name states (`incoming*` / `outgoing*`); ringing is only sent for calls coming in. */
  direction?: 'inbound' | 'outbound';
}

/**
 * WebhooksApi event names (lower-cased, without `_`), JSON and form variants. The form variant
 * names the pickup `hangupincoming`/`hangupoutgoing` (seed 004: "The operator picks up the phone").
 */
export const EVENT_RULES: Readonly<Record<string, EventRule>> = {
  ringing: { type: 'ringing', family: 'ring', direction: 'inbound' },
  dialing: { type: 'started', family: 'dial', direction: 'outbound' },
  incomingcallstarted: { type: 'answered', family: 'answer', direction: 'inbound' },
  pickupincoming: { type: 'answered', family: 'answer', direction: 'inbound' },
  hangupincoming: { type: 'answered', family: 'answer', direction: 'inbound' },
  outgoingcallstarted: { type: 'answered', family: 'answer', direction: 'outbound' },
  pickupoutgoing: { type: 'answered', family: 'answer', direction: 'outbound' },
  hangupoutgoing: { type: 'answered', family: 'answer', direction: 'outbound' },
  incoming: { type: 'ended', family: 'end', direction: 'inbound' },
  outgoing: { type: 'ended', family: 'end', direction: 'outbound' },
  recording: { type: 'recording', family: 'recording' },
};

/** `Finishtype` of an end (lower-cased, without separators) → how the call or leg ended. */
export const FINISH_TYPES: Readonly<Record<string, CallOutcome>> = {
  ok: 'answered', answered: 'answered', success: 'answered', successful: 'answered', completed: 'answered', transferred: 'answered',
  missed: 'no-answer', noanswer: 'no-answer', unanswered: 'no-answer', notanswered: 'no-answer',
  busy: 'busy',
  failed: 'failed', error: 'failed',
  canceled: 'canceled', cancelled: 'canceled',
};

/** `Usertype` of a ringing event → `Party.kind`. The add-on reports IVRs as `other`. */
export const USER_TYPES: Readonly<Record<string, string>> = {
  ext: 'ext', extension: 'ext', queue: 'queue', ivr: 'ivr', digitalreceptionist: 'ivr', ringgroup: 'ring-group', huntgroup: 'ring-group', other: 'other',
};

/**
 * `Trtype` of a pickup → transfer kind; `NotDef` (or nothing) is a plain answer. The seed's JSON
 * variant writes `Attended`; Creomate's add-on writes `Accomp` ("a call received through an
 * accompanying transfer", i.e. attended) beside `Blind` and `NotDef`.
 */
export const TRANSFER_TYPES: Readonly<Record<string, string>> = { attended: 'attended', accomp: 'attended', blind: 'blind' };
