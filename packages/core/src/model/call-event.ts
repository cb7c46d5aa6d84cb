/**
 * The canonical call event: one shape for every platform, so that a pipeline written for 3CX
 * works unchanged for jambonz. Field meanings are documented in `docs/events.md`.
 */

/** Lifecycle steps reported by a platform, and call-level outcomes derived by the call tracker. */
export const CALL_EVENT_TYPES = [
  'started',      // the platform created the call (originate, trying, initiated, dialing, queued)
  'ringing',      // a phone, extension, queue or IVR is being offered the call
  'answered',     // someone picked up
  'transferred',  // the call moved to another extension (attended or blind)
  'ended',        // a leg or the call ended; see `outcome` for how
  'recording',    // a recording became available (`recordingUrl`)
  'missed',       // tracker: an inbound call ended without anyone answering (one per call)
  'completed',    // tracker: an answered call ended; the summary of the call (one per call)
  'called_back',  // tracker: a missed call was returned (an answered outbound call to its number, or the caller called again and was answered)
  'unknown',      // the platform sent something that could not be classified; kept and flagged
] as const;
/** One of {@link CALL_EVENT_TYPES}. */
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];

/** Event types that only the call tracker emits. */
export const CALL_OUTCOME_TYPES = ['missed', 'completed', 'called_back'] as const satisfies readonly CallEventType[];

/** Which way a call goes, seen from the business. */
export const CALL_DIRECTIONS = ['inbound', 'outbound', 'internal', 'unknown'] as const;
/** One of {@link CALL_DIRECTIONS}. */
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** How a leg or call ended, when the platform says so. */
export const CALL_OUTCOMES = ['answered', 'no-answer', 'busy', 'failed', 'canceled', 'unknown'] as const;
/** One of {@link CALL_OUTCOMES}. */
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** One party of a call (caller, callee, or the agent/extension that rang or answered). */
export interface Party {
  /** The value exactly as the platform sent it. */
  raw: string;
  /** E.164 form (`+14155551234`) where one can be derived, using the source's default country. */
  e164?: string;
  /** Set when the value is a PBX extension, a queue or an IVR rather than a phone number. */
  extension?: string;
  /** What kind of endpoint, when the platform says: `ext`, `queue`, `ivr`, `ring-group`... */
  kind?: string;
  /** Caller ID name or agent name, if known. */
  name?: string;
}

/** SIP status of a leg or call, when the platform reports one. */
export interface SipInfo {
  /** SIP status code (`486`, `603`). */
  status?: number;
  /** SIP reason phrase (`Busy Here`). */
  reason?: string;
}

/** The canonical event. Every field except the identity, `type`, times and `raw` is optional. */
export interface CallEvent {
  /** Deterministic id: the same webhook received twice yields the same id. */
  id: string;
  /** The configured source id (`sources.<id>` in the config file). */
  source: string;
  /** The platform that sent it: `jambonz`, `signalwire`, `impactpbx`, `3cx`, or a plugin's own. */
  platform: string;
  /** The platform's call, legs folded together (3CX `230307142318_40`, jambonz parent call sid). */
  callId: string;
  /** The leg this event is about (3CX `230307142318_40-1`, jambonz `call_sid`). */
  legId?: string;
  /** The lifecycle step, or a tracker outcome (`missed`, `completed`). */
  type: CallEventType;
  /** Inbound, outbound or internal, from the business's side; `unknown` when it cannot be told. */
  direction: CallDirection;
  /** The caller. */
  from?: Party;
  /** The number or extension called. */
  to?: Party;
  /** The extension or agent that rang, answered, or (for outbound calls) placed the call. */
  agent?: Party;
  /** The platform's own status word (`no-answer`, `incomingcall_started`, `hangup`...). */
  status?: string;
  /** How the leg or call ended, for `ended` events and tracker outcomes. */
  outcome?: CallOutcome;
  /**
   * For `ended` (and `transferred`) events: true when this ends the whole call, false when only one
   * leg ended (a ring-group phone stopped ringing, a transfer's first leg hung up). Default: true for
   * `ended`. The call tracker decides missed/completed on the event that ends the call.
   */
  endsCall?: boolean;
  /** When the reported step happened (ISO 8601, UTC). Falls back to `receivedAt`. */
  occurredAt: string;
  /** When callrelay received the webhook (ISO 8601, UTC). */
  receivedAt: string;
  /**
   * Which clock `occurredAt` reads: `platform` when the webhook carried its own time, `received`
   * when it fell back to `receivedAt`. The call tracker computes durations from one clock only.
   */
  clock?: 'platform' | 'received';
  /** When the call started (ISO 8601, UTC), where known. */
  startedAt?: string;
  /** When the call was answered (ISO 8601, UTC), where known. */
  answeredAt?: string;
  /** When the call ended (ISO 8601, UTC), where known. */
  endedAt?: string;
  /** Seconds from start (or first ring) to answer, or to end when never answered. */
  ringSeconds?: number;
  /** Seconds from answer to end. */
  talkSeconds?: number;
  /** SIP status and reason, where the platform reports them. */
  sip?: SipInfo;
  /** The platform's hang-up cause (`NORMAL_CLEARING`, `caller-hangup`). */
  hangupCause?: string;
  /** The URL of a recording, for `recording` events and calls that have one. */
  recordingUrl?: string;
  /** Transfer kind when `type` is `transferred` (`attended`, `blind`). */
  transfer?: string;
  /** Extra platform fields the model names but does not type (e.g. SignalWire media quality). */
  details?: Record<string, unknown>;
  /**
   * Notes on how the event was obtained: `repaired-body` (malformed JSON was repaired),
   * `unclassified` (type could not be determined), `timed-out` (tracker closed a call whose end
   * never arrived), `replayed`, `voicemail` (a missed call with a recording), `quiet-period` (a
   * missed call closed because its caller's leg never reported an end; docs/calls.md).
   */
  flags?: string[];
  /** For tracker outcomes: the summary of the whole call. */
  call?: CallSummary;
  /**
   * What is known about the customer beyond the call itself: how often the number called today
   * (set when an inbound call's outcome is routed), and a CRM contact (set by an enrichment
   * transform such as `hubspot-contact`). See docs/threads-and-callbacks.md and docs/enrichment.md.
   */
  caller?: CallerContext;
  /** For `called_back` events: which missed call was returned, how and when. */
  callback?: CallbackInfo;
  /** The payload as received (parsed body; form bodies as an object of strings). */
  raw: unknown;
  /**
   * Set by a pipeline's `route` step: the routing table row the call matched (`team`,
   * `slackChannel`, `hubspotOwner`, `timeZone`, ...), with `table`, `key` and `matched`
   * (false: the table's default row). See docs/routing-tables.md.
   */
  route?: RouteMatch;
  /** Set on the one event a pipeline's `digest` delivers: the calls held while its business hours were closed. */
  digest?: DigestSummary;
}

