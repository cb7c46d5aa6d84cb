import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { IngestServer, RuntimeMetrics } from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/testkit';
import { createSource, fixture } from './helpers.js';

/** A real ingest server on loopback with one 3CX source. */
async function serve(config: Record<string, unknown>) {
  const store = new MemoryStore();
  const source = await createSource(config);
  const server = new IngestServer(
    [{ id: 'cx', route: '/hooks/3cx', platform: '3cx', defaultCountry: 'CZ', source }],
    { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false },
    { store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) },
  );
  const address = await server.listen();
  return { store, server, url: `http://127.0.0.1:${address.port}/hooks/3cx` };
}

describe('3cx over HTTP', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  before(async () => { app = await serve({ auth: { token: { value: 's3cret' } } }); });
  after(() => app.server.close());

  it('takes the form scenario as GET query strings with ?token=, as the add-on can be set to send them', async () => {
    app.store.events.clear();
    const f = fixture('form-queue-answered');
    for (const request of f.requests) {
      // The seed's unencoded text goes in the URL as written; fetch percent-encodes its spaces.
      const response = await fetch(`${app.url}?${request.body}&token=s3cret`);
      expect(response.status, `${request.step}: ${await response.text()}`).to.equal(200);
    }
    const events = [...app.store.events.values()];
    expect(events.map((e) => e.type)).to.deep.equal(['ringing', 'ringing', 'ringing', 'answered', 'ended']);
    expect(events[4]).to.include({ callId: '230102104542_15', outcome: 'answered', talkSeconds: 7 });
    expect(events[4]!.raw, 'the token is not part of the event').to.not.have.property('token');
    expect(events[3]!.from).to.deep.equal({ raw: '420774852629', e164: '+420774852629' });
  });

  it('stores a POSTed form and the same event sent as GET once (same event id)', async () => {
    app.store.events.clear();
    const body = fixture('form-outgoing-missed').requests[1]!.body!;
    const post = await fetch(`${app.url}?token=s3cret`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(post.status).to.equal(200);
    const get = await fetch(`${app.url}?${body}&token=s3cret`);
    expect(get.status).to.equal(200);
    expect(app.store.events.size).to.equal(1);
  });

  it('answers 401 without the token and 405 for PUT, storing nothing', async () => {
    app.store.events.clear();
    const noToken = await fetch(`${app.url}?${fixture('form-queue-missed').requests[3]!.body}`);
    expect(noToken.status).to.equal(401);
    // The client learns only that it is unauthorized; which check failed goes to the log (issue 12 item 7).
    expect(await noToken.json()).to.deep.equal({ error: 'unauthorized' });
    const put = await fetch(`${app.url}?token=s3cret`, { method: 'PUT', body: '{"Event":"ringing","Id":"1_1-0"}' });
    expect(put.status).to.equal(405);
    expect(put.headers.get('allow')).to.equal('POST, GET');
    expect(app.store.events.size).to.equal(0);
  });

  it('answers 401 to a request from outside the allow-list, whatever it carries', async () => {
    const guarded = await serve({ auth: { token: { value: 's3cret' }, allowIps: ['203.0.113.0/24'] } });
    try {
      const response = await fetch(`${guarded.url}?token=s3cret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fixture('json-queue-missed').requests[3]!.body });
      expect(response.status).to.equal(401);
      expect(await response.json()).to.deep.equal({ error: 'unauthorized' });
      expect(guarded.store.events.size).to.equal(0);
    } finally {
      await guarded.server.close();
    }
  });

  it('answers 400 with a reason for garbage, and 200 with the repaired seed JSON', async () => {
    const garbage = await fetch(`${app.url}?token=s3cret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '<xml>ringing</xml>' });
    expect(garbage.status).to.equal(400);
    expect((await garbage.json() as { error: string }).error).to.be.a('string').and.not.equal('');
    const repaired = await fetch(`${app.url}?token=s3cret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fixture('json-queue-answered').requests[3]!.body });
    expect(repaired.status).to.equal(200);
    expect(await repaired.json()).to.deep.equal({ ok: true, events: 1 });
  });
});
