import type { Logger } from 'pino';
import type { CallEvent, Party } from '../model/call-event.js';
import { eventId } from '../model/event-id.js';
import type { KeyValueStore, Store } from '../store/store.js';
import { callKey } from './call-state.js';

/** The key-value namespace of what is remembered per customer number. */
export const CALLERS_NAMESPACE = 'callers';
const MAX_CAS_RETRIES = 20;
/** A day's count outlives its day by a day, so a late outcome of yesterday's call still finds it. */
const DAY_RETENTION_MS = 2 * 86_400_000;
/** Bounds a number's list (a robot dialling all day must not grow one key without end). */
const MAX_CALLS_KEPT = 200;

export interface CallerHistoryOptions {
  /** A missed call is returned when the number is reached within this long after it (default 24 h). */
  callbackWindowMs: number;
  /** The zone whose calendar days `caller.callsToday` counts in (IANA name). */
  timeZone: string;
  logger: Logger;
}

/** A missed call remembered under its caller's number until the window closes. */
interface MissedCall {
  eventId: string;
  source: string;
  platform: string;
  callId: string;
  /** When the missed call ended (the `missed` event's `occurredAt`). */
  at: string;
  from?: Party;
  to?: Party;
  calledBackBy?: string;
}

/**
 * What the router remembers per customer number, from the outcome events it routes (`missed`,
 * `completed`): how many inbound calls the number made this local day (`caller.callsToday` on the
 * outcome), and its recent missed calls, so that an answered call with the number (we called back,
 * or they called again and someone answered) emits one `called_back` event per missed call it
 * returns. Kept in the store (key-value with TTLs), so it survives restarts and is shared by nodes.
 *
 * Every step is idempotent, because a routing batch may be handed out again: a call is counted once
 * (its key is in the day's list), and a `called_back` event has a deterministic id derived from the
 * missed call, appended to the log before the missed call is marked returned (a crash in between
 * appends it again, which the log skips as a duplicate).
 */
export class CallerHistory {
  constructor(private readonly store: Pick<Store, 'kv' | 'append'>, private readonly options: CallerHistoryOptions) {}

  private get kv(): KeyValueStore {
    return this.store.kv(CALLERS_NAMESPACE);
  }

  /**
   * Looks at a routing batch's outcome events: sets `caller.callsToday` on inbound ones (changing
   * the events in place, before the pipelines see them) and appends the `called_back` events they
   * cause to the event log. Returns those events. Other events pass untouched.
   */
  async observe(events: readonly CallEvent[]): Promise<CallEvent[]> {
    // One number's events in order, numbers side by side.
    const byNumber = new Map<string, CallEvent[]>();
    for (const event of events) {
      const number = customerNumber(event);
      if (!number || (event.type !== 'missed' && event.type !== 'completed')) continue;
      byNumber.set(number, [...(byNumber.get(number) ?? []), event]);
    }
    const derived = await Promise.all([...byNumber].map(async ([number, group]) => {
      const out: CallEvent[] = [];
      for (const event of group) {
        if (event.direction !== 'outbound') await this.count(number, event);
        if (event.type === 'missed') await this.rememberMissed(number, event);
        else out.push(...(await this.returnMissed(number, event)));
      }
      return out;
    }));
    return derived.flat();
  }

  /** Adds the call to its number's list of the day; sets `caller.callsToday` to its place in it. */
  private async count(number: string, event: CallEvent): Promise<void> {
    const day = localDay(event.startedAt ?? event.occurredAt, this.options.timeZone);
    const key = `day/${number}/${day}`;
    const call = callKey(event);
    const calls = await this.change<string[]>(key, [], DAY_RETENTION_MS, (list) => (list.includes(call) ? undefined : [...list, call].slice(-MAX_CALLS_KEPT)));
    const place = calls.indexOf(call);
    event.caller = { ...event.caller, callsToday: place >= 0 ? place + 1 : calls.length };
  }

  private async rememberMissed(number: string, event: CallEvent): Promise<void> {
    const missed: MissedCall = {
      eventId: event.id, source: event.source, platform: event.platform, callId: event.callId, at: event.occurredAt,
      ...(event.from ? { from: event.from } : {}), ...(event.to ? { to: event.to } : {}),
    };
    await this.change<MissedCall[]>(`missed/${number}`, [], this.options.callbackWindowMs, (list) => (
      list.some((m) => m.eventId === event.id) ? undefined : [...this.open(list, Date.parse(event.occurredAt)), missed].slice(-MAX_CALLS_KEPT)
    ));
  }

