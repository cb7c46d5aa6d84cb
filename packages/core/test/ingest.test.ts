import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { type CallEvent } from '@callrelay/core';
import { IngestServer, RuntimeMetrics, matchesWhen } from '@callrelay/core/host';
import { MemoryStore, contractEvent, testContext } from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';

describe('ingest server', () => {
  const store = new MemoryStore();
  let server: IngestServer;
  let url = '';
  before(async () => {
    const source = await jambonz.create(jambonz.config.parse({ auth: 'none' }) as never, testContext());
    server = new IngestServer([{ id: 'pbx', route: '/hooks/pbx', platform: 'jambonz', source }], { host: '127.0.0.1', port: 0, bodyLimit: 1024, trustProxy: false },
      { store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) });
    const address = await server.listen();
    url = `http://127.0.0.1:${address.port}`;
  });
  after(() => server.close());
  const post = (body: string, method = 'POST') => fetch(`${url}/hooks/pbx`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : body });

  it('answers 503 and acknowledges nothing when the store cannot take the events', async () => {
    store.failAppendWith = new Error('disk full');
    const response = await post(JSON.stringify({ call_sid: 'x', call_status: 'trying' }));
    store.failAppendWith = undefined;
    expect(response.status).to.equal(503);
    expect(response.headers.get('retry-after')).to.equal('5');
    expect(store.events.size).to.equal(0);
    const retried = await post(JSON.stringify({ call_sid: 'x', call_status: 'trying' }));
    expect(retried.status).to.equal(200);
    expect(store.events.size).to.equal(1);
  });

  it('answers 405 for a method the source does not take, 413 over the body limit, 404 elsewhere', async () => {
    expect((await post('', 'PUT')).status).to.equal(405);
    expect((await post(`{"pad":"${'x'.repeat(2000)}"}`)).status).to.equal(413);
    expect((await fetch(`${url}/hooks/nope`, { method: 'POST' })).status).to.equal(404);
  });

  it('is ready only while accepting', async () => {
    server.ready = true;
    expect((await fetch(`${url}/readyz`)).status).to.equal(200);
    server.ready = false;
    expect((await fetch(`${url}/readyz`)).status).to.equal(503);
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
  });
});

describe('pipeline when', () => {
  const event: CallEvent = contractEvent({ type: 'missed', direction: 'inbound', from: { raw: '2125551212', e164: '+12125551212' }, talkSeconds: 0, agent: { raw: '101', extension: '101' } });
  it('matches values, lists, operators and combinations on dotted paths', () => {
    expect(matchesWhen(event, { type: 'missed' })).to.equal(true);
    expect(matchesWhen(event, { type: ['missed', 'completed'], direction: 'inbound' })).to.equal(true);
    expect(matchesWhen(event, { 'from.e164': { matches: '^\\+1212' } })).to.equal(true);
    expect(matchesWhen(event, { 'agent.extension': { in: ['102', '103'] } })).to.equal(false);
    expect(matchesWhen(event, { talkSeconds: { lt: 10 }, recordingUrl: { exists: false } })).to.equal(true);
    expect(matchesWhen(event, { any: [{ type: 'completed' }, { not: { direction: 'outbound' } }] })).to.equal(true);
    expect(matchesWhen(event, { all: [{ type: 'missed' }, { 'from.e164': { ne: '+12125551212' } }] })).to.equal(false);
  });
});
