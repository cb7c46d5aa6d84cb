import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Runtime } from '@callrelay/core/host';
import { SlackEmulator } from '@callrelay/testkit';
import { eventually } from '../support/callrelay-process.js';
import { NATS_URL, describeWithNats, destroyPrefix, uniquePrefix } from '../support/nats.js';
import { answeredCall, missedCall, post, startExample } from '../support/impactpbx-calls.js';

/**
 * examples/slack-threads-callbacks: a missed call, then a callback 12 minutes later (by the PBX's
 * clock: the webhooks carry the times), with the node restarted in between on the same SQLite file.
 */
describe('example slack-threads-callbacks', function () {
  this.timeout(60_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => { for (const c of cleanups.reverse()) await c().catch(() => undefined); });

  it('a missed call then a callback: one message, whose thread shows both, updated with who called back and when; across a restart', async () => {
    const slack = new SlackEmulator({ channels: [{ id: 'C0MISSED01', name: 'missed-calls' }] });
    await slack.start();
    cleanups.push(() => slack.stop());
    const env = {
      CALLRELAY_DB: path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-threads-')), 'db.sqlite'),
      SLACK_BOT_TOKEN: SlackEmulator.DEFAULT_TOKEN, SLACK_API_URL: slack.apiUrl, SLACK_CHANNEL: 'missed-calls',
      IMPACT_TOKEN: 'impact-secret', SETTLE_MS: '0', TIME_ZONE: 'UTC',
    };
    const customer = '+35799611220';
    let node: { runtime: Runtime; url: string } = await startExample('slack-threads-callbacks', env);
    cleanups.push(() => node.runtime.stop());

    await post(`${node.url}/hooks/impact?token=impact-secret`, missedCall({ ref: 'in-1', customer, extension: '1001', startedAt: '2026-11-24T10:00:00Z' }));
    const [first] = await eventually(() => (slack.conversation('missed-calls').length ? slack.conversation('missed-calls') : undefined), 20_000, 'the missed-call alert');
    expect(first!.message.text).to.match(/^Missed call from \+357 99 611220/);

    // A restart: the thread of the call must be found in the store by the new node.
    await node.runtime.stop();
    node = await startExample('slack-threads-callbacks', env);
    await post(`${node.url}/hooks/impact?token=impact-secret`, answeredCall({ ref: 'out-1', customer, extension: '1002', startedAt: '2026-11-24T10:12:31Z' }, 'outbound'));

    const thread = await eventually(() => {
      const c = slack.conversation('missed-calls');
      return c.length === 1 && c[0]!.replies.length === 1 && c[0]!.message.via === 'chat.update' ? c[0] : undefined;
    }, 20_000, 'a reply in the thread and the first message updated');
    const conversation = slack.conversation('missed-calls');
    expect(conversation, 'one top-level message').to.have.length(1);
    expect(thread!.replies[0]!.text).to.match(/^Called back by 1002 after 12 min 00 s: \+357 99 611220/);
    expect(thread!.replies[0]!.threadTs).to.equal(first!.message.ts);
    // The first message keeps its alert and says the call was returned.
    expect(thread!.message.text).to.match(/^Missed call from \+357 99 611220/);
    expect(thread!.message.text).to.include('Called back by 1002 after 12 min 00 s');
    expect(JSON.stringify(thread!.message.blocks)).to.include('Called back by 1002 after 12 min 00 s');
    // A completed outbound call is not an alert of this pipeline: nothing else was posted.
    expect(slack.messages.filter((m) => m.via === 'chat.postMessage')).to.have.length(2);
  });

  it('a second missed call from the number says so, and the caller calling again and being answered returns both in their threads', async () => {
    const slack = new SlackEmulator({ channels: [{ id: 'C0MISSED01', name: 'missed-calls' }] });
    await slack.start();
    cleanups.push(() => slack.stop());
    const node = await startExample('slack-threads-callbacks', {
      CALLRELAY_DB: path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-threads-')), 'db.sqlite'),
      SLACK_BOT_TOKEN: SlackEmulator.DEFAULT_TOKEN, SLACK_API_URL: slack.apiUrl, SLACK_CHANNEL: 'missed-calls',
      IMPACT_TOKEN: 'impact-secret', SETTLE_MS: '0', TIME_ZONE: 'UTC',
    });
    cleanups.push(() => node.runtime.stop());
    const hook = `${node.url}/hooks/impact?token=impact-secret`;
    const customer = '+35799611221';
    await post(hook, missedCall({ ref: 'in-a', customer, extension: '1001', startedAt: '2026-11-24T09:00:00Z' }));
    await eventually(() => (slack.conversation('missed-calls').length === 1 ? true : undefined), 20_000, 'the first alert');
    await post(hook, missedCall({ ref: 'in-b', customer, extension: '1001', startedAt: '2026-11-24T09:20:00Z' }));
    await eventually(() => (slack.conversation('missed-calls').length === 2 ? true : undefined), 20_000, 'the second alert');
    const [one, two] = slack.conversation('missed-calls');
    expect(one!.message.text).to.not.include('call from this number today');
    expect(two!.message.text).to.include('2nd call from this number today');

    await post(hook, answeredCall({ ref: 'in-c', customer, extension: '1003', startedAt: '2026-11-24T09:50:00Z' }, 'inbound'));
    const threads = await eventually(() => {
      const c = slack.conversation('missed-calls');
      return c.every((t) => t.replies.length === 1 && t.message.via === 'chat.update') ? c : undefined;
    }, 20_000, 'both alerts answered in their threads');
    expect(threads.map((t) => t.replies[0]!.text!.split(':')[0])).to.deep.equal(['Caller called again; answered by 1003 after 49 min 29 s', 'Caller called again; answered by 1003 after 29 min 29 s']);
  });
});

