import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import type { CallEvent, KeyValueStore, Transform } from '@callrelay/core';
import { HubSpotEmulator, MemoryKeyValueStore, sampleEvent, testContext } from '@callrelay/testkit';
import { definitions, hubspotContact } from '../src/index.js';

const SEARCH = '/crm/v3/objects/contacts/search';

describe('hubspot-contact transform', function () {
  this.timeout(10_000);
  const hubspot = new HubSpotEmulator();
  let state: KeyValueStore;
  const warnings: string[] = [];
  const transform = (config: Record<string, unknown> = {}): Transform => hubspotContact.create(hubspotContact.config.parse({
    accessToken: HubSpotEmulator.DEFAULT_TOKEN, baseUrl: hubspot.url, portalId: '777', ...config,
  }), testContext({ state, logger: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line).msg as string); } }) })) as Transform;
  const searches = () => hubspot.requests.filter((r) => r.path === SEARCH).length;
  const apply = async (t: Transform, event: CallEvent) => (await t.apply(event))!;

  before(async () => { await hubspot.start(); });
  after(async () => { await hubspot.stop(); });
  beforeEach(() => {
    hubspot.reset();
    hubspot.clearObjects();
    state = new MemoryKeyValueStore();
    warnings.length = 0;
  });

  it('is shipped beside the sink: the package lists both connectors', () => {
    expect(definitions.map((d) => `${d.kind}:${d.type}`)).to.deep.equal(['sink:hubspot', 'transform:hubspot-contact']);
  });

  it('finds a contact stored with the number as the platform sent it, names and links it', async () => {
    const contact = hubspot.seedContact({ firstname: 'Jane', lastname: 'Doe', phone: '(212) 555-1212' });
    const event = await apply(transform(), sampleEvent());
    expect(event.caller).to.deep.equal({ name: 'Jane Doe', contactId: contact.id, contactUrl: `https://app.hubspot.com/contacts/777/record/0-1/${contact.id}`, contactSource: 'hubspot' });
  });

  it('looks up the called party of an outbound call, and keeps what caller already holds', async () => {
    hubspot.seedContact({ firstname: 'Out', phone: '+14155550177' });
    const event = await apply(transform({ portalId: undefined }), sampleEvent({ direction: 'outbound', to: { raw: '+14155550177', e164: '+14155550177' }, caller: { callsToday: 2 } }));
    expect(event.caller).to.deep.include({ callsToday: 2, name: 'Out', contactSource: 'hubspot' });
    expect(event.caller?.contactUrl).to.equal(undefined);
  });

  it('caches contacts found and numbers without one: the next call of the number asks HubSpot nothing', async () => {
    hubspot.seedContact({ firstname: 'Jane', phone: '+12125551212' });
    const t = transform();
    await apply(t, sampleEvent());
    await apply(t, sampleEvent({ from: { raw: '+12125550000', e164: '+12125550000' } }));
    const asked = searches();
    expect(asked).to.equal(2);
    expect((await apply(t, sampleEvent())).caller?.name).to.equal('Jane');
    expect((await apply(t, sampleEvent({ from: { raw: '+12125550000', e164: '+12125550000' } }))).caller).to.equal(undefined);
    expect(searches()).to.equal(asked);
  });

  it('one lookup for many events of a number at once (a batch routed side by side)', async () => {
    hubspot.seedContact({ firstname: 'Jane', phone: '+12125551212' });
    const t = transform();
    const events = await Promise.all([1, 2, 3].map(() => apply(t, sampleEvent())));
    expect(events.map((e) => e.caller?.name)).to.deep.equal(['Jane', 'Jane', 'Jane']);
    expect(searches()).to.equal(1);
  });

  it('never fails the event: a refused token or an outage leaves it without a name, with a warning, and is not cached', async () => {
    hubspot.seedContact({ firstname: 'Jane', phone: '+12125551212' });
    const t = transform({ accessToken: 'pat-na1-not-a-valid-token' });
    expect((await apply(t, sampleEvent())).caller).to.equal(undefined);
    expect(warnings.join('\n')).to.match(/looking up the caller in HubSpot: failed/);
    hubspot.failNext(1, { status: 503 });
    const ok = transform();
    expect((await apply(ok, sampleEvent())).caller).to.equal(undefined);
    expect((await apply(ok, sampleEvent())).caller?.name).to.equal('Jane');
  });

  it('gives up after timeoutMs, and caches the late answer for the next call', async () => {
    hubspot.seedContact({ firstname: 'Late', phone: '+12125551212' });
    hubspot.slowNext(1, 400, { match: `POST ${SEARCH}` });
    const t = transform({ timeoutMs: 50 });
    expect((await apply(t, sampleEvent())).caller).to.equal(undefined);
    expect(hubspot.waitingRequests).to.equal(1);
    expect(warnings.join('\n')).to.match(/no answer within timeoutMs/);
    // The late answer lands in the cache once HubSpot gives it.
    const event = await (async () => {
      for (;;) {
        if (hubspot.waitingRequests === 0 && (await state.get('contact/+12125551212'))) return apply(t, sampleEvent());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    expect(event.caller?.name).to.equal('Late');
    expect(searches()).to.equal(1);
  });

  it('leaves events without a customer number alone (an extension, no number)', async () => {
    const t = transform();
    expect((await apply(t, sampleEvent({ from: { raw: '101', extension: '101' } }))).caller).to.equal(undefined);
    expect(searches()).to.equal(0);
  });
});
