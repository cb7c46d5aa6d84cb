import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { settleDelivery, type CallEvent, type DeliveryContext, type DeliveryOutcome, type KeyValueStore } from '@callrelay/core';
import { MemoryKeyValueStore, SlackEmulator, runSinkContract, sampleEvent, testContext, type DestinationBehaviour } from '@callrelay/testkit';
import slack, { SlackSink, slackConfig } from '../src/index.js';

const TOKEN = SlackEmulator.DEFAULT_TOKEN;
let deliveries = 0;
const delivery = (overrides: Partial<DeliveryContext> = {}): DeliveryContext => ({
  deliveryId: `slack-test/${++deliveries}`, attempt: 1, pipeline: 'test', signal: new AbortController().signal, ...overrides,
});

/** A missed call that started at a known instant, for exact time assertions. */
const missedAt = (startedAt: string, overrides: Partial<CallEvent> = {}) => sampleEvent({ startedAt, occurredAt: startedAt, ...overrides });

describe('slack sink', function () {
  this.timeout(10_000);
  const emulator = new SlackEmulator({
    channels: [
      { id: 'C0ALERTS01', name: 'alerts' },
      { id: 'C0SPARE001', name: 'spare' },
    ],
  });
  let state: KeyValueStore;

  const sink = (config: Record<string, unknown>) =>
    slack.create(slackConfig.parse(config), testContext({ state })) as SlackSink;
  const apiSink = (config: Record<string, unknown> = {}) => sink({ token: TOKEN, channel: 'alerts', apiUrl: emulator.apiUrl, ...config });
  const webhookSink = (config: Record<string, unknown> = {}, channel = 'alerts') => sink({ webhookUrl: emulator.webhookUrl(channel), ...config });
  const deliver = (target: SlackSink, event: CallEvent, ctx: DeliveryContext = delivery()): Promise<DeliveryOutcome> =>
    settleDelivery(() => target.deliver(event, ctx));
  const reasonOf = (outcome: DeliveryOutcome) => ('reason' in outcome ? outcome.reason : '');

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => {
    emulator.reset();
    state = new MemoryKeyValueStore();
  });

  // The contract every sink honours, in both modes, as a plugin author would run it.
  for (const mode of ['webhook', 'web api'] as const) {
    const contractEmulator = new SlackEmulator();
    runSinkContract(`slack (${mode})`, {
      async create() {
        await contractEmulator.start();
        const config = mode === 'webhook'
          ? { webhookUrl: contractEmulator.webhookUrl('alerts') }
          : { token: TOKEN, channel: 'C0ALERTS01', apiUrl: contractEmulator.apiUrl };
        return slack.create(slackConfig.parse(config), testContext());
      },
      setBehaviour(behaviour: DestinationBehaviour) {
        contractEmulator.clearFailures();
        const always = 1_000_000;
        if (behaviour === 'retryable') contractEmulator.failNext(always, { status: 503 });
        else if (behaviour === 'permanent') contractEmulator.failNext(always, mode === 'webhook' ? { status: 410, error: 'channel_is_archived' } : { error: 'channel_not_found' });
        else if (typeof behaviour === 'object') contractEmulator.failNext(always, { status: 429, retryAfterSec: behaviour.retryAfterSec });
      },
      received: () => contractEmulator.messages.length,
      cleanup: () => contractEmulator.stop(),
    });
  }

  describe('the default message', () => {
    it('says who called whom and what rang, with a tel: link to call back, in text and blocks', async () => {
      const outcome = await deliver(webhookSink(), missedAt('2026-11-24T14:03:05Z'));
      expect(outcome.status, reasonOf(outcome)).to.equal('delivered');
      const [message] = emulator.messages;
      expect(message!.text).to.equal('Missed call from Jane Caller, +1 212 555 1212 to +1 415 555 0100 · rang 101, 102 · Tue 24 Nov 2026, 14:03 (UTC)');
      const blocks = JSON.stringify(message!.blocks);
      expect(blocks).to.include('*Caller*\\nJane Caller\\n<tel:+12125551212|+1 212 555 1212>');
      expect(blocks).to.include('Call back: <tel:+12125551212|+1 212 555 1212>');
      expect(blocks).to.include('+1 415 555 0100');
      expect(blocks).to.include('101, 102');
      expect(blocks).to.include('Rang for*\\n18 s');
      expect(message!.blocks![0]).to.deep.include({ type: 'header' });
    });

    it('shows the time in the configured time zone, daylight saving included', async () => {
      await deliver(webhookSink({ timeZone: 'Europe/Berlin' }), missedAt('2026-11-24T14:03:05Z'));
      await deliver(webhookSink({ timeZone: 'America/New_York' }), missedAt('2026-07-01T14:03:05Z'));
      expect(emulator.messages[0]!.text).to.include('Tue 24 Nov 2026, 15:03 (Europe/Berlin)');
      expect(emulator.messages[1]!.text).to.include('Wed 1 Jul 2026, 10:03 (America/New_York)');
    });

    it('summarises a completed call: who answered, talk time, the recording', async () => {
      const event = sampleEvent({
        type: 'completed', outcome: 'answered', talkSeconds: 125, recordingUrl: 'https://pbx.example.com/rec/1.wav',
        agent: { raw: '102', extension: '102', name: 'Front desk' },
      });
      await deliver(apiSink(), event);
      const [message] = emulator.messages;
      expect(message!.text).to.match(/^Inbound call completed: Jane Caller, \+1 212 555 1212 to \+1 415 555 0100 · answered by Front desk \(102\) · talk 2 min 05 s · /);
      const blocks = JSON.stringify(message!.blocks);
      expect(blocks).to.include('Answered by*\\nFront desk (102)');
      expect(blocks).to.include('<https://pbx.example.com/rec/1.wav|Listen to the recording>');
    });

    it('escapes what a caller controls, so a caller ID name cannot mention @channel or break a link', async () => {
      await deliver(webhookSink(), sampleEvent({ from: { raw: '+12125551212', e164: '+12125551212', name: '<!channel> & <http://x|y>' } }));
      const text = emulator.messages[0]!.text!;
      expect(text).to.include('&lt;!channel&gt; &amp; &lt;http://x|y&gt;');
      expect(text).to.not.include('<!channel>');
    });

    it('leaves out the called number when the platform did not send one', async () => {
      await deliver(webhookSink(), missedAt('2026-11-24T14:03:05Z', { to: undefined }));
      const message = emulator.messages[0]!;
      expect(message.text).to.equal('Missed call from Jane Caller, +1 212 555 1212 · rang 101, 102 · Tue 24 Nov 2026, 14:03 (UTC)');
      expect(JSON.stringify(message.blocks)).to.not.include('Called');
    });

    it('handles an anonymous caller without a number or a link', async () => {
      await deliver(webhookSink(), sampleEvent({ from: { raw: 'anonymous' }, call: undefined, agent: undefined }));
      const message = emulator.messages[0]!;
      expect(message.text).to.match(/^Missed call from anonymous to \+1 415 555 0100 · /);
      const blocks = JSON.stringify(message.blocks);
      expect(blocks).to.include('*Caller*\\nanonymous');
      expect(blocks).to.not.include('tel:');
      expect(blocks).to.not.include('Call back');
    });
  });

  describe('templates', () => {
    it('posts a text template alone, without the default blocks', async () => {
      const target = apiSink({ text: 'Missed: {{ display.callerLink }} ({{ from.name }}) {{ display.whenIso }}', timeZone: 'Asia/Tokyo' });
      await deliver(target, missedAt('2026-11-24T14:03:05Z'));
      const message = emulator.messages[0]!;
      expect(message.text).to.equal('Missed: <tel:+12125551212|+1 212 555 1212> (Jane Caller) 2026-11-24 23:03:05+09:00');
      expect(message.blocks).to.equal(undefined);
    });

    it('posts the blocks a template renders, with the default text as the notification', async () => {
      const blocks = '[{"type": "section", "text": {"type": "mrkdwn", "text": {{ display.caller | prepend: "Call from " | json }}}}]';
      await deliver(webhookSink({ blocks }), sampleEvent());
      const message = emulator.messages[0]!;
      expect(message.blocks).to.deep.equal([{ type: 'section', text: { type: 'mrkdwn', text: 'Call from Jane Caller, +1 212 555 1212' } }]);
      expect(message.text).to.match(/^Missed call from Jane Caller/);
    });

    it('fails permanently, posting nothing, when the blocks template does not render JSON', async () => {
      const outcome = await deliver(webhookSink({ blocks: '[{"type": "section", "text": {{ display.caller }}}]' }), sampleEvent());
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/^rendering the blocks template: the result is not JSON/);
      expect(emulator.requests).to.have.length(0);
    });

    it('refuses a template with an unknown filter when the sink is created', () => {
      expect(() => apiSink({ text: '{{ from.raw | no_such_filter }}' })).to.throw(/no_such_filter/);
    });
  });

  describe('web api errors', () => {
    it('waits as long as a 429 asks, without spending an attempt', async () => {
      emulator.failNext(1, { status: 429, retryAfterSec: 7 });
      const outcome = await deliver(apiSink(), sampleEvent());
      expect(outcome).to.deep.equal({ status: 'retry', reason: 'posting to Slack (chat.postMessage): rate limited (HTTP 429)', retryAfterMs: 7000, countsAsAttempt: false });
    });

    it("retries when the channel's message rate is exceeded, as Slack limits each channel", async () => {
      const limited = new SlackEmulator({ channelRateLimit: { messages: 1, perMs: 60_000 } });
      await limited.start();
      try {
        const target = sink({ token: TOKEN, channel: 'alerts', apiUrl: limited.apiUrl });
        expect((await deliver(target, sampleEvent())).status).to.equal('delivered');
        const second = await deliver(target, sampleEvent());
        expect(second.status).to.equal('retry');
        expect(second).to.include({ countsAsAttempt: false });
        expect(second.status === 'retry' && second.retryAfterMs).to.be.greaterThan(0);
        expect(limited.messages).to.have.length(1);
      } finally {
        await limited.stop();
      }
    });

    it('retries a 5xx, and an internal_error in the body', async () => {
      emulator.failNext(1, { status: 503, retryAfterSec: 2 });
      const first = await deliver(apiSink(), sampleEvent());
      expect(first).to.include({ status: 'retry', retryAfterMs: 2000 });
      expect(reasonOf(first)).to.include('503');
      emulator.failNext(1, { error: 'internal_error' });
      const second = await deliver(apiSink(), sampleEvent());
      expect(second.status).to.equal('retry');
      expect(reasonOf(second)).to.include('internal_error');
      expect(emulator.messages).to.have.length(0);
    });

    const permanent: { name: string; arrange: () => void; config?: Record<string, unknown>; expect: RegExp }[] = [
      { name: 'an unknown token', arrange: () => undefined, config: { token: 'xoxb-not-a-real-token' }, expect: /invalid_auth \(the token is not valid/ },
      { name: 'an unknown channel', arrange: () => undefined, config: { channel: '#no-such-channel' }, expect: /channel_not_found/ },
      { name: 'a channel the app is not in', arrange: () => emulator.updateChannel('spare', { member: false }), config: { channel: 'spare' }, expect: /not_in_channel \(the app is not a member of the channel/ },
      { name: 'an archived channel', arrange: () => emulator.updateChannel('spare', { archived: true, member: true }), config: { channel: 'C0SPARE001' }, expect: /is_archived/ },
      { name: 'blocks Slack refuses', arrange: () => undefined, config: { blocks: '[{"type": "section"}]' }, expect: /invalid_blocks \(the blocks are not valid Block Kit/ },
    ];
    for (const c of permanent) {
      it(`fails permanently, with the reason, on ${c.name}`, async () => {
        c.arrange();
        try {
          const outcome = await deliver(apiSink(c.config), sampleEvent());
          expect(outcome.status, reasonOf(outcome)).to.equal('failed');
          expect(reasonOf(outcome)).to.match(/^posting to Slack \(chat\.postMessage\): /).and.match(c.expect);
          expect(emulator.messages).to.have.length(0);
        } finally {
          emulator.updateChannel('spare', { archived: false, member: true });
        }
      });
    }

    it('succeeds once the token is made valid (a replay after the fix)', async () => {
      const token = 'xoxb-1111-rotated-token';
      const target = apiSink({ token });
      const event = sampleEvent();
      const first = await deliver(target, event);
      expect(reasonOf(first)).to.include('invalid_auth');
      emulator.tokens.add(token);
      try {
        const replay = await deliver(target, event, delivery());
        expect(replay.status).to.equal('delivered');
        expect(emulator.messages).to.have.length(1);
        expect(emulator.messages[0]!.token).to.equal(token);
      } finally {
        emulator.tokens.delete(token);
      }
    });

    it('retries when Slack cannot be reached', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const outcome = await deliver(sink({ token: TOKEN, channel: 'alerts', apiUrl: `http://127.0.0.1:${port}/api/` }), sampleEvent());
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.match(/ECONNREFUSED/);
    });
  });

  describe('webhook errors', () => {
    it('waits as long as a 429 asks, without spending an attempt', async () => {
      emulator.failNext(1, { status: 429, retryAfterSec: 30 });
      const outcome = await deliver(webhookSink(), sampleEvent());
      expect(outcome).to.deep.equal({ status: 'retry', reason: 'posting to the Slack webhook: HTTP 429 rate_limited', retryAfterMs: 30_000, countsAsAttempt: false });
    });

    it('retries a 5xx', async () => {
      emulator.failNext(1, { status: 500 });
      const outcome = await deliver(webhookSink(), sampleEvent());
      expect(outcome).to.deep.include({ status: 'retry', reason: 'posting to the Slack webhook: HTTP 500 rollup_error' });
    });

    const permanent: { name: string; url: () => string; expect: string }[] = [
      { name: 'a payload Slack cannot read (400 invalid_payload)', url: () => { emulator.failNext(1, { status: 400, error: 'invalid_payload' }); return emulator.webhookUrl('alerts'); }, expect: 'HTTP 400: invalid_payload' },
      { name: 'a revoked webhook (403 invalid_token)', url: () => { const url = emulator.webhookUrl('alerts'); emulator.revokeWebhook(url); return url; }, expect: 'HTTP 403: invalid_token' },
      { name: 'a deleted channel (404 channel_not_found)', url: () => emulator.webhookUrl('deleted-channel'), expect: 'HTTP 404: channel_not_found' },
      { name: 'an archived channel (410 channel_is_archived)', url: () => { emulator.updateChannel('spare', { archived: true }); return emulator.webhookUrl('spare'); }, expect: 'HTTP 410: channel_is_archived' },
      { name: 'an unknown webhook (404 no_service)', url: () => `${emulator.url}/services/T0/B0/nope`, expect: 'HTTP 404: no_service' },
    ];
    for (const c of permanent) {
      it(`fails permanently, with the reason, on ${c.name}`, async () => {
        try {
          const outcome = await deliver(sink({ webhookUrl: c.url() }), sampleEvent());
          expect(outcome.status, reasonOf(outcome)).to.equal('failed');
          expect(reasonOf(outcome)).to.include(`posting to the Slack webhook: ${c.expect}`);
          expect(reasonOf(outcome), 'the secret URL stays out of dead letters').to.not.include('/services/');
        } finally {
          emulator.updateChannel('spare', { archived: false });
        }
      });
    }
  });

  describe('redelivery', () => {
    it('does not post again when a delivery Slack accepted is delivered again', async () => {
      for (const target of [webhookSink(), apiSink()]) {
        emulator.reset();
        const ctx = delivery();
        const event = sampleEvent();
        expect((await deliver(target, event, ctx)).status).to.equal('delivered');
        const again = await deliver(target, event, { ...ctx, attempt: 2 });
        expect(again.status).to.equal('delivered');
        expect(again.status === 'delivered' && again.detail).to.match(/^already posted at /);
        expect(emulator.messages).to.have.length(1);
      }
    });

    it('posts once after failed attempts, and a second time only for another delivery of the same event', async () => {
      const target = apiSink();
      const event = sampleEvent();
      const ctx = delivery();
      emulator.failNext(2, { status: 502 });
      expect((await deliver(target, event, ctx)).status).to.equal('retry');
      expect((await deliver(target, event, { ...ctx, attempt: 2 })).status).to.equal('retry');
      expect((await deliver(target, event, { ...ctx, attempt: 3 })).status).to.equal('delivered');
      expect((await deliver(target, event, { ...ctx, attempt: 4 })).status).to.equal('delivered');
      expect(emulator.messages).to.have.length(1);
      // A replayed dead letter or another pipeline is another delivery: it posts.
      expect((await deliver(target, event, delivery())).status).to.equal('delivered');
      expect(emulator.messages).to.have.length(2);
    });
  });

  describe('config', () => {
    const problems = (config: Record<string, unknown>) => {
      const result = slackConfig.strict().safeParse(config);
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    it('takes a webhook URL, or a token with a channel', () => {
      expect(problems({ webhookUrl: 'https://hooks.slack.com/services/T/B/x' })).to.deep.equal([]);
      expect(problems({ token: 'xoxb-1', channel: 'C0123' })).to.deep.equal([]);
    });
    it('names what is missing or contradictory', () => {
      expect(problems({})).to.deep.equal([': set webhookUrl (incoming webhook) or token and channel (Web API)']);
      expect(problems({ token: 'xoxb-1' })).to.deep.equal(['channel: with token, name the channel to post in']);
      expect(problems({ token: 'xoxb-1', webhookUrl: 'https://hooks.slack.com/services/T/B/x' })).to.deep.equal(['token: set webhookUrl or token, not both']);
      expect(problems({ webhookUrl: 'https://hooks.slack.com/services/T/B/x', channel: '#alerts' })).to.deep.equal(['channel: an incoming webhook posts to the channel chosen when it was created; channel applies to token only']);
      expect(problems({ webhookUrl: 'https://hooks.slack.com/services/T/B/x', timeZone: 'Mars/Base' })).to.have.length(1);
    });
  });
});
