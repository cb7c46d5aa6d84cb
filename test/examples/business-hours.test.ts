import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { SlackEmulator } from '@callrelay/testkit';
import type { Runtime } from '@callrelay/core/host';
import { eventually } from '../support/callrelay-process.js';
import { FakeClock, loadExample, missedCall, startNode, tempDb } from './in-process.js';

/**
 * examples/business-hours: the after-hours channel gets every call missed while the office is
 * closed, and #support gets them in ONE digest at the next opening, exactly once, across restarts.
 */
describe('examples: business hours (after-hours channel and morning digest)', function () {
  this.timeout(60_000);
  const slack = new SlackEmulator({ channels: [{ id: 'C0AFTERHRS', name: 'after-hours' }, { id: 'C0SUPPORT1', name: 'support' }] });
  let runtime: Runtime | undefined;
  const env = () => ({ SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: SlackEmulator.DEFAULT_TOKEN });

  before(async () => { await slack.start(); });
  after(async () => { await runtime?.stop(); await slack.stop(); });

  const texts = (channel: string) => slack.messagesIn(channel).map((m) => m.text ?? '');

  it('a night call goes to #after-hours at once and into the next morning\'s digest, once, with restarts in between', async () => {
    slack.reset();
    const db = tempDb('business-hours');
    const config = await loadExample('business-hours', { ...env(), CALLRELAY_DB: db });
    // Monday 2 March 2026, 22:00 in Berlin (UTC+1): the office closed at 17:30.
    const clock = new FakeClock(Date.parse('2026-03-02T21:00:00Z'));
    runtime = await startNode(config, clock);
    await runtime.openStore!.append([
      missedCall('night-1', '2026-03-02T21:14:00Z', { e164: '+4930111111', name: '<!channel> *Eve*' }, '+4930999000'),
      missedCall('night-2', '2026-03-02T23:40:00Z', { e164: '+4930222222' }, '+4930999000'),
    ]);
    await eventually(() => (slack.messagesIn('after-hours').length === 2 ? true : undefined), 20_000, 'two after-hours alerts');
    expect(slack.messagesIn('support')).to.have.length(0);

    // The node stops during the night; another starts after the opening, on the same store.
    await runtime.stop();
    clock.set('2026-03-03T07:31:00Z'); // Tuesday 08:31 in Berlin: open since 08:30
    runtime = await startNode(config, clock);
    const digest = await eventually(() => slack.messagesIn('support')[0], 20_000, 'the morning digest');
    expect(digest.text).to.match(/^2 missed calls while office was closed\n/);
    const lines = digest.text!.split('\n').slice(1);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.include('+49 30 111111').and.include('Mon 2 Mar 2026, 22:14');
    expect(lines[1]).to.include('+49 30 222222').and.include('00:40');
    // The caller's name is text: no broadcast, no bold markup reaching Slack as markup.
    expect(lines[0]).to.include('&lt;!channel&gt;').and.not.include('<!channel>');
    expect(digest.blocks?.[0]).to.deep.include({ type: 'header' });

    // A third node on the same store: nothing is sent again.
    await runtime.stop();
    runtime = await startNode(config, clock);
    // A call while the office is open goes to #support at once, not into a digest, and not to #after-hours.
    clock.set('2026-03-03T09:00:00Z');
    await runtime.openStore!.append([missedCall('day-1', '2026-03-03T08:59:00Z', { e164: '+4930333333' }, '+4930999000')]);
    await eventually(() => (slack.messagesIn('support').length === 2 ? true : undefined), 20_000, 'the daytime alert');
    expect(texts('support')[1]).to.include('+49 30 333333').and.not.match(/while office was closed/);
    expect(texts('support').filter((t) => /while office was closed/.test(t))).to.have.length(1);
    expect(slack.messagesIn('after-hours')).to.have.length(2);
    await runtime.stop();
    runtime = undefined;
  });

  it('a holiday from the iCalendar file is closed: the call goes to #after-hours and waits for the next working day', async () => {
    slack.reset();
    const config = await loadExample('business-hours', { ...env(), CALLRELAY_DB: tempDb('holiday') });
    // Friday 25 December 2026, 11:00 in Berlin: a weekday inside the weekly hours, but Christmas.
    const clock = new FakeClock(Date.parse('2026-12-25T10:00:00Z'));
    runtime = await startNode(config, clock);
    await runtime.openStore!.append([missedCall('xmas', '2026-12-25T09:58:00Z', { e164: '+4930444444' }, '+4930999000')]);
    await eventually(() => (slack.messagesIn('after-hours').length === 1 ? true : undefined), 20_000, 'the holiday alert');
    // Saturday 26th is a holiday too, then the weekend: the digest waits for Monday 28th, 08:30.
    clock.set('2026-12-26T09:00:00Z');
    await runtime.openStore!.append([missedCall('boxing-day', '2026-12-26T08:58:00Z', { e164: '+4930555555' }, '+4930999000')]);
    await eventually(() => (slack.messagesIn('after-hours').length === 2 ? true : undefined), 20_000, 'the second holiday alert');
    expect(slack.messagesIn('support')).to.have.length(0);
    clock.set('2026-12-28T07:30:00Z');
    const digest = await eventually(() => slack.messagesIn('support')[0], 20_000, 'the Monday digest');
    expect(digest.text).to.match(/^2 missed calls while office was closed/);
    await runtime.stop();
    runtime = undefined;
  });
});
