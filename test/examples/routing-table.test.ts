import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { SlackEmulator } from '@callrelay/testkit';
import type { Runtime } from '@callrelay/core/host';
import { eventually } from '../support/callrelay-process.js';
import { FakeClock, loadExample, missedCall, startNode, tempDb } from './in-process.js';

/** examples/routing-table: the called number picks the team's channel; unknown numbers go to reception and are counted. */
describe('examples: routing table (called number -> team channel)', function () {
  this.timeout(60_000);
  const slack = new SlackEmulator({
    channels: [
      { id: 'C0SALES001', name: 'sales' }, { id: 'C0SUPPORT1', name: 'support' }, { id: 'C0UKSUPP01', name: 'uk-support' },
      { id: 'C0RECEPT01', name: 'reception' }, { id: 'C0ONCALL01', name: 'sales-on-call' },
    ],
  });
  let runtime: Runtime | undefined;

  before(async () => { await slack.start(); });
  after(async () => { await runtime?.stop(); await slack.stop(); });

  it('a call to a DID in the table reaches its team\'s channel; an unknown DID reaches the default and is counted', async () => {
    const config = await loadExample('routing-table', { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: SlackEmulator.DEFAULT_TOKEN, CALLRELAY_DB: tempDb('routing') });
    // Tuesday 3 March 2026, 11:00 in New York: inside office hours, so the sales after-hours filter drops everything.
    const clock = new FakeClock(Date.parse('2026-03-03T16:00:00Z'));
    runtime = await startNode(config, clock);
    await runtime.openStore!.append([
      missedCall('to-sales', '2026-03-03T16:00:00Z', { e164: '+13125550001' }, '+12125550100'),
      missedCall('to-support', '2026-03-03T16:01:00Z', { e164: '+13125550002' }, '+12125550101'),
      missedCall('to-nobody', '2026-03-03T16:02:00Z', { e164: '+13125550003' }, '+12125550199'),
    ]);
    await eventually(() => (slack.messages.length >= 3 ? true : undefined), 20_000, 'three alerts');
    expect(slack.messagesIn('sales').map((m) => m.text)).to.have.length(1);
    expect(slack.messagesIn('sales')[0]!.text).to.match(/^Missed call for \*sales\* from <tel:\+13125550001\|/);
    expect(slack.messagesIn('support')[0]!.text).to.include('*support*');
    expect(slack.messagesIn('reception')[0]!.text).to.include('*reception*');
    const metric = await runtime.metrics.registry.getSingleMetricAsString('callrelay_route_unmatched_total');
    expect(metric).to.include('callrelay_route_unmatched_total{table="teams"} 2'); // two pipelines looked the unknown DID up
  });

  it('a filter step after the route step tests route.team and the local time: a sales call at night also reaches #sales-on-call', async () => {
    slack.reset();
    // 21:30 in New York (the source's zone).
    await runtime!.openStore!.append([
      missedCall('sales-night', '2026-03-04T02:30:00Z', { e164: '+13125550004' }, '+12125550100'),
      missedCall('support-night', '2026-03-04T02:31:00Z', { e164: '+13125550005' }, '+12125550101'),
    ]);
    await eventually(() => (slack.messages.length >= 3 ? true : undefined), 20_000, 'three alerts');
    expect(slack.messagesIn('sales-on-call')).to.have.length(1);
    expect(slack.messagesIn('sales-on-call')[0]!.text).to.include('+1 312 555 0004');
    expect(slack.messagesIn('sales')).to.have.length(1);
    expect(slack.messagesIn('support')).to.have.length(1);
    await runtime!.stop();
    runtime = undefined;
  });
});
