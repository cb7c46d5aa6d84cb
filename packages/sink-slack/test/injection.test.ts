import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import { settleDelivery, type CallEvent } from '@callrelay/core';
import { SlackEmulator, MemoryKeyValueStore, sampleEvent, testContext, type SlackMessageRecord } from '@callrelay/testkit';
import slack, { SlackSink, slackConfig } from '../src/index.js';
import { escapeMrkdwn, linkUrl } from '../src/escape.js';

// Issue 12, item 4: a caller ID name is typed by the caller, and ids, numbers and URLs come from
// webhooks anyone can forge when a source has no auth. None of it may mention, link or add blocks.

const EVIL_RECORDING = 'https://evil.example/a|Listen> <!channel> pwned <https://evil.example/b';
const EVIL_CALL_ID = '<!channel> <https://evil.example|CLICK ME>';
const MENTIONS = ['@here', '@channel', '@everyone', '<!everyone>', '<!here>', '<@U123ABC>', '<#C123ABC>', '<!subteam^S123>', '<https://evil.example|CLICK ME>'];

/** Every string Slack would read as text of the message: `text` and every `text` inside the blocks. */
function texts(message: SlackMessageRecord): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  if (message.text !== undefined) found.push(message.text);
  walk(message.blocks);
  return found;
}

/** The `<...>` sequences Slack parses (links, mentions) in the message. */
const controlSequences = (message: SlackMessageRecord) => texts(message).flatMap((t) => t.match(/<[^>]*>?/g) ?? []);

/** Asserts the message mentions nobody and links only to what the sink itself builds. */
function expectNoInjection(message: SlackMessageRecord, allowedLinks: RegExp[] = [/^<tel:\+\d+\|[^<>|]*>$/]): void {
  for (const sequence of controlSequences(message)) {
    expect(allowedLinks.some((allowed) => allowed.test(sequence)), `unexpected ${sequence} in ${JSON.stringify(message.payload)}`).to.equal(true);
  }
  for (const text of texts(message)) {
    expect(text, 'a plain broadcast word').to.not.match(/@(here|channel|everyone)\b/i);
  }
}

