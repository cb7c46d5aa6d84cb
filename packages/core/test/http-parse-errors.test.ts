import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { badRequest, CallrelayError, type Source } from '@callrelay/core';
import { ingestWebhook, RuntimeMetrics } from '@callrelay/core/host';
import { makeWebhook, MemoryStore, testContext } from '@callrelay/testkit';
import { SqliteStore } from '@callrelay/store-sqlite';
import jambonz from '@callrelay/source-jambonz';
import { bodyShapeProblem } from '../src/util/body-shape.js';
import { captureLog, recordingSource, serveSources } from './http-helpers.js';

const LIMITS = { maxDepth: 32, maxFields: 1000 };
const deps = (store = new MemoryStore(), logger = pino({ level: 'silent' })) => ({ store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger });
const mountedJambonz = async () => ({ id: 'pbx', route: '/hooks/pbx', platform: 'jambonz', source: await jambonz.create(jambonz.config.parse({ auth: 'none' }) as never, testContext()) });
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('http: a body that cannot be understood is a 400, never a 5xx (issue 12 item 5)', () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => { for (const close of closers) await close(); });

  it('a timestamp no Date can hold (25 digits) is no time: the call event is kept with its receive time, not refused (was 500: RangeError)', async () => {
    const body = JSON.stringify({ call_sid: 'c-25', call_status: 'ringing', direction: 'inbound', from: '+15551230000', to: '+15559870000', timestamp: '9999999999999999999999999' });
    const store = new MemoryStore();
    const answer = await ingestWebhook(await mountedJambonz(), makeWebhook({ body, contentType: 'application/json' }), deps(store));
    expect(answer.status).to.equal(200);
    const [event] = [...store.events.values()];
    expect(event).to.deep.include({ type: 'ringing', clock: 'received' });
  });

  it('a 19-digit timestamp is read as nanoseconds since the epoch (was 500: RangeError)', async () => {
    const body = JSON.stringify({ call_sid: 'c-19', call_status: 'ringing', direction: 'inbound', timestamp: '1764579600123456789' });
    const store = new MemoryStore();
    const answer = await ingestWebhook(await mountedJambonz(), makeWebhook({ body, contentType: 'application/json' }), deps(store));
    expect(answer.status).to.equal(200);
    expect([...store.events.values()][0]).to.deep.include({ occurredAt: '2025-12-01T09:00:00.123Z', clock: 'platform' });
  });

  it('JSON nested 10,000 levels deep is answered 400 before it reaches the store (its JSON.stringify overflowed the stack: 503 + Retry-After forever)', async () => {
    const store = await SqliteStore.open({ path: path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-deep-')), 'store.db') });
    closers.push(() => store.close());
    const body = `{"call_sid":"c-deep","call_status":"ringing","customerData":${deep(10_000)}}`;
    const answer = await ingestWebhook(await mountedJambonz(), makeWebhook({ body, contentType: 'application/json' }), deps(store as never));
    expect(answer.status).to.equal(400);
    expect(answer.headers?.['retry-after']).to.equal(undefined);
  });

  it('an 80,000-key body is answered 400 without being parsed (it held the event loop 4.5 s)', async () => {
    const { source } = recordingSource();
    let parsed = 0;
    const spy: Source = { ...source, parse: () => { parsed++; return []; } };
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 80_000 }, (_, i) => [`k${i}`, i])));
    const answer = await ingestWebhook({ id: 'spy', route: '/h', platform: 'test', source: spy }, makeWebhook({ body: wide, contentType: 'application/json' }), deps());
    expect(answer.status).to.equal(400);
    expect(parsed).to.equal(0);
    const form = Array.from({ length: 5000 }, (_, i) => `k${i}=v`).join('&');
    expect((await ingestWebhook({ id: 'spy', route: '/h', platform: 'test', source: spy }, makeWebhook({ body: form, contentType: 'application/x-www-form-urlencoded' }), deps())).status).to.equal(400);
    const query = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`q${i}`, 'v']));
    expect((await ingestWebhook({ id: 'spy', route: '/h', platform: 'test', source: spy }, makeWebhook({ query, method: 'GET' }), deps())).status).to.equal(400);
    expect(parsed).to.equal(0);
  });

  it('any error a source throws while parsing is a 400 with a generic reason; the log names the source and the error', async () => {
    const log = captureLog();
    const { source } = recordingSource({ parse: () => { throw new TypeError("Cannot read properties of undefined (reading 'trim')"); } });
    const answer = await ingestWebhook({ id: 'buggy', route: '/h', platform: 'test', source }, makeWebhook({ body: '{"a":1}' }), deps(new MemoryStore(), log.logger));
    expect(answer.status).to.equal(400);
    expect(JSON.stringify(answer.body)).to.not.include('trim');
    const line = log.lines.find((l) => l.source === 'buggy');
    expect(line, 'logged with the source id').to.not.equal(undefined);
    expect(JSON.stringify(line)).to.include("reading 'trim'");
  });

  it('a store failure stays 503, also when it happens inside a source (STORE_UNAVAILABLE)', async () => {
    const { source } = recordingSource({ parse: () => { throw new CallrelayError('STORE_UNAVAILABLE', 'reading call matches: NATS is disconnected'); } });
    const answer = await ingestWebhook({ id: 's', route: '/h', platform: 'test', source }, makeWebhook({ body: '{"a":1}' }), deps());
    expect(answer.status).to.equal(503);
    expect(answer.headers?.['retry-after']).to.equal('5');
  });

  it('a reply that throws does not turn stored events into a 500', async () => {
    const store = new MemoryStore();
    const mounted = await mountedJambonz();
    mounted.source.reply = () => { throw new Error('reply bug'); };
    const answer = await ingestWebhook(mounted, makeWebhook({ body: JSON.stringify({ call_sid: 'c-reply', call_status: 'trying' }), contentType: 'application/json' }), deps(store));
    expect(answer.status).to.equal(200);
    expect(store.events.size).to.equal(1);
  });

  it('over HTTP: deep, wide and unreadable bodies get 400 with a reason that reveals nothing', async () => {
    const { source } = recordingSource({ parse: (request) => { if (request.rawBody.includes('boom')) throw badRequest('field X must be a number, found "boom"'); return []; } });
    const app = await serveSources({ s: source }, { maxBodyDepth: 8, maxBodyFields: 50 });
    closers.push(app.close);
    const post = (body: string) => fetch(`${app.base}/hooks/s`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (const body of [deep(9), JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]))), '{"x":"boom"}']) {
      const response = await post(body);
      expect(response.status).to.equal(400);
      expect((await response.json() as { error: string }).error).to.equal('bad request: the body is not a webhook this route can read');
    }
    expect((await post(deep(8))).status).to.equal(200);
  });
});