  /** The missed calls of the number that the answered call `event` returns, as `called_back` events (appended to the log). */
  private async returnMissed(number: string, event: CallEvent): Promise<CallEvent[]> {
    const entry = await this.kv.get<MissedCall[]>(`missed/${number}`);
    if (!entry) return [];
    const startedAt = Date.parse(event.startedAt ?? event.occurredAt);
    const returned = this.open(entry.value, startedAt).filter((m) => !m.calledBackBy && Date.parse(m.at) <= startedAt && !(m.source === event.source && m.callId === event.callId));
    if (!returned.length) return [];
    const derived = returned.map((missed) => calledBackEvent(missed, event, startedAt));
    await this.store.append(derived);
    for (const d of derived) this.options.logger.info({ call: `${d.source}:${d.callId}`, by: d.callback!.by, afterSeconds: d.callback!.afterSeconds }, 'missed call returned (called_back)');
    const by = new Map(derived.map((d) => [d.callback!.missedEventId, d.callback!.by ?? 'someone']));
    await this.change<MissedCall[]>(`missed/${number}`, [], this.options.callbackWindowMs, (list) => {
      if (!list.some((m) => by.has(m.eventId) && !m.calledBackBy)) return undefined;
      return list.map((m) => (by.has(m.eventId) && !m.calledBackBy ? { ...m, calledBackBy: by.get(m.eventId)! } : m));
    });
    return derived;
  }

  /** Missed calls still inside the window at `now`. */
  private open(list: readonly MissedCall[], now: number): MissedCall[] {
    return list.filter((m) => now - Date.parse(m.at) <= this.options.callbackWindowMs);
  }

  /** Compare-and-set loop: `change` returns the new value, or undefined to leave the key as it is. Returns the value now stored. */
  private async change<T>(key: string, empty: T, ttlMs: number, change: (current: T) => T | undefined): Promise<T> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const entry = await this.kv.get<T>(key);
      const next = change(entry?.value ?? empty);
      if (next === undefined) return entry?.value ?? empty;
      if ((await this.kv.put(key, next, entry?.revision ?? 0, { ttlMs })) !== false) return next;
    }
    throw new Error(`updating caller history ${key}: too many concurrent updates`);
  }
}

/** The customer's number (E.164) of an outcome: the caller of an inbound call, the called party of an outbound one. */
export function customerNumber(event: CallEvent): string | undefined {
  const party = event.direction === 'outbound' ? event.to : event.from;
  return party && !party.extension ? party.e164 : undefined;
}

/** `2026-11-24`: the calendar day of an instant in a zone. */
export function localDay(instant: string, timeZone: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant.slice(0, 10);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** The `called_back` event of a missed call: it belongs to the missed call (same source and call id), so sinks can find its alert. */
function calledBackEvent(missed: MissedCall, returning: CallEvent, startedAt: number): CallEvent {
  const by = returning.agent ? (returning.agent.name ?? returning.agent.extension ?? returning.agent.raw) : undefined;
  const via = returning.direction === 'outbound' ? 'outbound' : 'inbound';
  return {
    id: eventId(missed.source, `${missed.callId}#called_back`),
    source: missed.source,
    platform: missed.platform,
    callId: missed.callId,
    type: 'called_back',
    direction: 'inbound',
    ...(missed.from ? { from: missed.from } : {}),
    ...(missed.to ? { to: missed.to } : {}),
    ...(returning.agent ? { agent: returning.agent } : {}),
    occurredAt: returning.startedAt ?? returning.occurredAt,
    receivedAt: returning.receivedAt,
    clock: returning.clock ?? 'platform',
    callback: {
      via, missedEventId: missed.eventId, source: returning.source, callId: returning.callId,
      ...(by ? { by } : {}),
      afterSeconds: Math.max(0, Math.round((startedAt - Date.parse(missed.at)) / 1000)),
    },
    flags: ['called-back'],
    raw: null,
  };
}
