import type { CallEvent, CallDirection, Party } from '../model/call-event.js';
import { eventId } from '../model/event-id.js';

/** What the tracker remembers of one call between its events. */
export interface CallState {
  key: string;
  source: string;
  platform: string;
  callId: string;
  direction: CallDirection;
  from?: Party;
  to?: Party;
  legs: string[];
  rang: string[];
  answeredBy?: Party;
  /** `answeredBy` came from a transfer: a plain `answered` arriving later (out of order) keeps it. */
  answeredByTransfer?: boolean;
  /** Extensions that rang but did not answer. */
  lastRang?: Party;
  answered: boolean;
  /** Only the platform's application answered (IVR, cXML app): a person has not, yet. */
  appAnswered?: boolean;
  transfers: number;
  recordingUrls: string[];
  firstAt: string;
  lastAt: string;
  /** When callrelay last received an event of this call (drives the idle timeout). */
  touchedAt: string;
  answeredAt?: string;
  endedAt?: string;
  ended: boolean;
  talkSeconds?: number;
  /** Event ids already folded in: a platform retry or a redelivery changes nothing. */
  seen: string[];
  /** Outcome events emitted, by the id of the event that triggered them (replayed on redelivery). */
  emittedBy: Record<string, CallEvent[]>;
  emitted: { missed?: boolean; completed?: boolean };
  /** The call ended but its outcome waits for the settle window (late or out-of-order events). */
  settling?: boolean;
  /** Bumped on every timer scheduled, to give each timer a fresh id. */
  timerSeq: number;
  flags?: string[];
}

/**
 * Flag of an answer by the platform's application (a cXML app answering the caller's leg) rather
 * than by a person. Such a call is missed when the people it was offered to did not answer.
 */
export const ANSWERED_BY_APP = 'answered-by-app';

export function callKey(event: Pick<CallEvent, 'source' | 'callId'>): string {
  return `${event.source}:${event.callId}`;
}

const MAX_SEEN = 500;

/**
 * Folds one event into a call's state and returns the call-level events it triggers.
 *
 * Rules (documented per platform in docs/calls.md):
 * - any `answered`/`transferred` event, or an end with outcome `answered`, marks the call answered;
 * - an end that ends the whole call (`endsCall` not false) closes it: `completed` when it was
 *   answered, else `missed` when the call is inbound; outbound calls are never missed;
 * - each outcome is emitted at most once per call; later events only update the state, so events
 *   arriving after the end (out of order) cannot produce a second outcome;
 * - an event already seen returns the outcomes it triggered the first time (idempotent redelivery).
 */
export function foldEvent(
  previous: CallState | undefined,
  event: CallEvent,
  options: { deferOutcome?: boolean } = {},
): { state: CallState; derived: CallEvent[] } {
  if (previous?.seen.includes(event.id)) return { state: previous, derived: previous.emittedBy[event.id] ?? [] };
  const state: CallState = previous ? structuredClone(previous) : {
    key: callKey(event), source: event.source, platform: event.platform, callId: event.callId,
    direction: event.direction, legs: [], rang: [], answered: false, transfers: 0, recordingUrls: [],
    firstAt: event.occurredAt, lastAt: event.occurredAt, touchedAt: event.receivedAt, ended: false, seen: [], emittedBy: {}, emitted: {}, timerSeq: 0,
  };
  state.seen = [...state.seen, event.id].slice(-MAX_SEEN);
  if (event.occurredAt < state.firstAt) state.firstAt = event.occurredAt;
  if (event.occurredAt > state.lastAt) state.lastAt = event.occurredAt;
  if (event.receivedAt > state.touchedAt) state.touchedAt = event.receivedAt;
  if (state.direction === 'unknown' && event.direction !== 'unknown') state.direction = event.direction;
  if (event.legId && !state.legs.includes(event.legId)) state.legs.push(event.legId);
  // The first event that names the caller/callee wins; later legs often name internal parties.
  if (!state.from && event.from) state.from = event.from;
  if (!state.to && event.to) state.to = event.to;
  if (event.startedAt && event.startedAt < state.firstAt) state.firstAt = event.startedAt;

  const byApp = event.flags?.includes(ANSWERED_BY_APP) ?? false;
  if (byApp && (event.type === 'answered' || event.outcome === 'answered')) state.appAnswered = true;
  switch (byApp ? 'app-answer' : event.type) {
    case 'ringing': {
      const name = event.agent?.extension ?? event.agent?.raw;
      if (name && !state.rang.includes(name)) state.rang.push(name);
      if (event.agent) state.lastRang = event.agent;
      break;
    }
    case 'answered':
      markAnswered(state, event);
      break;
    case 'transferred':
      state.transfers += 1;
      if (event.outcome === 'answered' || !event.outcome) markAnswered(state, event);
      break;
    case 'recording':
      if (event.recordingUrl && !state.recordingUrls.includes(event.recordingUrl)) state.recordingUrls.push(event.recordingUrl);
      break;
    default:
      break;
  }
  if (event.outcome === 'answered' && event.type !== 'ringing' && !byApp) markAnswered(state, event);
  if (event.recordingUrl && !state.recordingUrls.includes(event.recordingUrl)) state.recordingUrls.push(event.recordingUrl);

  let derived: CallEvent[] = [];
  const endsCall = event.type === 'ended' ? event.endsCall !== false : event.endsCall === true;
  if (endsCall) {
    state.ended = true;
    state.endedAt = event.endedAt ?? event.occurredAt;
    if (event.talkSeconds !== undefined) state.talkSeconds = event.talkSeconds;
  }
  if (state.ended && !state.emitted.completed && !state.emitted.missed) {
    if (options.deferOutcome) state.settling = true;
    else derived = decideOutcome(state, event);
  }
  if (derived.length) state.emittedBy[event.id] = derived;
  return { state, derived };
}

