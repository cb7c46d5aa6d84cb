import type { CallEvent, CallDirection, Party } from '../model/call-event.js';
import { eventId } from '../model/event-id.js';

/** Where an agent's leg stands: offered and not ended, or ended without the agent answering. */
export type AgentLegState = 'open' | 'unanswered' | 'answered';

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
  /** Agents (extensions, queues, IVRs, numbers) the call was offered to, in order. */
  rang: string[];
  /**
   * The agents' legs the call was offered to, by leg id (or `agent:<raw>` without one). Drives the
   * quiet rule: when all have ended unanswered and the caller's leg stays silent, the call is missed.
   */
  agentLegs?: Record<string, AgentLegState>;
  answeredBy?: Party;
  /** `answeredBy` came from a transfer: a plain `answered` arriving later (out of order) keeps it. */
  answeredByTransfer?: boolean;
  /** The last agent offered the call (named on a missed call). */
  lastRang?: Party;
  answered: boolean;
  /** Only the platform's application answered (IVR, cXML app): a person has not, yet. */
  appAnswered?: boolean;
  transfers: number;
  recordingUrls: string[];
  /** Platform clock: the earliest and latest times the events state (`occurredAt`, `startedAt`). */
  firstAt: string;
  lastAt: string;
  answeredAt?: string;
  endedAt?: string;
  /** Receive clock: when callrelay received the first event, the answer and the end. */
  firstReceivedAt?: string;
  answerReceivedAt?: string;
  endReceivedAt?: string;
  /**
   * Every event so far carried the platform's own time. Durations come from the platform's clock
   * only then; otherwise from the receive times, never from a mix of the two.
   */
  platformClock?: boolean;
  /** When callrelay last received an event of this call (drives the idle timeout and the quiet rule). */
  touchedAt: string;
  ended: boolean;
  talkSeconds?: number;
  /** Event ids already folded in: a platform retry or a redelivery changes nothing. */
  seen: string[];
  emitted: { missed?: boolean; completed?: boolean };
  /** The call ended but its outcome waits for the settle window (late or out-of-order events). */
  settling?: boolean;
  /** Bumped on every timer scheduled, to give each timer a fresh id. */
  timerSeq: number;
  flags?: string[];
  /**
   * Writes promised with this state that a store without atomic commits makes after the state
   * (outcome events, timers). Redone, idempotently, by whoever reads the state next.
   */
  outbox?: { events: CallEvent[]; timers: { id: string; kind: string; notBefore: number }[] };
}

/**
 * Flag of an answer by the platform's application (a cXML app answering the caller's leg) rather
 * than by a person. Such a call is missed when the people it was offered to did not answer.
 */
export const ANSWERED_BY_APP = 'answered-by-app';
/** Flag of a missed call that left a recording (a voicemail). */
export const VOICEMAIL = 'voicemail';
/** Flag of a missed call closed by the quiet rule: the caller's leg never reported its end. */
export const QUIET_PERIOD = 'quiet-period';

export function callKey(event: Pick<CallEvent, 'source' | 'callId'>): string {
  return `${event.source}:${event.callId}`;
}

const MAX_SEEN = 500;

/**
 * Whether the event offers the call to an agent: an agent's leg being created or rung, or an
 * agent's leg ending without an answer. Platforms often send no ringing for an agent who is busy,
 * unregistered or does not answer in time (SignalWire final-only callbacks, jambonz without a 180),
 * so an unanswered end of an agent's leg counts as an offer by itself.
 */
export function offersToAgent(event: CallEvent): boolean {
  if (event.flags?.includes(ANSWERED_BY_APP)) return false;
  switch (event.type) {
    case 'ringing':
      return event.agent !== undefined;
    case 'started':
      // An agent placing an outbound call is not being offered one.
      return event.agent !== undefined && event.direction !== 'outbound';
    case 'ended':
      return event.endsCall === false && event.outcome !== 'answered';
    default:
      return false;
  }
}

function agentLegKey(event: CallEvent): string | undefined {
  if (event.legId) return event.legId;
  return event.agent ? `agent:${event.agent.extension ?? event.agent.raw}` : undefined;
}

/** Fills what states written by an earlier version lack. */
function upgraded(state: CallState): CallState {
  state.agentLegs ??= {};
  state.firstReceivedAt ??= state.touchedAt;
  state.platformClock ??= false;
  return state;
}

/**
 * Folds one event into a call's state and returns the call-level events it triggers.
 *
 * Rules (documented per platform in docs/calls.md):
 * - an event that offers the call to an agent ({@link offersToAgent}) adds the agent to `rang`;
 * - any `answered`/`transferred` event, or an end with outcome `answered`, marks the call answered,
 *   unless flagged {@link ANSWERED_BY_APP} (then only the application answered);
 * - an end that ends the whole call (`endsCall` not false) closes it: `completed` when a person
 *   answered, or when only the application answered and nobody was offered the call; else
 *   `missed` when the call is inbound (or of unknown direction and offered to agents); outbound
 *   calls are never missed;
 * - each outcome is emitted at most once per call; later events only update the state, so events
 *   arriving after the end (out of order) cannot produce a second outcome;
 * - an event already seen changes nothing (`changed: false`).
 */