describe('bodyShapeProblem', () => {
  it('measures JSON exactly: brackets, commas and quotes inside strings do not count', () => {
    expect(bodyShapeProblem(Buffer.from(deep(32)), LIMITS)).to.equal(undefined);
    expect(bodyShapeProblem(Buffer.from(deep(33)), LIMITS)).to.match(/deeper than 32/);
    expect(bodyShapeProblem(Buffer.from(JSON.stringify({ note: `${'[{'.repeat(100)}${',&'.repeat(3000)}\\"` })), LIMITS)).to.equal(undefined);
    expect(bodyShapeProblem(Buffer.from(JSON.stringify(Array.from({ length: 1000 }, () => 1))), LIMITS)).to.equal(undefined);
    expect(bodyShapeProblem(Buffer.from(JSON.stringify(Array.from({ length: 1001 }, () => 1))), LIMITS)).to.match(/more than 1000 fields/);
  });

  it('counts a form\'s parameters, quotes or not', () => {
    expect(bodyShapeProblem(Buffer.from(Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join('&')), LIMITS)).to.equal(undefined);
    expect(bodyShapeProblem(Buffer.from(`a="&${Array.from({ length: 1001 }, (_, i) => `k${i}=v`).join('&')}&z="`), LIMITS)).to.match(/more than 1000 fields/);
  });

  it('bounds what quotes could hide from a repairing parser: separators and brackets counted blind, up to 8 times the limits', () => {
    const hidden = `{"a":"${','.repeat(9000)}"}`;
    expect(bodyShapeProblem(Buffer.from(hidden), LIMITS)).to.match(/more than 1000 fields/);
    expect(bodyShapeProblem(Buffer.from(`{"a":"${'['.repeat(300)}"}`), LIMITS)).to.match(/deeper than 32/);
  });
});
