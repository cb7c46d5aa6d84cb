import { finalizeEvents, type CallEvent } from '@callrelay/core';
import { loadFixture, FIXTURES_DIR, makeWebhook, testContext, webhookFromFixture, type FixtureRequest, type WebhookFixture } from '@callrelay/testkit';
import path from 'node:path';
import threeCx from '@callrelay/source-3cx';

/** A 3CX source instance for tests (auth none unless given). */
export async function createSource(config: Record<string, unknown> = { auth: 'none' }) {
  return threeCx.create(threeCx.config.parse(config), testContext());
}

export function fixture(name: string): WebhookFixture {
  return loadFixture(path.join(FIXTURES_DIR, '3cx', `${name}.json`));
}

type WebhookInput = NonNullable<Parameters<typeof makeWebhook>[0]>;
const isFixtureRequest = (input: FixtureRequest | WebhookInput): input is FixtureRequest => 'expectTypes' in input || 'step' in input;

/** The canonical events of one request, as the ingest path builds them (defaultCountry TR: the seed's JSON numbers are Turkish). */
export async function eventsOf(input: FixtureRequest | WebhookInput, config?: Record<string, unknown>, defaultCountry = 'TR'): Promise<CallEvent[]> {
  const source = await createSource(config);
  const request = isFixtureRequest(input) ? webhookFromFixture(input) : makeWebhook(input);
  const drafts = await source.parse(request);
  return finalizeEvents(drafts, { sourceId: 'cx', platform: '3cx', defaultCountry, rawBody: request.rawBody, receivedAt: request.receivedAt });
}

/**
 * Every event of a fixture, request by request. The seed's JSON calls come from Turkish numbers
 * (05552221133), its form calls from Czech ones (420774852629): each gets its PBX's default country.
 */
export async function fixtureEvents(f: WebhookFixture, config?: Record<string, unknown>): Promise<CallEvent[][]> {
  const defaultCountry = f.name.startsWith('3cx/form-') ? 'CZ' : 'TR';
  const out: CallEvent[][] = [];
  for (const request of f.requests) out.push(await eventsOf(request, config, defaultCountry));
  return out;
}

export { shuffled } from '@callrelay/testkit';
