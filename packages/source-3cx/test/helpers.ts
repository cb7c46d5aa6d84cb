import { expect } from 'chai';
import { type CallEvent } from '@callrelay/core';
import { callKey, decideOutcome, finalizeEvents, foldEvent, type CallState } from '@callrelay/core/host';
import { loadFixture, FIXTURES_DIR, makeWebhook, testContext, webhookFromFixture, type FixtureRequest, type WebhookFixture } from '@callrelay/testkit';
import path from 'node:path';
import threeCx from '@callrelay/source-3cx';

/** A 3CX source instance for tests (auth none unless given). */
export async function createSource(config: Record<string, unknown> = { auth: 'none' }) {
  return threeCx.create(threeCx.config.parse(config), testContext());
}

/** A fixture of `packages/fixtures/webhooks/3cx` by its path without `.json` (`truth-table/3cx-addon/nobody-answers`). */
export function fixture(name: string): WebhookFixture {
  return loadFixture(path.join(FIXTURES_DIR, '3cx', `${name}.json`));
}

type WebhookInput = NonNullable<Parameters<typeof makeWebhook>[0]>;
const isFixtureRequest = (input: FixtureRequest | WebhookInput): input is FixtureRequest => 'expectTypes' in input || 'step' in input;

type ThreeCxSource = Awaited<ReturnType<typeof createSource>>;

/**
 * The canonical events of one request, as the ingest path builds them (defaultCountry TR: the
 * seed's JSON numbers are Turkish). A fresh source unless one is given: a source remembers which
 * call a journal entry belongs to (call-match.ts).
 */
export async function eventsOf(
  input: FixtureRequest | WebhookInput, config?: Record<string, unknown>, defaultCountry = 'TR', source?: ThreeCxSource,
): Promise<CallEvent[]> {
  const parser = source ?? await createSource(config);
  const request = isFixtureRequest(input) ? webhookFromFixture(input) : makeWebhook(input);
  const drafts = await parser.parse(request);
  return finalizeEvents(drafts, { sourceId: 'cx', platform: '3cx', defaultCountry, rawBody: request.rawBody, receivedAt: request.receivedAt });
}

/**
 * Every event of a fixture, request by request, through one source (as one callrelay node would).
 * The seed's JSON calls come from Turkish numbers (05552221133), its form calls from Czech ones
 * (420774852629): each gets its PBX's default country.
 */
export async function fixtureEvents(f: WebhookFixture, config?: Record<string, unknown>): Promise<CallEvent[][]> {
  const defaultCountry = f.name.startsWith('3cx/form-') ? 'CZ' : 'TR';
  const source = await createSource(config);
  const out: CallEvent[][] = [];
  for (const request of f.requests) out.push(await eventsOf(request, config, defaultCountry, source));
  return out;
}

/** True for a request of 3CX's CRM journal (no WebhooksApi `Event`, a `CallType`). */
export function isJournalRequest(request: FixtureRequest): boolean {
  return /"CallType"\s*:/.test(request.body ?? '') && !/"Event"\s*:/i.test(request.body ?? '');
}

export interface Folded { outcomes: CallEvent[]; states: Map<string, CallState> }

/**
 * Folds events through the core's call tracker rules. `deferOutcome` is the settle window: the
 * outcome of an ended call is decided after every event was folded (the window has passed).
 * Outcomes are counted once per id, as the tracker emits them (a redelivery replays the same one).
 */
export function fold(events: readonly CallEvent[], deferOutcome: boolean): Folded {
  const states = new Map<string, CallState>();
  const outcomes = new Map<string, CallEvent>();
  for (const event of events) {
    const key = callKey(event);
    const { state, derived } = foldEvent(states.get(key), event, { deferOutcome });
    states.set(key, state);
    if (deferOutcome) expect(derived, 'nothing is decided inside the settle window').to.have.length(0);
    for (const outcome of derived) outcomes.set(outcome.id, outcome);
  }
  if (deferOutcome) {
    for (const state of states.values()) {
      for (const outcome of decideOutcome(state, { receivedAt: state.lastAt, occurredAt: state.lastAt })) outcomes.set(outcome.id, outcome);
    }
  }
  return { outcomes: [...outcomes.values()], states };
}

export function counts({ outcomes, states }: Folded): { missed: number; completed: number } {
  const byType = { missed: outcomes.filter((o) => o.type === 'missed').length, completed: outcomes.filter((o) => o.type === 'completed').length };
  // The final state agrees with what was emitted, and no call has two outcomes.
  const emitted = { missed: 0, completed: 0 };
  for (const state of states.values()) {
    expect(Number(!!state.emitted.missed) + Number(!!state.emitted.completed), `${state.callId}: one outcome at most`).to.be.at.most(1);
    if (state.emitted.missed) emitted.missed += 1;
    if (state.emitted.completed) emitted.completed += 1;
  }
  expect(emitted).to.deep.equal(byType);
  return byType;
}

export { shuffled } from '@callrelay/testkit';
