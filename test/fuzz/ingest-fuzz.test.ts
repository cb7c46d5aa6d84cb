import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import fc from 'fast-check';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { type CallEvent, type SourceDefinition } from '@callrelay/core';
import { ingestWebhook, IngestServer, RuntimeMetrics, type MountedSource } from '@callrelay/core/host';
import { loadFixtures, makeWebhook, testContext, type FixtureRequest } from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';
import signalwire from '@callrelay/source-signalwire';
import impactpbx from '@callrelay/source-impactpbx';
import threeCx from '@callrelay/source-3cx';
import { mutate, mutations, type MutatedRequest } from './mutations.js';

/*
 * Issue 12 item 5: thousands of mutated fixture bodies through the ingest path of every source must
 * never get a 5xx (a platform retries a 5xx forever, and the body fails the same way every time),
 * and must not leave memory behind. FUZZ_SEED replays a run; FUZZ_RUNS sets its size.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 750);
const LOOPBACK_RUNS = Math.max(20, Math.round(RUNS / 8));
const PLATFORMS: Record<string, SourceDefinition> = { jambonz, signalwire, impactpbx, '3cx': threeCx };

/** A store that writes events as the real stores do (one JSON text each) and keeps nothing. */
const serializingStore = {
  async append(events: readonly CallEvent[]) {
    for (const event of events) JSON.stringify(event);
    return { stored: events.map((e) => e.id), duplicates: [] };
  },
};

const metrics = new RuntimeMetrics(undefined, { defaultMetrics: false });
const logger = pino({ level: 'silent' });

async function mountAll(): Promise<MountedSource[]> {
  return Promise.all(Object.entries(PLATFORMS).map(async ([platform, definition]) => ({
    id: platform, route: `/hooks/${platform}`, platform,
    source: await definition.create(definition.config.parse({ auth: 'none' }) as never, testContext()),
  })));
}

const requestsOf = (platform: string): FixtureRequest[] => loadFixtures(platform).flatMap((f) => f.requests);
const describeCase = (request: MutatedRequest) =>
  `${request.method} ${JSON.stringify(request.contentType)} ?${request.query.slice(0, 80)} body ${JSON.stringify(request.body.toString('utf8').slice(0, 200))} after ${request.applied.join(', ')} (FUZZ_SEED=${SEED})`;

/** The V8 heap after a full collection. */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe(`fuzz: mutated webhooks never get a 5xx (seed ${SEED})`, function () {
  this.timeout(120_000);
  const closers: (() => Promise<void>)[] = [];
  after(async () => { for (const close of closers) await close(); });

  it(`${RUNS} mutated bodies per source through ingestWebhook: 2xx or 400, memory flat`, async () => {
    const mounted = await mountAll();
    const before = heapAfterGc();
    for (const source of mounted) {
      const requests = requestsOf(source.platform);
      await fc.assert(fc.asyncProperty(fc.nat(requests.length - 1), mutations, async (index, steps) => {
        const request = mutate(requests[index]!, steps);
        const hook = makeWebhook({ body: request.body, contentType: request.contentType, method: request.method, query: request.query, url: `http://127.0.0.1:8080${source.route}` });
        const answer = await ingestWebhook(source, hook, { store: serializingStore as never, metrics, logger });
        if (answer.status >= 500 || answer.status === 401) throw new Error(`${source.id}: ${answer.status} ${JSON.stringify(answer.body)} for ${describeCase(request)}`);
      }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    }
    const grown = heapAfterGc() - before;
    expect(grown, `heap grew by ${Math.round(grown / 1e6)} MB over ${RUNS * mounted.length} requests (FUZZ_SEED=${SEED})`).to.be.below(32e6);
  });

  it(`${LOOPBACK_RUNS} mutated requests per source through the HTTP server on loopback, with and without credentials`, async () => {
    const open = await mountAll();
    const guarded: MountedSource[] = [
      { id: 'jambonz-basic', route: '/hooks/jambonz-basic', platform: 'jambonz', source: await jambonz.create(jambonz.config.parse({ auth: { basic: { username: 'u', password: 'p' } } }) as never, testContext()) },
      { id: 'signalwire-key', route: '/hooks/signalwire-key', platform: 'signalwire', source: await signalwire.create(signalwire.config.parse({ auth: { signingKey: 'PSKkey' } }) as never, testContext()) },
      { id: 'impactpbx-token', route: '/hooks/impactpbx-token', platform: 'impactpbx', source: await impactpbx.create(impactpbx.config.parse({ auth: { token: { value: 'tok' } } }) as never, testContext()) },
      { id: '3cx-token', route: '/hooks/3cx-token', platform: '3cx', source: await threeCx.create(threeCx.config.parse({ auth: { token: { value: 'tok' } } }) as never, testContext()) },
    ];
    const server = new IngestServer([...open, ...guarded], { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false, authFailureLimit: false },
      { store: serializingStore as never, metrics, logger });
    const { port } = await server.listen();
    closers.push(() => server.close());
    const authHeader = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim()),
      fc.constantFrom('Basic', 'Basic :', 'Basic =====', 'Bearer', 'Bearer tok', 'Basic dTpw'),
    );
    for (const mounted of [...open, ...guarded]) {
      const requests = requestsOf(mounted.platform);
      await fc.assert(fc.asyncProperty(fc.nat(requests.length - 1), mutations, authHeader, async (index, steps, authorization) => {
        const request = mutate(requests[index]!, steps);
        const headers: Record<string, string> = {};
        if (request.contentType) headers['content-type'] = request.contentType;
        if (authorization !== undefined) headers.authorization = authorization;
        const body = request.method === 'GET' ? undefined : request.body;
        if (body && body.length > 1024 * 1024) return; // over bodyLimit: 413, covered elsewhere
        const response = await fetch(`http://127.0.0.1:${port}${mounted.route}${request.query ? `?${request.query}` : ''}`, { method: request.method, headers, body });
        await response.arrayBuffer();
        if (response.status >= 500) throw new Error(`${mounted.id}: ${response.status} for ${describeCase(request)}`);
      }), { seed: SEED, numRuns: LOOPBACK_RUNS, endOnFailure: true });
    }
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);
  });
});
