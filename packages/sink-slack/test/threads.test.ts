import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { settleDelivery, type CallEvent, type DeliveryContext, type KeyValueStore } from '@callrelay/core';
import { MemoryKeyValueStore, SlackEmulator, sampleEvent, testContext } from '@callrelay/testkit';
import slack, { SlackSink, slackConfig } from '../src/index.js';

let deliveries = 0;
const delivery = (id = `threads/${++deliveries}`): DeliveryContext => ({ deliveryId: id, attempt: 1, pipeline: 'test', signal: new AbortController().signal });

/** A fake clock: the sink stamps what it records with it. */
const clock = { at: Date.parse('2026-11-24T10:00:00Z'), now() { return this.at; } };

function calledBack(missed: CallEvent, overrides: Partial<CallEvent> = {}): CallEvent {
  return {
    id: `${missed.id}-cb`, source: missed.source, platform: missed.platform, callId: missed.callId, type: 'called_back', direction: 'inbound',
    from: missed.from, to: missed.to, agent: { raw: '103', extension: '103', name: 'Alice <b>' },
    occurredAt: '2026-11-24T10:12:00.000Z', receivedAt: '2026-11-24T10:12:00.000Z',
    callback: { via: 'outbound', missedEventId: missed.id, source: missed.source, callId: 'other', by: 'Alice', afterSeconds: 720 },
    flags: ['called-back'], raw: null, ...overrides,
  };
}

