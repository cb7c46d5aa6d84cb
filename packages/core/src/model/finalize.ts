import type { CallEvent, CallEventDraft } from './call-event.js';
import { eventId, sha256Hex } from './event-id.js';
import { normalizeParty } from './phone.js';

/**
 * Turns a source's drafts into canonical events: deterministic ids, timestamps, E.164 forms.
 * Without a dedupe key, the id derives from the raw body, so a byte-identical retry is recognised.
 */
export function finalizeEvents(
  drafts: readonly CallEventDraft[],
  context: { sourceId: string; platform: string; defaultCountry?: string; rawBody: Buffer; receivedAt: Date },
): CallEvent[] {
  const receivedAt = context.receivedAt.toISOString();
  let bodyHash: string | undefined;
  return drafts.map((draft, index) => {
    const { dedupeKey, ...rest } = draft;
    const key = dedupeKey ?? `${(bodyHash ??= sha256Hex(context.rawBody))}#${index}`;
    const event: CallEvent = {
      ...rest,
      id: eventId(context.sourceId, key),
      source: context.sourceId,
      platform: context.platform,
      direction: draft.direction ?? 'unknown',
      occurredAt: receivedAt,
      receivedAt,
      clock: 'received',
    };
    const occurredAt = normalizeTime(draft.occurredAt);
    if (occurredAt) {
      event.occurredAt = occurredAt;
      event.clock = 'platform';
    }
    for (const role of ['from', 'to', 'agent'] as const) {
      const party = normalizeParty(event[role], context.defaultCountry);
      if (party) event[role] = party;
      else delete event[role];
    }
    return event;
  });
}

function normalizeTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  // Beyond ±8.64e15 ms a Date cannot be printed (RangeError): such a time is no time at all.
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15 ? new Date(time).toISOString() : undefined;
}
