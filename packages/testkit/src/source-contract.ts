import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { type CallEvent, type SourceDefinition } from '@callrelay/core';
import { IngestServer, RuntimeMetrics } from '@callrelay/core/host';
import { countOutcomes, trackCalls } from './call-harness.js';
import { testContext } from './context.js';
import { MemoryStore } from '@callrelay/core/memory-store';
import type { FixtureRequest, WebhookFixture } from '@callrelay/fixtures';

/** An HTTP request as the contract suite sends it. */
export interface ContractRequest {
  method: string;
  /** Path and query string, e.g. `/hooks/test?token=x`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a source author supplies to run {@link runSourceContract}. */
export interface SourceContractHarness {
  definition: SourceDefinition;
  /** The connector's own config keys, with credentials the suite can satisfy through `authorize`. */
  config: Record<string, unknown>;
  /** Every fixture of the platform (each must be accepted and map as its `expectTypes` say). */
  fixtures: WebhookFixture[];
  /** Adds valid credentials (Basic header, token, signature...) to a request. */
  authorize(request: ContractRequest): ContractRequest;
  /** Ways a request can fail verification: each must get 401 and store nothing. At least one. */
  unauthorized: { name: string; request(authorized: ContractRequest, unsigned: ContractRequest): ContractRequest }[];
  /** Bodies that cannot be understood: each must get 400 with a reason and store nothing. */
  badRequests?: { name: string; contentType: string; body: string }[];
  defaultCountry?: string;
}

/** Runs a scenario's events through the real call tracker and counts its call outcomes. */
export async function outcomesOf(events: readonly CallEvent[]): Promise<{ missed: number; completed: number }> {
  return countOutcomes(await trackCalls(events));
}

/** Checks a scenario's outcome events against the fixture: counts, one per call, flags. */
export function expectFixtureOutcomes(fixture: WebhookFixture, outcomes: readonly CallEvent[], context: string): void {
  expect(countOutcomes(outcomes), `${context}: outcomes`).to.deep.equal(fixture.expectOutcomes);
  const perCall = new Set(outcomes.map((e) => e.callId));
  expect(perCall.size, `${context}: one outcome per call`).to.equal(outcomes.length);
  for (const flag of fixture.expectOutcomeFlags ?? []) {
    for (const outcome of outcomes) expect(outcome.flags ?? [], `${context}: ${outcome.type} flags`).to.include(flag);
  }
  if (fixture.expectOutcomeFlags?.includes('voicemail')) {
    for (const outcome of outcomes) expect(outcome.recordingUrl, `${context}: a voicemail names its recording`).to.be.a('string');
  }
}

/** A seeded shuffle (LCG), so a failing order can be reproduced from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The source contract: runs a source behind the real ingest HTTP server (loopback) and an in-memory
 * store, as a third-party author would, and checks that every fixture is accepted and mapped, that
 * credentials are enforced (401, nothing stored), that bodies that cannot be understood get 400 with
 * a reason (nothing stored), that a replayed duplicate yields no second event, and that each
 * scenario yields its expected missed/completed outcomes in any order and when posted twice.
 */
export function runSourceContract(name: string, harness: SourceContractHarness): void {
  describe(`source contract: ${name}`, function () {
    this.timeout(20_000);
    const store = new MemoryStore();
    let server: IngestServer;
    let baseUrl = '';
    const route = '/hooks/contract';

    before(async () => {
      const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
      const source = await harness.definition.create(harness.config as never, testContext({ id: 'contract', logger }));
      server = new IngestServer(
        [{ id: 'contract', route, platform: harness.definition.platform ?? harness.definition.type, defaultCountry: harness.defaultCountry, source }],
        { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false },
        { store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger },
      );
      const address = await server.listen();
      baseUrl = `http://127.0.0.1:${address.port}`;
    });
    after(() => server?.close());

    const toRequest = (request: FixtureRequest): ContractRequest => {
      const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
      const headers: Record<string, string> = { ...request.headers };
      if (request.contentType && method !== 'GET') headers['content-type'] = request.contentType;
      return { method, path: `${route}${request.query ? `?${request.query}` : ''}`, headers, ...(method !== 'GET' && request.body !== undefined ? { body: request.body } : {}) };
    };
    const send = async (request: ContractRequest) => {
      const response = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
      const text = await response.text();
      return { status: response.status, text };
    };
    /** Posts requests and returns the events they added to the store. */
    const post = async (requests: readonly FixtureRequest[]) => {
      const added: CallEvent[][] = [];
      for (const request of requests) {
        const before = new Set(store.events.keys());
        const response = await send(harness.authorize(toRequest(request)));
        expect(response.status, `${request.step ?? 'request'} answered ${response.status}: ${response.text}`).to.be.within(200, 299);
        added.push([...store.events.values()].filter((e) => !before.has(e.id)));
      }
      return added;
    };

    for (const fixture of harness.fixtures) {
      it(`accepts ${fixture.name} and maps it as documented`, async () => {
        store.events.clear();
        const added = await post(fixture.requests);
        fixture.requests.forEach((request, index) => {
          if (request.expectTypes) {
            expect(added[index]!.map((e) => e.type), `${fixture.name} step ${index + 1} (${request.step ?? ''})`).to.deep.equal(request.expectTypes);
          }
          for (const event of added[index]!) {
            expect(event.raw, 'events keep the raw body').to.not.equal(undefined);
            expect(event.callId, 'every event names its call').to.be.a('string').and.not.equal('');
            if (event.type === 'unknown') expect(event.flags ?? []).to.include('unclassified');
          }
        });
        if (fixture.expectOutcomes) expectFixtureOutcomes(fixture, await trackCalls(added.flat()), fixture.name);
      });
    }

    it('does not store a replayed duplicate a second time', async () => {
      const fixture = harness.fixtures[0]!;
      await post(fixture.requests);
      const count = store.events.size;
      const again = await post(fixture.requests);
      expect(again.flat(), 'no new event on a replay').to.have.length(0);
      expect(store.events.size).to.equal(count);
    });

    it('yields the same outcomes when a scenario arrives shuffled and twice', async () => {
      const scenarios = harness.fixtures.filter((f) => f.expectOutcomes && f.requests.length > 1);
      if (!scenarios.length) return;
      for (const fixture of scenarios) {
        for (const seed of [1, 7, 42]) {
          const fresh = new MemoryStore();
          const source = await harness.definition.create(harness.config as never, testContext({ id: 'contract' }));
          // The events of each request, as the ingest path builds them, fed to the tracker shuffled and duplicated.
          const { ingestWebhook } = await import('@callrelay/core/host');
          const { webhookFromFixture } = await import('./webhook.js');
          const events: CallEvent[] = [];
          for (const request of fixture.requests) {
            const authorized = harness.authorize(toRequest(request));
            const hook = webhookFromFixture({ ...request, headers: authorized.headers, query: authorized.path.split('?')[1] }, { url: `http://127.0.0.1${authorized.path}` });
            await ingestWebhook({ id: 'contract', route, platform: harness.definition.type, source }, hook, {
              store: fresh, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }),
            });
          }
          events.push(...fresh.events.values());
          const order = shuffled([...events, ...events], seed);
          expectFixtureOutcomes(fixture, await trackCalls(order), `${fixture.name} shuffled (seed ${seed}) and duplicated`);
        }
      }
    });

    for (const variant of harness.unauthorized) {
      it(`answers 401 and stores nothing: ${variant.name}`, async () => {
        const request = toRequest(harness.fixtures[0]!.requests[0]!);
        // A body no other test posts, so "nothing stored" cannot be masked by deduplication.
        const before = store.events.size;
        const response = await send(variant.request(harness.authorize(request), request));
        expect(response.status, response.text).to.equal(401);
        expect(store.events.size).to.equal(before);
      });
    }

    const badRequests = harness.badRequests ?? [
      { name: 'a body that is not JSON or a form', contentType: 'application/json', body: '{"call": ' },
      { name: 'an empty body', contentType: 'application/json', body: '' },
    ];
    for (const bad of badRequests) {
      it(`answers 400 with a reason and stores nothing: ${bad.name}`, async () => {
        const before = store.events.size;
        const request = harness.authorize({ method: 'POST', path: route, headers: { 'content-type': bad.contentType }, body: bad.body });
        const response = await send(request);
        expect(response.status, response.text).to.equal(400);
        expect(JSON.parse(response.text).error).to.be.a('string').and.not.equal('');
        expect(store.events.size).to.equal(before);
      });
    }

    it('survives a burst of malformed and oversize-looking requests without crashing', async () => {
      const responses = await Promise.all(['', '{', 'a=b', '[]', 'null', '\u0000\u0001'].map((body) =>
        send(harness.authorize({ method: 'POST', path: route, headers: { 'content-type': 'application/json' }, body }))));
      for (const response of responses) expect(response.status).to.be.oneOf([200, 202, 204, 400]);
      const health = await fetch(`${baseUrl}/healthz`);
      expect(health.status).to.equal(200);
    });
  });
}
