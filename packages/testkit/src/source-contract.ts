import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { z, type CallEvent, type Source, type SourceDefinition } from '@callrelay/core';
import { IngestServer, RuntimeMetrics } from '@callrelay/core/host';
import { countOutcomes, trackCalls } from './call-harness.js';
import { testContext } from './context.js';
import { MemoryStore } from '@callrelay/core/memory-store';
import type { FixtureRequest, WebhookFixture } from '@callrelay/fixtures';

/**
 * An HTTP request as the contract suite sends it to the source's route, before or after
 * {@link SourceContractHarness.authorize}. Header names are lower case.
 */
export interface ContractRequest {
  /** `POST` or `GET` (a fixture request without a body is a GET). */
  method: string;
  /**
   * Path and query string on the suite's server: the route is `/hooks/contract`, so a fixture with
   * the query `a=1` is sent to `/hooks/contract?a=1`. Append a token with `&` or `?` as needed.
   */
  path: string;
  /** Lower-case header names; `content-type` is set from the fixture. */
  headers: Record<string, string>;
  /** The body exactly as sent; absent for a GET. */
  body?: string;
}

/**
 * One way a request can fail verification, for {@link SourceContractHarness.unauthorized}: the
 * suite sends `request(authorized, unsigned)` and expects 401 with nothing stored.
 *
 * @example
 * ```ts
 * { name: 'no token', request: (_ok, unsigned) => unsigned }
 * { name: 'wrong token', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'x-acme-token': 'guess' } }) }
 * ```
 */
export interface UnauthorizedVariant {
  /** Shown in the test title: `answers 401 and stores nothing: <name>`. */
  name: string;
  /**
   * The request to send, made from the first request of the first fixture: `authorized` is it
   * after {@link SourceContractHarness.authorize}, `unsigned` before (no credentials at all).
   */
  request(authorized: ContractRequest, unsigned: ContractRequest): ContractRequest;
}

/**
 * A body the source cannot understand, for {@link SourceContractHarness.badRequests}: the suite
 * POSTs it with valid credentials and expects 400 with a JSON `{ "error": "<reason>" }` body (what
 * the core answers when `parse` throws `badRequest(reason)`), and nothing stored.
 */
export interface BadRequestCase {
  /** Shown in the test title: `answers 400 with a reason and stores nothing: <name>`. */
  name: string;
  /** Sent as the Content-Type header. */
  contentType: string;
  /** The body exactly as sent. */
  body: string;
}

/**
 * The bodies the bad-body case sends when a harness lists none: JSON cut off in the middle, and an
 * empty body. A source that reads JSON with `parseJsonBody` or `readWebhookParams` (both throw
 * `badRequest`) passes them as is. Spread them to add your own:
 * `badRequests: [...DEFAULT_BAD_REQUESTS, { name: 'a JSON array', contentType: 'application/json', body: '[]' }]`.
 */
export const DEFAULT_BAD_REQUESTS: readonly BadRequestCase[] = [
  { name: 'a body that is not JSON or a form', contentType: 'application/json', body: '{"call": ' },
  { name: 'an empty body', contentType: 'application/json', body: '' },
];

/** The bodies the burst case POSTs all at once (with valid credentials, content type JSON). */
const BURST_BODIES: readonly string[] = ['', '{', 'a=b', '[]', 'null', '\u0000\u0001'];

/**
 * What a source author supplies to {@link runSourceContract}. The suite creates the source from
 * `config` (validated by `definition.config`, as the host does), mounts it on the real ingest server
 * on loopback at `/hooks/contract` with an in-memory store, and sends it the requests below.
 */
