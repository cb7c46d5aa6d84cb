import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStore } from '@callrelay/store-sqlite';
import { contractEvent } from '@callrelay/testkit';
import type { DeadLetter } from '@callrelay/core';
import { startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';

const TOKEN = 'admin-api-test-token-7c2e91';
const HEADER_SECRET = 'hdr-secret-55aa77';
const DAY = 86_400_000;

function letter(id: string, sinkId: string, failedAt: number, reason: string): DeadLetter {
  return { id, sinkId, delivery: { sinkId, pipeline: 'p', event: contractEvent({ id: `ev-${id}`, callId: `call-${id}` }) }, reason, attempts: 3, failedAt: new Date(failedAt).toISOString() };
}

describe('the admin API (built CLI, loopback)', function () {
  this.timeout(60_000);
  let node: CallrelayProcess;
  let admin: string;
  const now = Date.now();
  const get = (p: string, token: string | null = TOKEN) => fetch(`${admin}${p}`, { headers: token !== null ? { authorization: `Bearer ${token}` } : {} });
  const post = (p: string, body: unknown) => fetch(`${admin}${p}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-admin-api-'));
    const config = path.join(dir, 'callrelay.yaml');
    // Sinks that are never reached (nothing is routed to them): the dead letters are seeded.
    writeFileSync(config, [
      'server: { port: 0 }', 'store: { type: sqlite, path: store.db }',
      `admin: { host: 127.0.0.1, port: 0, token: "${TOKEN}" }`,
      'sources:', '  pbx: { type: jambonz, auth: none }',
      'sinks:',
      '  crm:', '    type: webhook', '    url: "https://bob:hunter2@crm.example.com/hooks"', `    headers: { x-api-key: "${HEADER_SECRET}" }`,
      '  log: { type: csv, path: calls.csv }',
      '',
    ].join('\n'));
    const store = await SqliteStore.open({ path: path.join(dir, 'store.db') });
    for (const l of [
      letter('crm-old', 'crm', now - 40 * DAY, 'posting to https://bob:hunter2@crm.example.com/hooks: ECONNREFUSED'),
      letter('crm-new', 'crm', now - DAY, `the receiver answered 401: bad x-api-key ${HEADER_SECRET}`),
      letter('log-old', 'log', now - 40 * DAY, 'EACCES: permission denied'),
      letter('log-new', 'log', now - DAY, 'EACCES: permission denied'),
    ]) await store.deadLetters.add(l);
    await store.close();
    node = await startCallrelay(config, { LOG_LEVEL: 'warn' });
    admin = node.adminUrl();
  });
  after(() => node?.kill('SIGTERM'));

  it('serves the page without the token (it asks for it) with a strict CSP, and every API path only with it', async () => {
    const page = await get('/', null);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'").and.include("frame-ancestors 'none'");
    expect(await page.text()).to.include('<div id="app">');
    for (const p of ['/api/calls', '/api/sinks', '/api/dead-letters', '/api/openapi.json', '/api/calls/pbx/x']) {
      expect((await get(p, null)).status, p).to.equal(401);
      expect((await get(p, 'wrong-token-wrong-token')).status, p).to.equal(401);
    }
    const replay = await fetch(`${admin}/api/dead-letters/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sinkId":"crm"}' });
    expect(replay.status).to.equal(401);
  });

  it('documents itself: the OpenAPI document names every path and is built from the schemas', async () => {
    const doc = await (await get('/api/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string }[] }>> };
    expect(doc.openapi).to.match(/^3\.0/);
    expect(Object.keys(doc.paths)).to.include.members(['/api/calls', '/api/calls/{source}/{callId}', '/api/sinks', '/api/dead-letters', '/api/dead-letters/replay', '/api/dead-letters/discard', '/api/events', '/api/live-ticket']);
    expect(doc.paths['/api/calls']!.get!.parameters!.map((p) => p.name)).to.include.members(['source', 'outcome', 'number', 'from', 'to', 'limit', 'cursor']);
    // Every reference resolves inside the document (named schemas under components.schemas).
    const text = JSON.stringify(doc);
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).to.include('#/components/schemas/CallPage');
    const schemas = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
    for (const ref of new Set(refs)) {
      expect(ref, ref).to.match(/^#\/components\/schemas\//);
      expect(schemas, ref).to.have.property(ref.slice('#/components/schemas/'.length));
    }
  });

  it('refuses what does not match the schemas with 400 and the problem', async () => {
    for (const p of ['/api/calls?outcome=maybe', '/api/calls?limit=0', '/api/calls?from=yesterday', '/api/calls?cursor=bm90IGpzb24', '/api/calls?color=red']) {
      const res = await get(p);
      expect(res.status, p).to.equal(400);
      expect((await res.json() as { error: string }).error, p).to.be.a('string');
    }
    expect((await post('/api/dead-letters/replay', {})).status, 'no selection').to.equal(400);
    expect((await get('/api/calls/pbx/no-such-call')).status).to.equal(404);
  });

  it('lists dead letters a page at a time, with the config\'s secrets redacted from reasons and sink errors', async () => {
    const first = await (await get('/api/dead-letters?limit=3')).json() as { deadLetters: { id: string; reason: string }[]; next?: string };
    expect(first.deadLetters.map((l) => l.id)).to.deep.equal(['crm-old', 'log-old', 'crm-new']);
    const second = await (await get(`/api/dead-letters?limit=3&cursor=${first.next}`)).json() as { deadLetters: { id: string }[]; next?: string };
    expect(second.deadLetters.map((l) => l.id)).to.deep.equal(['log-new']);
    expect(second.next).to.equal(undefined);
    const sinks = await (await get('/api/sinks')).text();
    const all = JSON.stringify(first) + sinks;
    for (const secret of ['hunter2', HEADER_SECRET]) expect(all, secret).to.not.include(secret);
    expect(all).to.include('[redacted]');
    const crm = (JSON.parse(sinks) as { sinks: { id: string; deadLetters: number; lastError?: { reason: string }; retry: { maxAttempts: number; waits: unknown[] } }[] }).sinks.find((s) => s.id === 'crm')!;
    expect(crm.deadLetters).to.equal(2);
    expect(crm.lastError!.reason).to.include('answered 401');
    expect(crm.retry.maxAttempts).to.equal(39);
    expect(crm.retry.waits).to.have.length(38);
  });

  it('discards by filter (a sink, failed before a time) and replays by id, reporting ids that were not dead letters', async () => {
    const discarded = await (await post('/api/dead-letters/discard', { sinkId: 'log', failedBefore: new Date(now - 30 * DAY).toISOString() })).json();
    expect(discarded).to.deep.equal({ count: 1, ids: ['log-old'], missing: [] });
    const replayed = await (await post('/api/dead-letters/replay', { ids: ['crm-new', 'nope'] })).json();
    expect(replayed).to.deep.equal({ count: 1, ids: ['crm-new'], missing: ['nope'] });
    const left = await (await get('/api/dead-letters')).json() as { deadLetters: { id: string }[] };
    expect(left.deadLetters.map((l) => l.id)).to.deep.equal(['crm-old', 'log-new']);
  });

  it('opens the live stream only with a fresh ticket, once', async () => {
    expect((await get('/api/events?ticket=', null)).status).to.equal(401);
    const { ticket } = await (await post('/api/live-ticket', {})).json() as { ticket: string };
    const controller = new AbortController();
    const stream = await fetch(`${admin}/api/events?ticket=${ticket}`, { signal: controller.signal });
    expect(stream.status).to.equal(200);
    expect(stream.headers.get('content-type')).to.include('text/event-stream');
    controller.abort();
    expect((await fetch(`${admin}/api/events?ticket=${ticket}`)).status, 'a ticket is good once').to.equal(401);
  });
});
