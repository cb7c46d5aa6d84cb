import { type CallEvent, type IncomingWebhook } from '@callrelay/core';
import { finalizeEvents, foldEvent, type CallState } from '@callrelay/core/host';
import impactpbx from '@callrelay/source-impactpbx';
import { makeWebhook, testContext } from '@callrelay/testkit';

/** A source built from a config, as the host would. */
export async function sourceFor(config: Record<string, unknown> = { auth: 'none' }) {
  return impactpbx.create(impactpbx.config.parse(config) as never, testContext());
}

/** Parses and finalizes one request the way the ingest path does. */
export async function eventsOf(request: IncomingWebhook, config?: Record<string, unknown>, defaultCountry = 'CY'): Promise<CallEvent[]> {
  const source = await sourceFor(config);
  return finalizeEvents(await source.parse(request), { sourceId: 'ipbx', platform: 'impactpbx', defaultCountry, rawBody: request.rawBody, receivedAt: request.receivedAt });
}

/** One JSON body (text kept as given) as a webhook. */
export const jsonHook = (body: string | object, extra: Parameters<typeof makeWebhook>[0] = {}) =>
  makeWebhook({ body: typeof body === 'string' ? body : JSON.stringify(body), contentType: 'application/json', ...extra });

/** Folds events in order through the call tracker and counts the outcomes it derives. */
export function trackerOutcomes(events: readonly CallEvent[]): { missed: number; completed: number } {
  const states = new Map<string, CallState>();
  const counts = { missed: 0, completed: 0 };
  for (const event of events) {
    const { state, derived } = foldEvent(states.get(event.callId), event);
    states.set(event.callId, state);
    for (const outcome of derived) counts[outcome.type as 'missed' | 'completed'] += 1;
  }
  return counts;
}