export interface SourceContractHarness {
  /** The connector's definition: the package's default export, made with `defineSource`. */
  definition: SourceDefinition;
  /**
   * The instance config as a user writes it under `sources.<id>` in `callrelay.yaml`, without
   * `type` (e.g. `{ auth: { token: { value: 's3cret', header: 'x-acme-token' } } }`). The suite
   * parses it with `definition.config.parse` first, so defaults apply and a config the schema
   * refuses fails the suite with the schema's message. Use credentials that
   * {@link SourceContractHarness.authorize} can satisfy.
   */
  config: Record<string, unknown>;
  /**
   * Recorded webhooks of the platform, at least one (the bundled platforms' are in
   * `loadFixtures('<platform>')`; a new platform writes its own, see `WebhookFixture`). Each
   * fixture's requests are sent in order with credentials and must be answered 2xx; a request with
   * `expectTypes` must store exactly those event types; a fixture with `expectOutcomes` must fold
   * into that many missed/completed calls through the real call tracker. The first request of the
   * first fixture is also what the duplicate and unauthorized cases send.
   */
  fixtures: WebhookFixture[];
  /**
   * Adds valid credentials (a header, a token in the path, a signature over the body) to a request.
   * Applied to every request the suite sends (fixtures, bad bodies, the burst) except the
   * unauthorized variants; return a new request. A signature must be computed over the request's
   * own body, whatever it is (the bad-body and burst cases send bodies that are not webhooks).
   *
   * @example
   * ```ts
   * authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-acme-token': 's3cret' } })
   * ```
   */
  authorize(request: ContractRequest): ContractRequest;
  /**
   * Ways a request can fail verification. Each must be answered 401 (`verify` returns
   * `{ ok: false }`) and store nothing; see {@link UnauthorizedVariant}. Default: one variant,
   * `no credentials` (the request before `authorize`). A list given replaces it and must not be
   * empty: add a wrong token, a stale timestamp, a body changed after signing.
   */
  unauthorized?: UnauthorizedVariant[];
  /**
   * Bodies the source cannot understand: each must be answered 400 with a reason and store
   * nothing. Default {@link DEFAULT_BAD_REQUESTS}; a list given here replaces it (spread the
   * default to keep it).
   */
  badRequests?: BadRequestCase[];
  /** Country for numbers without a country code (the source's `defaultCountry` setting, ISO 3166 alpha-2). */
  defaultCountry?: string;
}

/** The unauthorized variant a harness gets when it lists none: the request without credentials. */
const NO_CREDENTIALS: UnauthorizedVariant = { name: 'no credentials', request: (_authorized, unsigned) => unsigned };

/** Shows a request in a failure message: method, path, content type and body (shortened). */
function describeRequest(request: { method: string; path: string; headers: Record<string, string>; body?: string }): string {
  const body = request.body === undefined ? '' : request.body.length > 120 ? `${request.body.slice(0, 120)}...` : request.body;
  const type = request.headers['content-type'] ? ` (${request.headers['content-type']})` : '';
  return `${request.method} ${request.path}${type}${request.body === undefined ? '' : ` body ${JSON.stringify(body)}`}`;
}

/** Runs a scenario's events through the real call tracker and counts its call outcomes. */
export async function outcomesOf(events: readonly CallEvent[]): Promise<{ missed: number; completed: number }> {
  return countOutcomes(await trackCalls(events));
}

/**
 * Checks a scenario's outcome events against the fixture: counts, one per call, flags. Given the
 * `events` they were folded from, a mismatch lists them (type, call, direction, agent) with the rule
 * that usually explains it.
 */