describeWithNats('example slack-threads-callbacks on NATS, two nodes', function () {
  this.timeout(90_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => { for (const c of cleanups.reverse()) await c().catch(() => undefined); });

  it('the missed call comes in on one node, the callback on the other: still one message and its thread', async () => {
    const slack = new SlackEmulator({ channels: [{ id: 'C0MISSED01', name: 'missed-calls' }] });
    await slack.start();
    cleanups.push(() => slack.stop());
    const prefix = uniquePrefix('threads');
    cleanups.push(() => destroyPrefix(prefix));
    const env = { SLACK_BOT_TOKEN: SlackEmulator.DEFAULT_TOKEN, SLACK_API_URL: slack.apiUrl, SLACK_CHANNEL: 'missed-calls', IMPACT_TOKEN: 'impact-secret', SETTLE_MS: '0', TIME_ZONE: 'UTC' };
    const store = `{ type: nats, servers: ["${NATS_URL}"], prefix: ${prefix}, ackWaitMs: 3000 }`;
    const a = await startExample('slack-threads-callbacks', env, { store });
    cleanups.push(() => a.runtime.stop());
    const b = await startExample('slack-threads-callbacks', env, { store });
    cleanups.push(() => b.runtime.stop());
    const customer = '+35799611222';
    await post(`${a.url}/hooks/impact?token=impact-secret`, missedCall({ ref: 'nats-in', customer, extension: '1001', startedAt: '2026-11-24T10:00:00Z' }));
    await eventually(() => (slack.conversation('missed-calls').length === 1 ? true : undefined), 30_000, 'the missed-call alert');
    await post(`${b.url}/hooks/impact?token=impact-secret`, answeredCall({ ref: 'nats-out', customer, extension: '1002', startedAt: '2026-11-24T10:05:00Z' }, 'outbound'));
    const [thread] = await eventually(() => {
      const c = slack.conversation('missed-calls');
      return c[0]?.replies.length === 1 && c[0].message.via === 'chat.update' ? c : undefined;
    }, 30_000, 'the reply and the update');
    expect(slack.conversation('missed-calls')).to.have.length(1);
    expect(thread!.replies[0]!.text).to.match(/^Called back by 1002 after 4 min 29 s/);
  });
});