/** What a routing table lookup set on an event (see {@link CallEvent.route}). */
export interface RouteMatch {
  /** The routing table looked up (`routes.<table>`). */
  table: string;
  /** The value looked up (the called number, E.164 when it could be derived). */
  key?: string;
  /** False when no row matched and the table's `default` applied. */
  matched: boolean;
  /** The matched row's (or the default row's) own fields: `team`, `slackChannel`, `hubspotOwner`... */
  [field: string]: string | number | boolean | undefined;
}

/** The calls a digest lists (see {@link CallEvent.digest}). */
export interface DigestSummary {
  /** The pipeline whose `digest` held the calls. */
  pipeline: string;
  /** The business hours whose opening released the digest. */
  calendar: string;
  /** When they opened (ISO 8601, UTC). */
  opensAt: string;
  /** How many events the digest lists. */
  count: number;
  /** The held events, oldest call first, as the pipeline's transforms left them. */
  events: CallEvent[];
}

/** The call tracker's summary of a whole call, carried by `missed` and `completed` events. */
export interface CallSummary {
  /** Every leg id seen for the call. */
  legs: string[];
  /** Extensions, queues and IVRs that were offered the call, in order. */
  rang: string[];
  /** The extension or agent that answered, if anyone did. */
  answeredBy?: string;
  /** How many transfers the call went through. */
  transfers: number;
  /** URLs of the call's recordings. */
  recordingUrls: string[];
  /** How many events the call was folded from. */
  eventCount: number;
}

/** What is known about the customer of a call (see {@link CallEvent.caller}). */
export interface CallerContext {
  /**
   * Inbound calls from this number (E.164) this local day, this one included: `3` on the third
   * (days in `tracker.timeZone`). Set on the `missed` and `completed` events of inbound calls.
   */
  callsToday?: number;
  /** The contact's name in the CRM that an enrichment step found for the number. */
  name?: string;
  /** A link to that contact in the CRM (an http(s) URL). */
  contactUrl?: string;
  /** The contact's id in the CRM. */
  contactId?: string;
  /** Which enrichment step found the contact (`hubspot`). */
  contactSource?: string;
}

/** How a missed call was returned (see {@link CallEvent.callback}). */
export interface CallbackInfo {
  /** `outbound`: someone called the number back and was answered; `inbound`: the caller called again and was answered. */
  via: 'outbound' | 'inbound';
  /** The id of the `missed` event this returns. */
  missedEventId: string;
  /** The source of the call that returned it. */
  source: string;
  /** The call id of the call that returned it. */
  callId: string;
  /** Who answered or placed the returning call (extension or agent name), when known. */
  by?: string;
  /** Seconds from the missed call's end to the start of the returning call. */
  afterSeconds: number;
}

/** What a source's parser returns; the core adds identity, timestamps and E.164 forms. */
export interface CallEventDraft extends Omit<CallEvent, 'id' | 'source' | 'platform' | 'receivedAt' | 'occurredAt' | 'direction' | 'clock' | 'caller' | 'callback'> {
  /** When the step happened; the core falls back to the time of receipt. */
  occurredAt?: string;
  /** The direction, when the parser knows it; `unknown` otherwise. */
  direction?: CallDirection;
  /**
   * What makes this event unique within its source, so that a platform's retry of the same
   * webhook yields the same event id. Defaults to a hash of the raw body and the event's index.
   */
  dedupeKey?: string;
}