export function foldEvent(
  previous: CallState | undefined,
  event: CallEvent,
  options: { deferOutcome?: boolean; maxDurationSeconds?: number } = {},
): { state: CallState; derived: CallEvent[]; changed: boolean } {
  if (previous?.seen.includes(event.id)) return { state: previous, derived: [], changed: false };
  const platformTime = event.clock !== 'received';
  const state: CallState = previous ? upgraded(structuredClone(previous)) : {
    key: callKey(event), source: event.source, platform: event.platform, callId: event.callId,
    direction: event.direction, legs: [], rang: [], agentLegs: {}, answered: false, transfers: 0, recordingUrls: [],
    firstAt: event.occurredAt, lastAt: event.occurredAt, firstReceivedAt: event.receivedAt, platformClock: platformTime,
    touchedAt: event.receivedAt, ended: false, seen: [], emitted: {}, timerSeq: 0,
  };
  delete state.outbox;
  state.seen = [...state.seen, event.id].slice(-MAX_SEEN);
  if (!platformTime) state.platformClock = false;
  if (event.occurredAt < state.firstAt) state.firstAt = event.occurredAt;
  if (event.occurredAt > state.lastAt) state.lastAt = event.occurredAt;
  if (event.receivedAt > state.touchedAt) state.touchedAt = event.receivedAt;
  if (event.receivedAt < state.firstReceivedAt!) state.firstReceivedAt = event.receivedAt;
  if (state.direction === 'unknown' && event.direction !== 'unknown') state.direction = event.direction;
  if (event.legId && !state.legs.includes(event.legId)) state.legs.push(event.legId);
  // The first event that names the caller/callee wins; later legs often name internal parties.
  if (!state.from && event.from) state.from = event.from;
  if (!state.to && event.to) state.to = event.to;
  if (platformTime && event.startedAt && event.startedAt < state.firstAt) state.firstAt = event.startedAt;

  const byApp = event.flags?.includes(ANSWERED_BY_APP) ?? false;
  if (byApp && (event.type === 'answered' || event.outcome === 'answered')) state.appAnswered = true;
  if (offersToAgent(event)) recordOffer(state, event);
  switch (byApp ? 'app-answer' : event.type) {
    case 'answered':
      markAnswered(state, event);
      break;
    case 'transferred':
      state.transfers += 1;
      if (event.outcome === 'answered' || !event.outcome) markAnswered(state, event);
      break;
    default:
      break;
  }
  if (event.outcome === 'answered' && event.type !== 'ringing' && !byApp) markAnswered(state, event);
  if (event.recordingUrl && !state.recordingUrls.includes(event.recordingUrl)) state.recordingUrls.push(event.recordingUrl);

  let derived: CallEvent[] = [];
  const endsCall = event.type === 'ended' ? event.endsCall !== false : event.endsCall === true;
  if (endsCall && !state.ended) {
    state.ended = true;
    state.endedAt = event.endedAt ?? event.occurredAt;
    state.endReceivedAt = event.receivedAt;
  }
  if (endsCall && event.talkSeconds !== undefined) state.talkSeconds = event.talkSeconds;
  if (state.ended && !state.emitted.completed && !state.emitted.missed) {
    if (options.deferOutcome) state.settling = true;
    else derived = decideOutcome(state, event, options);
  }
  return { state, derived, changed: true };
}

function recordOffer(state: CallState, event: CallEvent): void {
  if (event.agent) {
    const name = event.agent.extension ?? event.agent.raw;
    if (!state.rang.includes(name)) state.rang.push(name);
    state.lastRang = event.agent;
  }
  const leg = agentLegKey(event);
  if (!leg) return;
  const legs = state.agentLegs!;
  if (event.type === 'ended') legs[leg] = legs[leg] === 'answered' ? 'answered' : 'unanswered';
  else legs[leg] ??= 'open';
}

/**
 * The quiet rule applies: nobody answered, the platform's application did not answer the caller's
 * leg either (then its end will be reported), and every agent leg offered has ended unanswered.
 * When the call then stays silent for `tracker.quietMs`, it is missed.
 */
export function awaitsQuietEnd(state: CallState): boolean {
  if (state.ended || state.answered || state.appAnswered || state.emitted.missed || state.emitted.completed) return false;
  if (state.direction === 'outbound' || state.direction === 'internal') return false;
  const legs = Object.values(state.agentLegs ?? {});
  return legs.length > 0 && legs.every((leg) => leg === 'unanswered');
}

/** Closes a call under the quiet rule: it ended when its last agent leg did. Mutates `state`. */
export function closeQuietCall(state: CallState): void {
  state.ended = true;
  state.endedAt = state.lastAt;
  state.endReceivedAt = state.touchedAt;
  state.flags = [...new Set([...(state.flags ?? []), QUIET_PERIOD])];
}

