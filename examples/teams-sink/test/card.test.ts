import { describe, it } from 'mocha';
import { expect } from 'chai';
import { sampleEvent } from '@callrelay/testkit';
import { callBackUri, escapeMarkdown, teamsMessage, type AdaptiveCard } from '../src/index.js';
import { invalidMessage } from './teams-emulator.js';

const options = { title: 'Missed call', timeZone: 'America/New_York' };
const cardOf = (overrides: Parameters<typeof sampleEvent>[0] = {}, opts = options): AdaptiveCard => teamsMessage(sampleEvent(overrides), opts).attachments[0].content;
/** Every text a person sees on the card: TextBlocks, facts, action titles. */
const texts = (card: AdaptiveCard): string[] => card.body.flatMap((element) => {
  if (element.type === 'TextBlock') return [element.text as string];
  if (element.type === 'FactSet') return (element.facts as { title: string; value: string }[]).flatMap((f) => [f.title, f.value]);
  return [];
}).concat((card.actions ?? []).map((a) => a.title as string));
/** Every URL on the card. */
const urls = (card: AdaptiveCard): string[] => (card.actions ?? []).map((a) => a.url as string);

describe('the Adaptive Card of a missed call', () => {
  it('has the title, caller name and number, called number, agent, ring time, local time and a tel: call-back button', () => {
    const card = cardOf({ startedAt: '2026-01-05T15:00:00.000Z', ringSeconds: 18 });
    expect(card.type).to.equal('AdaptiveCard');
    expect(card.version).to.equal('1.4');
    expect(texts(card)).to.deep.equal([
      'Missed call',
      'Jane Caller · +1 212 555 1212',
      'Caller', 'Jane Caller · +1 212 555 1212',
      'Called', '+1 415 555 0100',
      'Agent', 'Front desk (102)',
      'Rang', '101, 102',
      'Ring time', '18 s',
      'Time', 'Mon 5 Jan 2026, 10:00 (America/New_York)',
      'Call back',
    ]);
    expect(card.actions).to.deep.equal([{ type: 'Action.OpenUrl', title: 'Call back', url: 'tel:+12125551212' }]);
    expect(card.fallbackText).to.equal('Missed call: Jane Caller · +1 212 555 1212, Mon 5 Jan 2026, 10:00 (America/New_York)');
    expect(invalidMessage(JSON.stringify(teamsMessage(sampleEvent(), options)))).to.equal(undefined);
  });

  it('shows the time in the configured zone (Europe/Berlin, across the date line in Tokyo)', () => {
    const at = { startedAt: '2026-07-01T22:30:00.000Z' };
    expect(texts(cardOf(at, { ...options, timeZone: 'Europe/Berlin' }))).to.include('Thu 2 Jul 2026, 00:30 (Europe/Berlin)');
    expect(texts(cardOf(at, { ...options, timeZone: 'Asia/Tokyo' }))).to.include('Thu 2 Jul 2026, 07:30 (Asia/Tokyo)');
    expect(texts(cardOf(at, { ...options, timeZone: 'UTC' }))).to.include('Wed 1 Jul 2026, 22:30 (UTC)');
  });

  it('escapes Markdown in a hostile caller name: no link, bold, list, heading, HTML or entity forms', () => {
    const name = '[Click me](https://evil.example/x) **URGENT** _it_ `code` <b>hi</b> &amp; # title';
    const card = cardOf({ from: { raw: '+12125551212', e164: '+12125551212', name } });
    const caller = texts(card)[1]!;
    expect(caller).to.equal(
      '\\[Click me\\]\\(https://evil.example/x\\) \\*\\*URGENT\\*\\* \\_it\\_ \\`code\\` \\<b\\>hi\\</b\\> \\&amp; \\# title · +1 212 555 1212',
    );
    expect(urls(card)).to.deep.equal(['tel:+12125551212']);
  });

  it('a name cannot start a list or heading, break the line, or hide text with bidirectional overrides', () => {
    expect(escapeMarkdown('- item')).to.equal('\\- item');
    expect(escapeMarkdown('1. first')).to.equal('1\\. first');
    expect(escapeMarkdown('+ plus')).to.equal('\\+ plus');
    expect(escapeMarkdown('Jane\n\n# Heading\n- list')).to.equal('Jane \\# Heading - list');
    expect(escapeMarkdown('+12125551212'), 'a number is no list item').to.equal('+12125551212');
    expect(escapeMarkdown('abc\u202Egpj.exe')).to.equal('abc gpj.exe');
    expect(escapeMarkdown('x'.repeat(500))).to.have.length(200);
  });

  it('a raw number that is not E.164 is shown escaped and gets no call-back button; no webhook value reaches a URL', () => {
    const hostile = 'javascript:alert(1)//[x](http://evil)';
    const card = cardOf({ from: { raw: hostile, name: 'Eve' } });
    expect(card.actions).to.equal(undefined);
    expect(texts(card)[1]).to.equal('Eve · javascript:alert\\(1\\)//\\[x\\]\\(http://evil\\)');
    expect(callBackUri({ raw: '+1 212 555 1212', e164: 'tel:+1212;evil' })).to.equal(undefined);
    expect(callBackUri({ raw: '102', e164: '+12125551212', extension: '102' }), 'an extension is not called back by tel:').to.equal(undefined);
    expect(callBackUri({ raw: '+12125551212', e164: '+12125551212' })).to.equal('tel:+12125551212');
  });

  it('calls back the called party of an outbound call; an unknown caller says so', () => {
    expect(urls(cardOf({ direction: 'outbound' }))).to.deep.equal(['tel:+14155550100']);
    expect(texts(cardOf({ from: undefined }))[1]).to.equal('Unknown caller');
  });

  it('other events get a one-line card, escaped the same way', () => {
    const card = cardOf({ type: 'completed', from: { raw: '+12125551212', e164: '+12125551212', name: '**Boss**' }, occurredAt: '2026-01-05T15:00:00.000Z' });
    expect(texts(card)).to.deep.equal(['Call completed', '\\*\\*Boss\\*\\* · +1 212 555 1212 → +1 415 555 0100 · Mon 5 Jan 2026, 10:00 (America/New_York)']);
    expect(card.actions).to.equal(undefined);
  });
});
