import { createHmac } from 'node:crypto';
import { type CallEvent, type IncomingWebhook } from '@callrelay/core';
import { finalizeEvents } from '@callrelay/core/host';
import signalwire from '@callrelay/source-signalwire';
import { countOutcomes, testContext, trackCalls } from '@callrelay/testkit';

/**
 * Twilio's documented request signature, written here independently of the source under test:
 * take the full URL (query string included), append each POST parameter's name then value, sorted
 * by name, HMAC-SHA1 with the key, base64.
 */
export function documentedSignature(key: string, url: string, formBody = ''): string {
  // "Sort the list of POST variables by the parameter name (using Unix-style case-sensitive sorting order)".
  const params = new URLSearchParams(formBody);
  let data = url;
  for (const name of [...new Set(params.keys())].sort()) for (const value of params.getAll(name)) data += name + value;
  return createHmac('sha1', key).update(data).digest('base64');
}

/** SignalWire's JSON/RELAY scheme: lower-case hex HMAC-SHA1 over URL + raw body. */
export function hexSignature(key: string, url: string, rawBody: string): string {
  return createHmac('sha1', key).update(url + rawBody).digest('hex');
}

/** The SHA-256 variant: hex HMAC-SHA256 over URL + raw body. */
export function sha256Signature(key: string, url: string, rawBody: string): string {
  return createHmac('sha256', key).update(url + rawBody).digest('hex');
}

/** A source built from a config, as the host would. */
export async function sourceFor(config: Record<string, unknown>) {
  return signalwire.create(signalwire.config.parse(config) as never, testContext());
}

/** Parses and finalizes one request the way the ingest path does. */
export async function eventsOf(config: Record<string, unknown>, request: IncomingWebhook, defaultCountry = 'US'): Promise<CallEvent[]> {
  const source = await sourceFor(config);
  return finalizeEvents(await source.parse(request), { sourceId: 'sw', platform: 'signalwire', defaultCountry, rawBody: request.rawBody, receivedAt: request.receivedAt });
}

/** Runs events in order through the real call tracker (settle window, quiet rule) and counts its outcomes. */
export async function trackerOutcomes(events: readonly CallEvent[]): Promise<{ missed: number; completed: number }> {
  return countOutcomes(await trackCalls(events));
}
