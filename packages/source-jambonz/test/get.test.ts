import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { type IncomingWebhook } from '@callrelay/core';
import { IngestServer, RuntimeMetrics, finalizeEvents } from '@callrelay/core/host';
import { MemoryStore, makeWebhook, testContext } from '@callrelay/testkit';
import jambonz, { signJambonzPayload } from '@callrelay/source-jambonz';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const PARAMS = {
  call_sid: 'b7c1e2d3-0a4f-4c6e-9d8b-1f2e3a4b5c6d', direction: 'inbound', from: '+12125550166', to: '+14155550100',
  call_status: 'no-answer', sip_status: '487', sip_reason: 'Request Terminated', duration: '0',
};
const query = new URLSearchParams(PARAMS).toString();

const sourceWith = (auth: unknown) => jambonz.create(jambonz.config.parse({ auth }) as never, testContext());
const eventsOf = async (request: IncomingWebhook) => {
  const source = await sourceWith('none');
  return finalizeEvents(await source.parse(request), { sourceId: 'jz', platform: 'jambonz', defaultCountry: 'US', rawBody: request.rawBody, receivedAt: new Date() });
};

describe('jambonz hooks sent as GET', () => {
  it('maps a GET with the parameters in the query string like the POST of the same parameters (numbers arrive as text)', async () => {
    const [viaGet] = await eventsOf(makeWebhook({ method: 'GET', query }));
    const [viaPost] = await eventsOf(makeWebhook({ body: { ...PARAMS, sip_status: 487, duration: 0 }, contentType: 'application/json' }));
    expect(viaGet).to.include({ type: 'ended', outcome: 'no-answer', direction: 'inbound', hangupCause: 'caller-canceled', talkSeconds: 0 });
    expect(viaGet!.sip).to.deep.equal({ status: 487, reason: 'Request Terminated' });
    expect(viaGet!.from!.e164).to.equal('+12125550166');
    expect(viaGet!.id, 'a GET and a POST of one status are one event').to.equal(viaPost!.id);
  });

  it('answers 400 with a hint when a GET carries no call_sid (what jambonz since 0.7.6 sends for a hook set to GET)', async () => {
    const source = await sourceWith('none');
    let error: unknown;
    try { await source.parse(makeWebhook({ method: 'GET', query: 'tenant=acme' })); } catch (err) { error = err; }
    expect((error as { code?: string }).code).to.equal('WEBHOOK_BAD_REQUEST');
    expect((error as Error).message).to.match(/call_sid/).and.match(/POST/);
  });

  it('checks Basic auth on a GET as on a POST', async () => {
    const source = await sourceWith({ basic: { username: 'jambonz', password: 's3cret' } });
    expect(await source.verify(makeWebhook({ method: 'GET', query, headers: { authorization: basic('jambonz', 's3cret') } }))).to.deep.equal({ ok: true });
    expect((await source.verify(makeWebhook({ method: 'GET', query }))).ok).to.equal(false);
    expect((await source.verify(makeWebhook({ method: 'GET', query, headers: { authorization: basic('jambonz', 'guess') } }))).ok).to.equal(false);
  });

  it('refuses a GET without a body when a webhook secret is configured: no signature covers a query string', async () => {
    const source = await sourceWith({ webhookSecret: 'wh_secret' });
    // Even a header signed over the empty body: it would vouch for any query string.
    const verdict = await source.verify(makeWebhook({ method: 'GET', query, headers: { 'jambonz-signature': signJambonzPayload('', 'wh_secret') } }));
    expect(verdict.ok).to.equal(false);
    expect(verdict.ok === false && verdict.reason).to.match(/GET without a body/).and.match(/auth\.basic/);
  });

  it('verifies a GET that carries the signed JSON body (jambonz before 0.7.6 sent one with any method)', async () => {
    const source = await sourceWith({ webhookSecret: 'wh_secret' });
    const body = JSON.stringify({ ...PARAMS, sip_status: 487 });
    const signed = makeWebhook({ method: 'GET', body, contentType: 'application/json', headers: { 'jambonz-signature': signJambonzPayload(body, 'wh_secret') } });
    expect(await source.verify(signed)).to.deep.equal({ ok: true });
    const [event] = await source.parse(signed);
    expect(event).to.include({ type: 'ended', callId: PARAMS.call_sid });
    const forged = makeWebhook({ method: 'GET', body, contentType: 'application/json', headers: { 'jambonz-signature': signJambonzPayload(body, 'other') } });
    expect((await source.verify(forged)).ok).to.equal(false);
  });

  describe('over HTTP', () => {
    const store = new MemoryStore();
    let server: IngestServer;
    let base = '';
    before(async () => {
      const logger = pino({ level: 'silent' });
      const source = await jambonz.create(jambonz.config.parse({ auth: { basic: { username: 'jambonz', password: 's3cret' } } }) as never, testContext({ logger }));
      server = new IngestServer(
        [{ id: 'jz', route: '/hooks/jz', platform: 'jambonz', source }],
        { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false },
        { store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger },
      );
      base = `http://127.0.0.1:${(await server.listen()).port}`;
    });
    after(() => server?.close());

    it('accepts a call status hook sent as GET (was 405) and stores its event', async () => {
      const response = await fetch(`${base}/hooks/jz?${query}`, { headers: { authorization: basic('jambonz', 's3cret') } });
      expect(response.status, await response.text()).to.equal(200);
      expect([...store.events.values()].map((e) => [e.type, e.callId])).to.deep.equal([['ended', PARAMS.call_sid]]);
    });

    it('still answers 405 to a method jambonz never uses', async () => {
      const response = await fetch(`${base}/hooks/jz`, { method: 'PUT', headers: { authorization: basic('jambonz', 's3cret') }, body: '{}' });
      expect(response.status).to.equal(405);
      expect(response.headers.get('allow')).to.equal('POST, GET');
    });
  });
});