describe('slack sink: one thread per call (Web API)', function () {
  this.timeout(10_000);
  const emulator = new SlackEmulator();
  let state: KeyValueStore;
  const warnings: string[] = [];
  const sink = (config: Record<string, unknown>) => slack.create(slackConfig.parse(config), testContext({
    state, clock,
    logger: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line).msg as string); } }),
  })) as SlackSink;
  const threaded = (extra: Record<string, unknown> = {}) => sink({ token: SlackEmulator.DEFAULT_TOKEN, channel: 'alerts', apiUrl: emulator.apiUrl, threads: true, ...extra });
  const deliver = (target: SlackSink, event: CallEvent, ctx = delivery()) => settleDelivery(() => target.deliver(event, ctx));

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => {
    emulator.reset();
    state = new MemoryKeyValueStore();
    warnings.length = 0;
  });

  it('posts the first event of a call, replies with later ones, and updates the first message on a callback', async () => {
    const target = threaded();
    const missed = sampleEvent();
    expect((await deliver(target, missed)).status).to.equal('delivered');
    const recording: CallEvent = { ...missed, id: `${missed.id}-rec`, type: 'recording', recordingUrl: 'https://rec.example/v.mp3' };
    expect((await deliver(target, recording)).status).to.equal('delivered');
    expect((await deliver(target, calledBack(missed))).status).to.equal('delivered');

    const [thread, ...others] = emulator.conversation('alerts');
    expect(others).to.deep.equal([]);
    expect(thread!.replies.map((r) => r.text!.split(' · ')[0])).to.deep.equal([
      'Call recording available: Jane Caller, +1 212 555 1212 to +1 415 555 0100',
      'Called back by Alice &lt;b&gt; (103) after 12 min 00 s: Jane Caller, +1 212 555 1212',
    ]);
    expect(thread!.message.via).to.equal('chat.update');
    expect(thread!.message.text).to.match(/^Missed call from Jane Caller/);
    expect(thread!.message.text).to.include(':white_check_mark: Called back by Alice &lt;b&gt; (103) after 12 min 00 s');
    expect(thread!.message.blocks!.at(-1)).to.deep.equal({ type: 'context', elements: [{ type: 'mrkdwn', text: ':white_check_mark: Called back by Alice &lt;b&gt; (103) after 12 min 00 s', verbatim: true }] });
  });

  it('a callback redelivered after its update failed does not reply twice', async () => {
    const target = threaded();
    const missed = sampleEvent();
    await deliver(target, missed);
    emulator.failNext(1, { error: 'ratelimited', status: 429, retryAfterSec: 1 }, { match: 'POST /api/chat.update' });
    const ctx = delivery();
    const first = await deliver(target, calledBack(missed), ctx);
    expect(first.status).to.equal('retry');
    expect((await deliver(target, calledBack(missed), ctx)).status).to.equal('delivered');
    const [thread] = emulator.conversation('alerts');
    expect(thread!.replies).to.have.length(1);
    expect(thread!.message.via).to.equal('chat.update');
  });

  it('updateParent: false replies without touching the first message', async () => {
    const target = threaded({ updateParent: false });
    const missed = sampleEvent();
    await deliver(target, missed);
    await deliver(target, calledBack(missed));
    const [thread] = emulator.conversation('alerts');
    expect(thread!.replies).to.have.length(1);
    expect(thread!.message.via).to.equal('chat.postMessage');
  });

  it('the thread of a call is found by another sink instance on the same state (another node, a restart)', async () => {
    const missed = sampleEvent();
    await deliver(threaded(), missed);
    await deliver(threaded(), calledBack(missed));
    expect(emulator.conversation('alerts')).to.have.length(1);
    expect(emulator.conversation('alerts')[0]!.replies).to.have.length(1);
  });

  it('without threads (the default) every event is its own message', async () => {
    const target = sink({ token: SlackEmulator.DEFAULT_TOKEN, channel: 'alerts', apiUrl: emulator.apiUrl });
    const missed = sampleEvent();
    await deliver(target, missed);
    await deliver(target, calledBack(missed));
    expect(emulator.conversation('alerts')).to.have.length(2);
  });

  it('an incoming webhook cannot thread: threads is ignored with a warning, one message per event', async () => {
    const target = sink({ webhookUrl: emulator.webhookUrl('alerts'), threads: true });
    expect(warnings.join('\n')).to.match(/threads needs the Web API/);
    const missed = sampleEvent();
    await deliver(target, missed);
    await deliver(target, calledBack(missed));
    expect(emulator.messagesIn('alerts').map((m) => m.via)).to.deep.equal(['webhook', 'webhook']);
  });

  it('the emulator threads under a reply\'s parent and refuses an unknown thread_ts', async () => {
    const target = threaded();
    const missed = sampleEvent();
    await deliver(target, missed);
    const parent = emulator.conversation('alerts')[0]!.message.ts;
    const api = async (body: Record<string, unknown>) => (await fetch(`${emulator.apiUrl}chat.postMessage`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SlackEmulator.DEFAULT_TOKEN}` }, body: JSON.stringify({ channel: 'alerts', ...body }),
    })).json() as Promise<{ ok: boolean; error?: string; ts?: string; message?: { thread_ts?: string } }>;
    const reply = await api({ text: 'a reply', thread_ts: parent });
    expect(reply.message?.thread_ts).to.equal(parent);
    const nested = await api({ text: 'a reply to the reply', thread_ts: reply.ts });
    expect(nested.message?.thread_ts).to.equal(parent);
    expect(await api({ text: 'lost', thread_ts: '1.000000' })).to.deep.include({ ok: false, error: 'thread_not_found' });
  });
});

describe('slack sink: repeat callers and CRM contacts in the default layout', () => {
  it('shows the contact linked, escaped, and "3rd call from this number today"', async () => {
    const emulator = new SlackEmulator();
    await emulator.start();
    try {
      const target = slack.create(slackConfig.parse({ webhookUrl: emulator.webhookUrl('alerts') }), testContext()) as SlackSink;
      const event = sampleEvent({ caller: { callsToday: 3, name: 'Ann *Bold* <@U1>', contactUrl: 'https://app.hubspot.com/contacts/1/record/0-1/9', contactId: '9' } });
      expect((await settleDelivery(() => target.deliver(event, delivery()))).status).to.equal('delivered');
      const [message] = emulator.messagesIn('alerts');
      expect(message!.text).to.include('Missed call from Ann *Bold* &lt;@U1&gt;, Jane Caller, +1 212 555 1212');
      expect(message!.text).to.include('3rd call from this number today');
      const blocks = JSON.stringify(message!.blocks);
      expect(blocks).to.include('<https://app.hubspot.com/contacts/1/record/0-1/9|Ann *Bold* &lt;@U1&gt;>');
      expect(blocks).to.include(':repeat: 3rd call from this number today');
    } finally {
      await emulator.stop();
    }
  });
});
