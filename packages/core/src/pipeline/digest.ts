import { createHash } from 'node:crypto';
import type { CallEvent } from '../model/call-event.js';
import type { Delivery } from '../store/store.js';
import { callInstant, callTimeZone, type WhenEnvironment } from './filter.js';

/**
 * A delivery held for a digest: it waits in its own durable queue (one per pipeline and sink) until
 * `heldUntil`, the opening of the business hours, when the digest worker folds every delivery held
 * until then into one.
 */
export interface HeldDelivery extends Delivery {
  /** The opening that releases it (ISO 8601, UTC). */
  heldUntil: string;
  /** The business hours (`digest.calendar`). */
  calendar: string;
}

/** The store queue holding a pipeline's deliveries to one sink until its digest goes out. */
export function digestQueueName(pipeline: string, sinkId: string): string {
  // Not an id a sink can have (ids are kebab-case: no colon nor slash).
  return `digest:${pipeline}/${sinkId}`;
}

/**
 * Until when an event of a digest pipeline is held: the next opening of its calendar, read in the
 * call's time zone, when the calendar was closed at the call's start and is still closed now
 * (routing may run late: a call from the night routed after the opening goes out at once).
 * Undefined: deliver at once.
 */
export function heldUntil(event: CallEvent, calendarName: string, env: WhenEnvironment, now: number): number | undefined {
  const calendar = env.calendars.get(calendarName);
  if (!calendar) return undefined;
  const zone = callTimeZone(event, env, calendar.timeZone);
  if (calendar.isOpen(callInstant(event), zone) || calendar.isOpen(now, zone)) return undefined;
  return calendar.nextOpening(now, zone);
}

/**
 * The one event a digest delivers: the held events (oldest call first) under `digest`, with the
 * identity fields sinks expect. Its id depends only on the held deliveries' ids, so that a digest
 * rebuilt after a crash (the same deliveries handed out again) is the same delivery, sent once.
 */
export function digestEvent(held: readonly { id: string; payload: HeldDelivery }[], now: number): { deliveryId: string; event: CallEvent } {
  const first = held[0]!.payload;
  const events = held.map((h) => h.payload.event).sort((a, b) => callInstant(a) - callInstant(b));
  const hash = createHash('sha256').update(held.map((h) => h.id).sort().join('\n')).digest('hex').slice(0, 24);
  const id = `digest-${hash}`;
  const same = <K extends 'type' | 'direction' | 'source' | 'platform'>(key: K, otherwise: CallEvent[K]): CallEvent[K] =>
    (events.every((e) => e[key] === events[0]![key]) ? events[0]![key] : otherwise);
  const event: CallEvent = {
    id, callId: id,
    source: same('source', events[0]!.source), platform: same('platform', events[0]!.platform),
    type: same('type', 'unknown'), direction: same('direction', 'unknown'),
    occurredAt: first.heldUntil, receivedAt: new Date(now).toISOString(), clock: 'received',
    flags: ['digest'],
    digest: { pipeline: first.pipeline, calendar: first.calendar, opensAt: first.heldUntil, count: events.length, events },
    raw: null,
  };
  return { deliveryId: `${first.pipeline}/${first.sinkId}/digest/${first.heldUntil}/${hash}`, event };
}