/**
 * Decides the outcome of an ended call, at most once: `completed` when someone answered, `missed`
 * when an inbound call was never answered, nothing for an unanswered outbound call. Mutates `state`.
 */
export function decideOutcome(state: CallState, trigger: Pick<CallEvent, 'receivedAt' | 'occurredAt'>): CallEvent[] {
  state.settling = false;
  if (!state.ended || state.emitted.completed || state.emitted.missed) return [];
  if (state.answered) {
    state.emitted.completed = true;
    return [outcomeEvent(state, 'completed', trigger)];
  }
  if (state.appAnswered && state.rang.length === 0) {
    // The application handled the call by itself (IVR, voicemail) and offered it to nobody.
    state.emitted.completed = true;
    return [outcomeEvent(state, 'completed', trigger)];
  }
  if (state.direction === 'inbound') {
    state.emitted.missed = true;
    return [outcomeEvent(state, 'missed', trigger)];
  }
  return [];
}

function markAnswered(state: CallState, event: CallEvent): void {
  if (!state.answered) {
    state.answered = true;
    state.answeredAt = event.answeredAt ?? event.occurredAt;
  }
  if (!event.agent) return;
  if (event.type === 'transferred') {
    // The call ends with whoever it was transferred to, whatever order the events arrive in.
    state.answeredBy = event.agent;
    state.answeredByTransfer = true;
  } else if ((event.type === 'answered' && !state.answeredByTransfer) || !state.answeredBy) {
    state.answeredBy = event.agent;
  }
}

function seconds(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  const diff = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(diff) && diff >= 0 ? Math.round(diff) : undefined;
}

/** The `missed`/`completed` event of a call, with a deterministic id (one per call). */
export function outcomeEvent(state: CallState, type: 'missed' | 'completed', trigger: Pick<CallEvent, 'receivedAt' | 'occurredAt'>, flags?: string[]): CallEvent {
  const endedAt = state.endedAt ?? trigger.occurredAt;
  const ringEnd = state.answered ? state.answeredAt : endedAt;
  return {
    id: eventId(state.source, `${state.callId}#${type}`),
    source: state.source,
    platform: state.platform,
    callId: state.callId,
    type,
    direction: state.direction,
    ...(state.from ? { from: state.from } : {}),
    ...(state.to ? { to: state.to } : {}),
    ...(type === 'completed' && state.answeredBy ? { agent: state.answeredBy } : state.lastRang ? { agent: state.lastRang } : {}),
    outcome: type === 'completed' ? 'answered' : 'no-answer',
    occurredAt: endedAt,
    receivedAt: trigger.receivedAt,
    startedAt: state.firstAt,
    ...(state.answeredAt ? { answeredAt: state.answeredAt } : {}),
    endedAt,
    ringSeconds: seconds(state.firstAt, ringEnd),
    talkSeconds: type === 'completed' ? state.talkSeconds ?? seconds(state.answeredAt, endedAt) : 0,
    ...(state.recordingUrls[0] ? { recordingUrl: state.recordingUrls[0] } : {}),
    call: {
      legs: state.legs,
      rang: state.rang,
      ...(state.answeredBy ? { answeredBy: state.answeredBy.extension ?? state.answeredBy.raw } : {}),
      transfers: state.transfers,
      recordingUrls: state.recordingUrls,
      eventCount: state.seen.length,
    },
    ...(flags ? { flags } : {}),
    raw: null,
  };
}