describe('slack sink: attacker-controlled values (issue 12)', function () {
  this.timeout(10_000);
  const emulator = new SlackEmulator();
  const sink = (config: Record<string, unknown> = {}) =>
    slack.create(slackConfig.parse({ webhookUrl: emulator.webhookUrl('alerts'), ...config }), testContext({ state: new MemoryKeyValueStore() })) as SlackSink;
  let n = 0;
  const deliver = async (target: SlackSink, event: CallEvent): Promise<SlackMessageRecord> => {
    const outcome = await settleDelivery(() => target.deliver(event, { deliveryId: `slack-injection/${++n}`, attempt: 1, pipeline: 'p', signal: new AbortController().signal }));
    expect(outcome.status, JSON.stringify(outcome)).to.equal('delivered');
    return emulator.messages.at(-1)!;
  };

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => emulator.reset());

  it('bug: a recording URL with | and > became a link to the attacker and a <!channel>; now it is text', async () => {
    const message = await deliver(sink(), sampleEvent({ recordingUrl: EVIL_RECORDING }));
    expectNoInjection(message);
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).to.not.include('Listen to the recording');
    expect(blocks).to.include('https://evil.example/a|Listen&gt; &lt;!channel&gt; pwned &lt;https://evil.example/b');
  });

  it('bug: a call id with <!channel> and a link reached the context line unescaped', async () => {
    const message = await deliver(sink(), sampleEvent({ callId: EVIL_CALL_ID }));
    expectNoInjection(message);
    expect(JSON.stringify(message.blocks)).to.include('call &lt;!channel&gt; &lt;https://evil.example|CLICK ME&gt;');
  });

  for (const mention of MENTIONS) {
    it(`does not notify or link for ${mention} in a caller name, agent name, called name or rang list`, async () => {
      const event = sampleEvent({
        from: { raw: '+12125551212', e164: '+12125551212', name: `Jane ${mention}` },
        to: { raw: '+14155550100', e164: '+14155550100', name: mention },
        agent: { raw: '102', extension: '102', name: mention },
        call: { legs: [], rang: ['101', mention], transfers: 0, recordingUrls: [], eventCount: 1 },
      });
      expectNoInjection(await deliver(sink(), event));
      expectNoInjection(await deliver(sink(), { ...event, type: 'completed', outcome: 'answered', talkSeconds: 12 }));
    });
  }

  it('builds tel: links only from + and digits: a forged e164 or a raw value with markup gets none', async () => {
    const message = await deliver(sink(), sampleEvent({ from: { raw: '+1 212 <!here>', e164: '+1212|<!here>' } }));
    expectNoInjection(message);
    expect(JSON.stringify(message.blocks)).to.not.include('tel:');
  });

  it('escapes what it cannot format: a start time that is not a date, the source and the platform', async () => {
    const event = sampleEvent({ startedAt: '<!here> tomorrow', source: 'pbx<!here>', platform: '<@U1>' });
    expectNoInjection(await deliver(sink(), event));
    expectNoInjection(await deliver(sink({ text: '{{ display.when }} {{ display.whenIso }} {{ display.source }}' }), event));
  });

  it('links a valid recording URL, with & written &amp; as Slack writes URLs', async () => {
    const message = await deliver(sink(), sampleEvent({ recordingUrl: 'https://pbx.example.com/rec?id=1&sig=a%7Cb' }));
    expect(JSON.stringify(message.blocks)).to.include('<https://pbx.example.com/rec?id=1&amp;sig=a%7Cb|Listen to the recording>');
    expectNoInjection(message, [/^<tel:/, /^<https:\/\/pbx\.example\.com\/rec\?id=1&amp;sig=a%7Cb\|Listen to the recording>$/]);
  });

  it('skips a recording that cannot be linked in favour of the next one that can', async () => {
    const event = sampleEvent({
      recordingUrl: EVIL_RECORDING,
      call: { legs: [], rang: [], transfers: 0, recordingUrls: ['javascript:alert(1)', 'https://pbx.example.com/rec/2.wav'], eventCount: 1 },
    });
    const message = await deliver(sink(), event);
    expect(JSON.stringify(message.blocks)).to.include('<https://pbx.example.com/rec/2.wav|Listen to the recording>');
  });

  it('sends mrkdwn objects as verbatim, so Slack does not turn a typed URL or #channel into a link', async () => {
    const message = await deliver(sink(), sampleEvent({ from: { raw: '+12125551212', e164: '+12125551212', name: 'https://evil.example #general' } }));
    const mrkdwn = JSON.stringify(message.blocks).match(/"type":"mrkdwn"[^}]*/g) ?? [];
    expect(mrkdwn.length).to.be.greaterThan(2);
    for (const object of mrkdwn) expect(object).to.include('"verbatim":true');
  });

  describe('templates', () => {
    const hostile = () => sampleEvent({
      from: { raw: '+12125551212', e164: '+12125551212', name: '<!channel> "}}]},{"type":"section","text":{"type":"mrkdwn","text":"x"},"accessory":{"type":"button","text":{"type":"plain_text","text":"Pay"},"url":"https://evil.example/pay"}},{"type":"divider","x":{"y":"' },
      callId: EVIL_CALL_ID,
      recordingUrl: EVIL_RECORDING,
    });

    it('a text template inserting event fields gets them escaped', async () => {
      const message = await deliver(sink({ text: 'Missed: {{ from.name }} call {{ callId }} {{ event.recordingUrl }} {{ display.callerLink }}' }), hostile());
      expectNoInjection(message);
      expect(message.text).to.include('&lt;!channel&gt;');
      expect(message.text).to.include('<tel:+12125551212|+1 212 555 1212>');
    });

    it('a blocks template inserting a field inside a JSON string without | json cannot add blocks or buttons', async () => {
      const blocks = '[{"type": "section", "text": {"type": "mrkdwn", "text": "Missed call from {{ from.name }} ({{ callId }})"}}]';
      const event = hostile();
      const message = await deliver(sink({ blocks }), event);
      expect(message.blocks).to.have.length(1);
      expect(JSON.stringify(message.blocks)).to.not.include('"url"');
      expect((message.blocks![0] as { text: { text: string } }).text.text).to.equal(`Missed call from ${escapeMrkdwn(event.from!.name!)} (${escapeMrkdwn(EVIL_CALL_ID)})`);
      expectNoInjection(message);
    });

    it('a blocks template with | json renders the same values, once', async () => {
      const blocks = '[{"type": "section", "text": {"type": "mrkdwn", "text": {{ from.name | prepend: "From " | json }}}}]';
      const event = hostile();
      const message = await deliver(sink({ blocks }), event);
      expect((message.blocks![0] as { text: { text: string } }).text.text).to.equal(`From ${escapeMrkdwn(event.from!.name!)}`);
    });
  });

  describe('linkUrl', () => {
    it('accepts http(s) URLs only, without |, <, >, white space or controls', () => {
      expect(linkUrl('https://pbx.example.com/r/1.wav')).to.equal('https://pbx.example.com/r/1.wav');
      expect(linkUrl('HTTP://pbx.example.com/r?a=1&b=2')).to.equal('HTTP://pbx.example.com/r?a=1&amp;b=2');
      for (const bad of [EVIL_RECORDING, 'https://a.example/x y', 'https://a.example/\nx', 'javascript:alert(1)', 'ftp://a.example/x', 'https://', '//evil.example/x', 'https://a.example/<x', 'https://a.example/\u202ex']) {
        expect(linkUrl(bad), bad).to.equal(undefined);
      }
    });
  });
});