export function expectFixtureOutcomes(fixture: WebhookFixture, outcomes: readonly CallEvent[], context: string, events?: readonly CallEvent[]): void {
  const folded = events
    ? `; folded from ${events.length} event(s): ${events.map((e) => `${e.type} ${e.callId} ${e.direction}${e.agent ? ` agent ${e.agent.raw}` : ''}${e.outcome ? ` ${e.outcome}` : ''}`).join(', ')}` +
      ' (a call is missed when it is inbound, or offered to an agent, and ends unanswered: set `direction`; see docs/calls.md)'
    : '';
  expect(countOutcomes(outcomes), `${context}: missed/completed calls (the fixture's expectOutcomes)${folded}`).to.deep.equal(fixture.expectOutcomes);
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
 * The source contract, as a mocha `describe` named `source contract: <name>`. It runs the source
 * behind the real ingest HTTP server (loopback) and an in-memory store, as a third-party author
 * would, with these cases (each failure message starts with the case's name):
 * - **fixture**: each fixture's requests, with credentials, are answered 2xx and stored as their
 *   `expectTypes` say; every event keeps its raw body and names its call; a scenario with
 *   `expectOutcomes` folds into that many missed/completed calls;
 * - **duplicate**: the first fixture posted again stores no new event (set `dedupeKey` from the
 *   platform's ids, or leave it unset: the default is the body's hash);
 * - **shuffle**: each scenario with `expectOutcomes` and several requests, its events shuffled
 *   (seeds 1, 7, 42) and each delivered twice, still yields its outcomes (set `occurredAt` from
 *   the platform's time); skipped, with the reason in its title, when no fixture is such a scenario;
 * - **unauthorized**: each of `harness.unauthorized` (default: the request without credentials) is
 *   answered 401 and stores nothing;
 * - **bad-body**: each of `harness.badRequests` (default {@link DEFAULT_BAD_REQUESTS}), with
 *   credentials, is answered 400 with a JSON `error` and stores nothing: throw `badRequest(reason)`
 *   from `parse`;
 * - **burst**: six malformed bodies (`''`, `'{'`, `'a=b'`, `'[]'`, `'null'`, control characters)
 *   POSTed at once, with credentials, are each answered 2xx or 400, never 5xx, and the server's
 *   `/healthz` still answers 200.
 *
 * @example
 * ```ts
 * runSourceContract('acme-pbx', {
 *   definition: acme,
 *   config: { token: { value: 's3cret', header: 'x-acme-token' } },
 *   fixtures,
 *   authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-acme-token': 's3cret' } }),
 *   unauthorized: [
 *     { name: 'no token', request: (_ok, unsigned) => unsigned },
 *     { name: 'wrong token', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'x-acme-token': 'guess' } }) },
 *   ],
 * });
 * ```
 */
export function runSourceContract(name: string, harness: SourceContractHarness): void {
  describe(`source contract: ${name}`, function () {
    this.timeout(20_000);
    const store = new MemoryStore();
    let server: IngestServer;
    let baseUrl = '';
    const route = '/hooks/contract';
    const platform = harness.definition.platform ?? harness.definition.type;
    let config: unknown;

    /** The source, created from the parsed config as the host creates it. */
    const createSource = (logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })): Promise<Source> =>
      Promise.resolve(harness.definition.create(config as never, testContext({ id: 'contract', logger })));

    before(async () => {
      checkHarness(name, harness);
      const parsed = harness.definition.config.safeParse(harness.config);
      if (!parsed.success) {
        throw new Error(`source contract ${name}: harness.config does not validate against the ${harness.definition.type} config schema:\n${z.prettifyError(parsed.error)}\n` +
          'Give `config` what a user writes under sources.<id> in callrelay.yaml, without `type`.');
      }
      config = parsed.data;
      const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
      const source = await createSource(logger);
      server = new IngestServer(
        [{ id: 'contract', route, platform, defaultCountry: harness.defaultCountry, source }],
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
    /** Posts a fixture's requests with credentials and returns the events each added to the store. */
    const post = async (caseName: string, fixture: WebhookFixture) => {
      const added: CallEvent[][] = [];
      for (const [index, request] of fixture.requests.entries()) {
        const before = new Set(store.events.keys());
        const sent = harness.authorize(toRequest(request));
        const response = await send(sent);
        expect(response.status, `${caseName} case: ${fixture.name} step ${index + 1}${request.step ? ` (${request.step})` : ''}: sent ${describeRequest(sent)} ` +
          `and got ${response.status} ${response.text}; a fixture request with valid credentials must be answered 2xx ` +
          '(401: check that `authorize` adds what `verify` checks; 400: `parse` refused a body the platform sends)').to.be.within(200, 299);
        added.push([...store.events.values()].filter((e) => !before.has(e.id)));
      }
      return added;
    };

    for (const fixture of harness.fixtures) {
      it(`accepts ${fixture.name} and maps it as documented`, async () => {
        store.events.clear();
        const added = await post('fixture', fixture);
        fixture.requests.forEach((request, index) => {
          const step = `fixture case: ${fixture.name} step ${index + 1}${request.step ? ` (${request.step})` : ''}`;
          if (request.expectTypes) {
            expect(added[index]!.map((e) => e.type), `${step}: stored event types (the request's expectTypes)`).to.deep.equal(request.expectTypes);
          }
          for (const event of added[index]!) {
            expect(event.raw, `${step}: a ${event.type} event has no raw; set \`raw\` to the parsed body`).to.not.equal(undefined);
            expect(event.callId, `${step}: a ${event.type} event has no callId; every event names its call`).to.be.a('string').and.not.equal('');
            if (event.type === 'unknown') expect(event.flags ?? [], `${step}: an event of type unknown must carry the flag 'unclassified'`).to.include('unclassified');
          }
        });
        if (fixture.expectOutcomes) expectFixtureOutcomes(fixture, await trackCalls(added.flat()), `fixture case: ${fixture.name}`, added.flat());
      });
    }

    it('does not store a replayed duplicate a second time', async () => {
      const fixture = harness.fixtures[0]!;
      await post('duplicate', fixture);
      const count = store.events.size;
      const again = (await post('duplicate', fixture)).flat();
      expect(again.map((e) => `${e.type} ${e.callId}`), `duplicate case: posted the requests of ${fixture.name} a second time and ${again.length} new event(s) were stored; ` +
        'a webhook the platform sends again must map to the same event ids: set `dedupeKey` from the platform\'s own ids ' +
        '(call id and event name, never the time of receipt), or leave it unset (the default is the hash of the body)').to.deep.equal([]);
      expect(store.events.size).to.equal(count);
    });

    const scenarios = harness.fixtures.filter((f) => f.expectOutcomes && f.requests.length > 1);
    it(`yields the same outcomes when a scenario arrives shuffled and twice${scenarios.length ? '' : ' (not applicable: no fixture has expectOutcomes and more than one request)'}`, async function () {
      if (!scenarios.length) this.skip();
      const { ingestWebhook } = await import('@callrelay/core/host');
      const { webhookFromFixture } = await import('./webhook.js');
      for (const fixture of scenarios) {
        for (const seed of [1, 7, 42]) {
          const fresh = new MemoryStore();
          const source = await createSource();
          // The events of each request, as the ingest path builds them, fed to the tracker shuffled and duplicated.
          for (const request of fixture.requests) {
            const authorized = harness.authorize(toRequest(request));
            const hook = webhookFromFixture({ ...request, headers: authorized.headers, query: authorized.path.split('?')[1] }, { url: `http://127.0.0.1${authorized.path}` });
            await ingestWebhook({ id: 'contract', route, platform, defaultCountry: harness.defaultCountry, source }, hook, {
              store: fresh, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }),
            });
          }
          const events = [...fresh.events.values()];
          const order = shuffled([...events, ...events], seed);
          expectFixtureOutcomes(fixture, await trackCalls(order),
            `shuffle case: ${fixture.name} shuffled (seed ${seed}), each event twice (the tracker orders a call's events by occurredAt: set it from the platform's time)`, events);
        }
      }
    });

    for (const variant of harness.unauthorized ?? [NO_CREDENTIALS]) {
      it(`answers 401 and stores nothing: ${variant.name}`, async () => {
        const request = toRequest(harness.fixtures[0]!.requests[0]!);
        // An empty log, so that an event stored by a source that fails open cannot pass as a duplicate.
        store.events.clear();
        const sent = variant.request(harness.authorize(request), request);
        const response = await send(sent);
        const what = `unauthorized case "${variant.name}": sent ${describeRequest(sent)} and got ${response.status} ${response.text}`;
        expect(response.status, `${what}; a request that fails verification must be answered 401: return { ok: false, reason } from verify ` +
          '(a source fails closed: anything that does not prove the configured credentials is refused)').to.equal(401);
        expect(store.events.size, `${what}; nothing may be stored for a refused request`).to.equal(0);
      });
    }

    for (const bad of harness.badRequests ?? DEFAULT_BAD_REQUESTS) {
      it(`answers 400 with a reason and stores nothing: ${bad.name}`, async () => {
        const before = store.events.size;
        const sent = harness.authorize({ method: 'POST', path: route, headers: { 'content-type': bad.contentType }, body: bad.body });
        const response = await send(sent);
        const what = `bad-body case "${bad.name}": POSTed ${describeRequest(sent)} and got ${response.status} ${response.text}`;
        expect(response.status, response.status === 401
          ? `${what}; the bad bodies are sent with credentials: \`authorize\` must make any body pass verify (sign the request's own body)`
          : `${what}; a source must answer 400 for a body it cannot parse: throw badRequest(reason) from parse ` +
            '(parseJsonBody and readWebhookParams do; returning [] would acknowledge a body the platform should fix)').to.equal(400);
        let error: unknown;
        try { error = (JSON.parse(response.text) as { error?: unknown }).error; } catch { error = undefined; }
        expect(error, `${what}; the 400 must carry a JSON { "error": "<reason>" } (the core answers so when parse throws badRequest)`).to.be.a('string').and.not.equal('');
        expect(store.events.size, `${what}; nothing may be stored for a refused body`).to.equal(before);
      });
    }

    it('survives a burst of malformed and oversize-looking requests without crashing', async () => {
      const requests = BURST_BODIES.map((body) => harness.authorize({ method: 'POST', path: route, headers: { 'content-type': 'application/json' }, body }));
      const responses = await Promise.all(requests.map(send));
      responses.forEach((response, index) => {
        const ok = (response.status >= 200 && response.status < 300) || response.status === 400;
        expect(ok, `burst case: ${BURST_BODIES.length} malformed bodies POSTed at once with credentials; ${describeRequest(requests[index]!)} got ` +
          `${response.status} ${response.text}; each must be answered 2xx or 400 (throw badRequest from parse for what cannot be read), never 5xx` +
          (response.status === 401 ? ' or 401 (`authorize` must make any body pass verify)' : '')).to.equal(true);
      });
      const health = await fetch(`${baseUrl}/healthz`);
      expect(health.status, 'burst case: the server\'s /healthz must still answer 200 after the burst').to.equal(200);
    });
  });
}

/** Refuses a harness the cases cannot run with, saying what to add (before anything is sent). */
function checkHarness(name: string, harness: SourceContractHarness): void {
  const problems: string[] = [];
  if (!harness.fixtures.length) problems.push('`fixtures` is empty: give at least one recorded webhook of the platform (a WebhookFixture)');
  else if (!harness.fixtures[0]!.requests.length) problems.push(`fixture ${harness.fixtures[0]!.name} has no requests`);
  if (harness.unauthorized?.length === 0) problems.push('`unauthorized` is empty: leave it out (then a request without credentials must be refused) or list the requests that must be refused, e.g. { name: \'wrong token\', request: (ok) => ({ ...ok, headers: { ...ok.headers, \'x-my-token\': \'guess\' } }) }');
  if (problems.length) throw new Error(`source contract ${name}: the harness cannot run the contract:\n- ${problems.join('\n- ')}`);
}
