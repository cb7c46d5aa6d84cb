import { describe, it } from 'mocha';
import { expect } from 'chai';
import type { CallEvent } from '@callrelay/core';
import { ChannelTemplate, MessageRenderer } from '@callrelay/sink-slack';

function missed(id: string, startedAt: string, name: string, extra: Partial<CallEvent> = {}): CallEvent {
  return {
    id, source: 'pbx', platform: 'jambonz', callId: id, type: 'missed', direction: 'inbound',
    from: { raw: '+12125550100', e164: '+12125550100', name }, to: { raw: '+12125550199', e164: '+12125550199' },
    occurredAt: startedAt, receivedAt: startedAt, startedAt, raw: {}, ...extra,
  };
}

function digestOf(events: CallEvent[]): CallEvent {
  return {
    id: 'digest-1', callId: 'digest-1', source: 'pbx', platform: 'jambonz', type: 'missed', direction: 'inbound',
    occurredAt: '2026-03-03T07:30:00.000Z', receivedAt: '2026-03-03T07:30:01.000Z', raw: null, flags: ['digest'],
    digest: { pipeline: 'p', calendar: 'office', opensAt: '2026-03-03T07:30:00.000Z', count: events.length, events },
  };
}

describe('slack sink: digests', () => {
  it('lists one escaped line per call under a header', async () => {
    const renderer = new MessageRenderer({ timeZone: 'Europe/Berlin' });
    const message = await renderer.render(digestOf([
      missed('a', '2026-03-02T21:14:00Z', '<@U123> & @here'),
      missed('b', '2026-03-02T23:40:00Z', 'Bob', { route: { table: 't', matched: true, team: '<#C1>' } }),
    ]));
    expect(message.text.split('\n')).to.have.length(3);
    expect(message.text).to.include('&lt;@U123&gt; &amp; @\u2060here').and.not.include('<@U123>');
    expect(message.text).to.include('team &lt;#C1&gt;');
    expect(message.blocks?.[0]).to.deep.equal({ type: 'header', text: { type: 'plain_text', text: '2 missed calls while office was closed', emoji: true } });
    expect(message.blocks?.[1]).to.deep.include({ type: 'section' });
  });

  it('packs a long digest into sections within Slack\'s limits and says how many calls it leaves out', async () => {
    const renderer = new MessageRenderer({ timeZone: 'UTC' });
    const events = Array.from({ length: 3000 }, (_, i) => missed(`c${i}`, '2026-03-02T21:14:00Z', 'x'.repeat(40)));
    const message = await renderer.render(digestOf(events));
    expect(message.blocks!.length).to.be.at.most(50);
    for (const block of message.blocks!.filter((b) => b.type === 'section')) expect((block.text as { text: string }).text.length).to.be.at.most(3000);
    expect(JSON.stringify(message.blocks!.at(-1))).to.match(/and \d+ more/);
    expect(message.text.length).to.be.at.most(40_000);
  });
});

describe('slack sink: channel from a template', () => {
  it('renders the channel from the event, and refuses what is not a channel', async () => {
    const channel = new ChannelTemplate('{{ route.slackChannel | default: "C0ALERTS01" }}');
    expect(channel.isTemplate).to.equal(true);
    expect(await channel.render(missed('a', '2026-03-02T21:14:00Z', 'A', { route: { table: 't', matched: true, slackChannel: 'C0SALES001' } }))).to.equal('C0SALES001');
    expect(await channel.render(missed('a', '2026-03-02T21:14:00Z', 'A'))).to.equal('C0ALERTS01');
    const forged = missed('a', '2026-03-02T21:14:00Z', 'A', { route: { table: 't', matched: true, slackChannel: 'C1&text=<!channel>' } });
    const error = await channel.render(forged).then(() => undefined, (err: unknown) => err);
    expect(error).to.include({ code: 'DELIVERY_PERMANENT' });
    expect(new ChannelTemplate('#alerts').isTemplate).to.equal(false);
  });
});
