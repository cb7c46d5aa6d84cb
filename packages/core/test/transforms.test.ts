import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mapTransform, templateTransform } from '@callrelay/core/host';
import { sampleEvent as baseEvent, testContext } from '@callrelay/testkit';

const sampleEvent = () => baseEvent({
  from: { raw: '05552221133', e164: '+15552221133', name: 'Jane Caller' }, agent: { raw: '101', extension: '101' },
  call: { legs: [], rang: ['101', '102'], transfers: 0, recordingUrls: [], eventCount: 1 }, raw: { sample: true },
});

describe('built-in transforms', () => {
  it('map copies, renames, sets and removes dotted fields', async () => {
    const t = await mapTransform.create(mapTransform.config.parse({
      copy: { 'details.caller': 'from.e164' }, rename: { 'agent.extension': 'details.ext' }, set: { 'details.team': 'support' }, remove: ['raw'],
    }), testContext());
    const out = (await t.apply(sampleEvent()))!;
    expect(out.details).to.deep.equal({ caller: '+15552221133', ext: '101', team: 'support' });
    expect(out.agent?.extension).to.equal(undefined);
    expect('raw' in out).to.equal(false);
  });

  it('template renders Liquid into fields, with the event in scope', async () => {
    const t = await templateTransform.create(templateTransform.config.parse({
      fields: { 'details.text': 'Missed call from {{ from.e164 }} ({{ from.name | upcase }}) for {{ agent.extension | default: "main" }}, rang {{ call.rang | join: ", " }}' },
    }), testContext());
    const out = (await t.apply(sampleEvent()))!;
    expect(out.details?.text).to.equal('Missed call from +15552221133 (JANE CALLER) for 101, rang 101, 102');
  });

  it('template refuses an unknown filter when created, not at delivery time', async () => {
    let error: unknown;
    try {
      await templateTransform.create(templateTransform.config.parse({ fields: { x: '{{ from.e164 | nosuchfilter }}' } }), testContext());
    } catch (err) { error = err; }
    expect(String(error)).to.match(/nosuchfilter/);
  });
});
