import { describe, it, after, before } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HubSpotEmulator, SlackEmulator, loadFixtures } from '@callrelay/testkit';
import { eventually, runCli, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';

const tmp = (label: string) => mkdtempSync(path.join(tmpdir(), `callrelay-${label}-`));

describe('examples: missed calls to Slack, call logging in HubSpot', function () {
  this.timeout(120_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => { for (const c of cleanups.reverse()) await c().catch(() => undefined); });

  it('missed-calls-to-slack: one Slack message per missed 3CX and jambonz call, with the caller; answered calls send none', async () => {
    const slack = new SlackEmulator();
    await slack.start();
    cleanups.push(() => slack.stop());
    const dir = tmp('slack');
    const node = await startCallrelay('examples/missed-calls-to-slack/callrelay.yaml', {
      PORT: '0', CALLRELAY_DB: path.join(dir, 'db.sqlite'), SLACK_WEBHOOK_URL: slack.webhookUrl('alerts'), CX_TOKEN: 'cx-secret', PBX_COUNTRY: 'TR', LOG_LEVEL: 'warn',
    });
    cleanups.push(() => node.kill('SIGTERM'));
    const cx = await runCli(['replay', 'packages/fixtures/webhooks/3cx', '--to', `${node.url}/hooks/pbx?token=cx-secret`, '--speed', '50']);
    expect(cx.code, cx.stdout).to.equal(0);
    const jz = await runCli(['replay', 'packages/fixtures/webhooks/jambonz', '--to', `${node.url}/hooks/jambonz`, '--basic', 'jambonz:quickstart', '--speed', '50']);
    expect(jz.code, jz.stdout).to.equal(0);

    const missedScenarios = [...loadFixtures('3cx'), ...loadFixtures('jambonz')].filter((f) => f.expectOutcomes?.missed);
    const expected = missedScenarios.reduce((n, f) => n + f.expectOutcomes!.missed, 0);
    expect(expected).to.be.at.least(4);
    await eventually(() => (slack.messagesIn('alerts').length >= expected ? true : undefined), 30_000, `${expected} Slack messages`);
    await new Promise((r) => setTimeout(r, 3000)); // past the settle window: no late extra message
    const messages = slack.messagesIn('alerts');
    expect(messages, messages.map((m) => m.text).join('\n')).to.have.length(expected);
    for (const message of messages) {
      expect(message.text, 'the fallback text names the caller').to.match(/\+\d/);
      expect(JSON.stringify(message.blocks), 'a tel: link to call back').to.match(/tel:\+\d+/);
    }
  });

  it('hubspot-call-logging: an answered ImpactPBX call becomes one HubSpot call with the matching contact; again, no second call', async () => {
    const hubspot = new HubSpotEmulator();
    await hubspot.start();
    cleanups.push(() => hubspot.stop());
    const customer = hubspot.seedContact({ firstname: 'Andreas', lastname: 'Georgiou', phone: '+35799123456' });
    hubspot.seedContact({ firstname: 'Someone', lastname: 'Else', phone: '+44 20 7946 0000' });
    const dir = tmp('hubspot');
    const node = await startCallrelay('examples/hubspot-call-logging/callrelay.yaml', {
      PORT: '0', CALLRELAY_DB: path.join(dir, 'db.sqlite'), HUBSPOT_TOKEN: HubSpotEmulator.DEFAULT_TOKEN, HUBSPOT_BASE_URL: await hubspot.start(),
      IMPACT_TOKEN: 'impact-secret', LOG_LEVEL: 'warn',
    });
    cleanups.push(() => node.kill('SIGTERM'));
    const fixture = path.join('packages/fixtures/webhooks/impactpbx/outbound-answered.json');
    const first = await runCli(['replay', fixture, '--to', `${node.url}/hooks/impact?token=impact-secret`, '--speed', '50']);
    expect(first.code, first.stdout).to.equal(0);
    await eventually(() => (hubspot.calls.length >= 1 ? true : undefined), 30_000, 'a HubSpot call');
    // The platform sends it all again (a retry storm): still one call.
    const again = await runCli(['replay', fixture, '--to', `${node.url}/hooks/impact?token=impact-secret`, '--no-pacing']);
    expect(again.code).to.equal(0);
    await new Promise((r) => setTimeout(r, 3500));
    expect(hubspot.calls).to.have.length(1);
    const [call] = hubspot.calls;
    expect(call!.contactIds).to.deep.equal([customer.id]);
    expect(call!.properties).to.include({ hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED' });
    expect(Number(call!.properties.hs_call_duration)).to.equal(4000);
  });
});

describe('Slack delivery: rate limits, bad tokens, dead letters and replay', function () {
  this.timeout(120_000);
  const slack = new SlackEmulator();
  let node: CallrelayProcess;
  let config = '';
  before(async () => {
    await slack.start();
    const dir = tmp('slack-bot');
    config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0 }', 'store: { type: sqlite, path: store.db }', 'tracker: { enabled: false }',
      'sources:', '  pbx: { type: jambonz, auth: none }',
      'sinks:',
      '  slack:',
      '    type: slack',
      `    token: ${SlackEmulator.DEFAULT_TOKEN}`,
      '    channel: alerts',
      `    apiUrl: ${slack.apiUrl}`,
      '    delivery: { initialBackoffMs: 100, maxBackoffMs: 500, maxAttempts: 3 }',
      'pipelines:', '  all: { from: [pbx], to: [slack] }', '',
    ].join('\n'));
    node = await startCallrelay(config, { LOG_LEVEL: 'warn' });
  });
  after(async () => { await node?.kill('SIGTERM'); await slack.stop(); });
  const post = (sid: string) => fetch(`${node.url}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_sid: sid, call_status: 'ringing', from: '+12125551212' }) });

  it('waits Retry-After (2 s) on a 429, then delivers', async () => {
    slack.failNext(1, { status: 429, retryAfterSec: 2 });
    expect((await post('rate-limited')).status).to.equal(200);
    await eventually(() => (slack.messagesIn('alerts').length === 1 ? true : undefined), 20_000, 'the message after the 429');
    const attempts = slack.requests.filter((r) => r.path.endsWith('chat.postMessage'));
    expect(attempts).to.have.length(2);
    const waited = attempts[1]!.receivedAt.getTime() - attempts[0]!.receivedAt.getTime();
    expect(waited, `second attempt ${waited} ms after the 429`).to.be.at.least(2000);
  });

  it('dead-letters invalid_auth with that reason; dlq replay delivers once the token is accepted', async () => {
    slack.tokens.delete(SlackEmulator.DEFAULT_TOKEN);
    expect((await post('bad-token')).status).to.equal(200);
    const listed = await eventually(async () => {
      const r = await runCli(['dlq', 'list', config]);
      return /1 dead letter/.test(r.stdout) ? r.stdout : undefined;
    }, 20_000, 'the dead letter');
    expect(listed).to.match(/invalid_auth/);
    const before = slack.messagesIn('alerts').length;
    slack.tokens.add(SlackEmulator.DEFAULT_TOKEN);
    const replay = await runCli(['dlq', 'replay', config, '--sink', 'slack']);
    expect(replay.code, replay.stderr).to.equal(0);
    await eventually(() => (slack.messagesIn('alerts').length === before + 1 ? true : undefined), 20_000, 'the replayed message');
  });
});
