import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HubSpotEmulator, SlackEmulator } from '@callrelay/testkit';
import { eventually } from '../support/callrelay-process.js';
import { missedCall, post, startExample } from '../support/impactpbx-calls.js';

/** examples/caller-names: missed-call alerts named from HubSpot contacts, and on time when HubSpot is not. */
describe('example caller-names', function () {
  this.timeout(60_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  const slack = new SlackEmulator({ channels: [{ id: 'C0MISSED01', name: 'missed-calls' }] });
  const hubspot = new HubSpotEmulator();
  let hook: string;
  let calls = 0;

  before(async () => {
    await slack.start();
    await hubspot.start();
    cleanups.push(() => slack.stop(), () => hubspot.stop());
    const node = await startExample('caller-names', {
      CALLRELAY_DB: path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-names-')), 'db.sqlite'),
      SLACK_BOT_TOKEN: SlackEmulator.DEFAULT_TOKEN, SLACK_API_URL: slack.apiUrl, SLACK_CHANNEL: 'missed-calls',
      HUBSPOT_TOKEN: HubSpotEmulator.DEFAULT_TOKEN, HUBSPOT_BASE_URL: hubspot.url, HUBSPOT_PORTAL_ID: '4242',
      HUBSPOT_TIMEOUT_MS: '300', IMPACT_TOKEN: 'impact-secret', SETTLE_MS: '0', TIME_ZONE: 'UTC',
    });
    cleanups.push(() => node.runtime.stop());
    hook = `${node.url}/hooks/impact?token=impact-secret`;
  });
  after(async () => { for (const c of cleanups.reverse()) await c().catch(() => undefined); });

  /** Posts a missed call from `customer` and returns its alert. */
  async function alertFor(customer: string) {
    const before = slack.messagesIn('missed-calls').length;
    calls += 1;
    await post(hook, missedCall({ ref: `names-${calls}`, customer, extension: '1001', startedAt: `2026-11-24T1${calls}:00:00Z` }));
    return eventually(() => slack.messagesIn('missed-calls')[before], 20_000, `the alert of ${customer}`);
  }

  it('names the contact that has the number, linked to it in HubSpot, and caches it', async () => {
    const contact = hubspot.seedContact({ firstname: 'Andreas', lastname: 'Georgiou <!channel>', phone: '+35799123456' });
    const alert = await alertFor('+35799123456');
    expect(alert.text).to.match(/^Missed call from Andreas Georgiou &lt;!channel&gt;, \+357 99 123456/);
    expect(JSON.stringify(alert.blocks)).to.include(`<https://app.hubspot.com/contacts/4242/record/0-1/${contact.id}|Andreas Georgiou &lt;!channel&gt;>`);
    const searches = hubspot.requests.filter((r) => r.path === '/crm/v3/objects/contacts/search').length;
    const again = await alertFor('+35799123456');
    expect(again.text).to.match(/^Missed call from Andreas Georgiou/);
    expect(hubspot.requests.filter((r) => r.path === '/crm/v3/objects/contacts/search'), 'the second lookup came from the cache').to.have.length(searches);
  });

  it('sends the alert without the name when HubSpot does not answer within timeoutMs, while the lookup is still held', async () => {
    hubspot.seedContact({ firstname: 'Slow', lastname: 'Answer', phone: '+35799000001' });
    hubspot.slowNext(1, 30_000, { match: 'POST /crm/v3/objects/contacts/search' });
    const alert = await alertFor('+35799000001');
    expect(alert.text).to.match(/^Missed call from \+357 99 000001/);
    expect(alert.text).to.not.include('Slow');
    // On time: the alert went out while HubSpot still held the lookup (its answer would come 30 s later).
    expect(hubspot.waitingRequests).to.equal(1);
  });

  it('sends the alert without the name when HubSpot fails (500), and does not cache the failure', async () => {
    hubspot.seedContact({ firstname: 'Down', lastname: 'Time', phone: '+35799000002' });
    hubspot.failNext(1, { status: 500 }, { match: 'POST /crm/v3/objects/contacts/search' });
    const alert = await alertFor('+35799000002');
    expect(alert.text).to.match(/^Missed call from \+357 99 000002/);
    const next = await alertFor('+35799000002');
    expect(next.text).to.match(/^Missed call from Down Time, \+357 99 000002/);
  });
});
