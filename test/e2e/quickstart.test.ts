import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadFixtures } from '@callrelay/testkit';
import { basicAuth, eventually, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';

/** README command 1: the quickstart pipeline, run as a user runs it (built CLI, the example file). */
describe('quickstart (README command 1)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-quickstart-'));
  const csv = path.join(dir, 'calls.csv');
  let node: CallrelayProcess;
  const auth = { authorization: basicAuth('jambonz', 'quickstart') };

  before(async () => {
    node = await startCallrelay('examples/quickstart/callrelay.yaml', { PORT: '0', ADMIN_PORT: '0', CALLRELAY_DB: path.join(dir, 'q.db'), CSV_PATH: csv });
  });
  after(async () => {
    const code = await node?.kill('SIGTERM');
    expect(code, `clean exit on SIGTERM\n${node?.stderr()}`).to.equal(0);
  });

  const rows = () => (existsSync(csv) ? (parse(readFileSync(csv), { columns: true }) as Record<string, string>[]) : []);
  const hook = `${'/hooks/jambonz'}`;

  it('prints where it listens and a curl line for a sample webhook', () => {
    expect(node.stderr()).to.match(/callrelay listening on http:\/\/127\.0\.0\.1:\d+/);
    // The password as the file reads it (start-banner.test.ts runs such lines): never the value itself.
    expect(node.stderr()).to.match(/curl -sS --fail-with-body -H "content-type: application\/json" -u "jambonz:\$\{JAMBONZ_PASSWORD:-quickstart\}" --data-binary '\{.*call_sid/);
  });

  it('writes CSV rows for the seed 000 and 001 example bodies', async () => {
    const seeds = loadFixtures('jambonz').filter((f) => f.name === 'jambonz/call-hook' || f.name === 'jambonz/graine-call-hook');
    expect(seeds).to.have.length(2);
    for (const fixture of seeds) {
      const request = fixture.requests[0]!;
      const response = await fetch(`${node.url}${hook}`, { method: 'POST', headers: { 'content-type': request.contentType!, ...auth }, body: request.body });
      expect(response.status, await response.clone().text()).to.equal(200);
      expect(await response.json(), 'the call hook answers with the verb array').to.deep.equal([]);
    }
    const written = await eventually(() => {
      const r = rows();
      return r.length >= 2 ? r : undefined;
    }, 20_000, 'two CSV rows');
    const text = readFileSync(csv, 'utf8');
    expect(text).to.include('d2515c3b-b79a-41a2-971a-445e769c823c');
    expect(text).to.include('+12125551212');
    expect(written.length).to.equal(2);
    expect(node.stdout(), 'the console sink printed the events').to.match(/STARTED/);
  });

  it('turns a missed jambonz call into one missed row', async () => {
    const fixture = loadFixtures('jambonz').find((f) => f.name === 'jambonz/status-missed-caller-hangup')!;
    for (const request of fixture.requests) {
      const response = await fetch(`${node.url}${hook}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: request.body });
      expect(response.status).to.equal(200);
    }
    await eventually(() => (readFileSync(csv, 'utf8').includes('missed') ? true : undefined), 20_000, 'a missed row');
    const missed = readFileSync(csv, 'utf8').split('\n').filter((line) => /(^|,)missed(,|$)/.test(line));
    expect(missed).to.have.length(1);
  });

  it('refuses wrong credentials (401), non-JSON (400) and oversize bodies (413), storing nothing and staying up', async () => {
    const before = readFileSync(csv, 'utf8');
    const body = JSON.stringify({ call_sid: 'never-stored', call_status: 'trying' });
    const wrong = await fetch(`${node.url}${hook}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth('jambonz', 'nope') }, body });
    expect(wrong.status).to.equal(401);
    const none = await fetch(`${node.url}${hook}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(none.status).to.equal(401);
    const bad = await fetch(`${node.url}${hook}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"call_sid": "x", ' });
    expect(bad.status).to.equal(400);
    // A generic reason for the client; the detail (not JSON) is in the log (issue 12 item 7).
    expect((await bad.json()).error).to.match(/bad request/);
    const huge = await fetch(`${node.url}${hook}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: `{"call_sid":"big","pad":"${'x'.repeat(2 * 1024 * 1024)}"}` }).catch((err: Error) => err);
    if (huge instanceof Error) expect.fail(`oversize request failed at the socket: ${huge.message}`);
    expect(huge.status).to.equal(413);
    const health = await fetch(`${node.url}/healthz`);
    expect(health.status).to.equal(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect(readFileSync(csv, 'utf8')).to.equal(before);
    expect(readFileSync(csv, 'utf8')).to.not.include('never-stored');
  });

  it('exposes Prometheus metrics for received, accepted and rejected webhooks on the admin listener, not on the public port', async () => {
    expect((await fetch(`${node.url}/metrics`)).status).to.equal(404);
    const text = await (await fetch(`${node.adminUrl()}/metrics`)).text();
    expect(text).to.match(/callrelay_webhooks_received_total\{source="jambonz"\} \d+/);
    expect(text).to.match(/callrelay_webhooks_rejected_total\{source="jambonz",reason="unauthorized"\} 2/);
    expect(text).to.match(/callrelay_webhooks_rejected_total\{source="jambonz",reason="too_large"\} 1/);
    expect(text).to.match(/callrelay_deliveries_total\{sink="calls-csv",outcome="delivered"\} \d+/);
    expect((await fetch(`${node.url}/readyz`)).status).to.equal(200);
    expect(await (await fetch(`${node.adminUrl()}/readyz`)).json()).to.deep.include({ ready: true, status: 'ready' });
  });
});