/** Limits of the durations an outcome reports, and who hears about one that is dropped. */
export interface DurationLimits {
  /** A duration above this (seconds) is dropped: the call timeout bounds any real one. */
  maxDurationSeconds?: number;
  onDroppedDuration?: (what: 'ringSeconds' | 'talkSeconds', seconds: number, state: CallState) => void;
}

/**
 * Decides the outcome of an ended call, at most once: `completed` when someone answered, `missed`
 * when an inbound call was never answered, nothing for an unanswered outbound call. Mutates `state`.
 */
export function decideOutcome(state: CallState, trigger: Pick<CallEvent, 'receivedAt' | 'occurredAt'>, limits: DurationLimits = {}): CallEvent[] {
  upgraded(state);
  state.settling = false;
  if (!state.ended || state.emitted.completed || state.emitted.missed) return [];
  const offered = state.rang.length > 0 || Object.keys(state.agentLegs!).length > 0;
  if (state.answered || (state.appAnswered && !offered)) {
    // Answered by a person; or the application handled the call by itself (IVR, voicemail box) and offered it to nobody.
    state.emitted.completed = true;
    return [outcomeEvent(state, 'completed', trigger, state.flags, limits)];
  }
  // A call of unknown direction that was offered to agents is treated as inbound: a silent miss is worse than a false alert.
  if (state.direction === 'inbound' || (state.direction === 'unknown' && offered)) {
    state.emitted.missed = true;
    const flags = [...(state.flags ?? []), ...(state.recordingUrls.length ? [VOICEMAIL] : [])];
    return [outcomeEvent(state, 'missed', trigger, flags, limits)];
  }
  return [];
}

function markAnswered(state: CallState, event: CallEvent): void {
  if (!state.answered) {
    state.answered = true;
    state.answeredAt = event.answeredAt ?? event.occurredAt;
    state.answerReceivedAt = event.receivedAt;
  }
  const leg = agentLegKey(event);
  if (leg && state.agentLegs) state.agentLegs[leg] = 'answered';
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
  return Number.isFinite(diff) ? Math.round(diff) : undefined;
}

/**
 * The start, answer and end of a call read from one clock: the platform's when every event carried
 * its own time, else callrelay's receive times. Mixing them (a PBX whose clock or zone is off, a
 * replayed recording) would give ring times of days.
 */
export function callTimes(state: CallState): { startedAt: string; answeredAt?: string; endedAt?: string; clock: 'platform' | 'received' } {
  if (state.platformClock) return { startedAt: state.firstAt, answeredAt: state.answeredAt, endedAt: state.endedAt, clock: 'platform' };
  return { startedAt: state.firstReceivedAt ?? state.touchedAt, answeredAt: state.answerReceivedAt, endedAt: state.endReceivedAt, clock: 'received' };
}

function bounded(what: 'ringSeconds' | 'talkSeconds', value: number | undefined, state: CallState, limits: DurationLimits): number | undefined {
  if (value === undefined) return undefined;
  if (value < 0 || (limits.maxDurationSeconds !== undefined && value > limits.maxDurationSeconds)) {
    limits.onDroppedDuration?.(what, value, state);
    return undefined;
  }
  return value;
}

/** The `missed`/`completed` event of a call, with a deterministic id (one per call). */
export function outcomeEvent(
  state: CallState, type: 'missed' | 'completed', trigger: Pick<CallEvent, 'receivedAt' | 'occurredAt'>, flags?: string[], limits: DurationLimits = {},
): CallEvent {
  upgraded(state);
  const times = callTimes(state);
  const endedAt = times.endedAt ?? trigger.occurredAt;
  const ringEnd = state.answered ? times.answeredAt : endedAt;
  const talk = type === 'completed' ? state.talkSeconds ?? seconds(times.answeredAt, endedAt) : 0;
  const ringSeconds = bounded('ringSeconds', seconds(times.startedAt, ringEnd), state, limits);
  const talkSeconds = bounded('talkSeconds', talk, state, limits);
  const outcomeFlags = [...new Set(flags ?? [])];
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
    clock: times.clock,
    startedAt: times.startedAt,
    ...(times.answeredAt ? { answeredAt: times.answeredAt } : {}),
    endedAt,
    ...(ringSeconds !== undefined ? { ringSeconds } : {}),
    ...(talkSeconds !== undefined ? { talkSeconds } : {}),
    ...(state.recordingUrls[0] ? { recordingUrl: state.recordingUrls[0] } : {}),
    call: {
      legs: state.legs,
      rang: state.rang,
      ...(state.answeredBy ? { answeredBy: state.answeredBy.extension ?? state.answeredBy.raw } : {}),
      transfers: state.transfers,
      recordingUrls: state.recordingUrls,
      eventCount: state.seen.length,
    },
    ...(outcomeFlags.length ? { flags: outcomeFlags } : {}),
    raw: null,
  };
}
