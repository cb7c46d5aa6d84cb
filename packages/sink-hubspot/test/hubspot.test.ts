import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { settleDelivery, type CallEvent, type DeliveryContext, type DeliveryOutcome, type KeyValueStore } from '@callrelay/core';
import { HubSpotEmulator, MemoryKeyValueStore, runSinkContract, sampleEvent, testContext, type DestinationBehaviour } from '@callrelay/testkit';
import hubspot, { HubSpotSink, hubspotConfig } from '../src/index.js';

const TOKEN = HubSpotEmulator.DEFAULT_TOKEN;
let deliveries = 0;
const delivery = (overrides: Partial<DeliveryContext> = {}): DeliveryContext => ({
  deliveryId: `hubspot-test/${++deliveries}`, attempt: 1, pipeline: 'test', signal: new AbortController().signal, ...overrides,
});
const reasonOf = (outcome: DeliveryOutcome) => ('reason' in outcome ? outcome.reason : '');

describe('hubspot sink', function () {
  this.timeout(10_000);
  const emulator = new HubSpotEmulator({ customCallProperties: ['callrelay_event_id'] });
  let state: KeyValueStore;

  const sink = (config: Record<string, unknown> = {}, store: KeyValueStore = state) =>
    hubspot.create(hubspotConfig.parse({ accessToken: TOKEN, baseUrl: emulator.url, ...config }), testContext({ state: store })) as HubSpotSink;
  const deliver = (target: HubSpotSink, event: CallEvent, ctx: DeliveryContext = delivery()) => settleDelivery(() => target.deliver(event, ctx));
  const callOf = (event: CallEvent) => emulator.calls.find((c) => c.properties.hs_call_body?.includes(`event ${event.id}.`));

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => {
    emulator.reset();
    emulator.clearObjects();
    state = new MemoryKeyValueStore();
  });

  // The contract every sink honours, as a plugin author would run it.
  const contractEmulator = new HubSpotEmulator();
  runSinkContract('hubspot', {
    async create() {
      await contractEmulator.start();
      return hubspot.create(hubspotConfig.parse({ accessToken: TOKEN, baseUrl: contractEmulator.url }), testContext());
    },
    setBehaviour(behaviour: DestinationBehaviour) {
      contractEmulator.clearFailures();
      const always = 1_000_000;
      if (behaviour === 'retryable') contractEmulator.failNext(always, { status: 503 });
      else if (behaviour === 'permanent') contractEmulator.failNext(always, { status: 401 });
      else if (typeof behaviour === 'object' && 'acceptFirst' in behaviour) contractEmulator.acceptCallsThenFail(behaviour.acceptFirst);
      else if (typeof behaviour === 'object') contractEmulator.failNext(always, { status: 429, retryAfterSec: behaviour.retryAfterSec });
    },
    received: () => contractEmulator.calls.length,
    cleanup: () => contractEmulator.stop(),
  });

  describe('the call it logs', () => {
    it('records a missed call: time, direction, status, numbers, duration, title and notes in the configured zone', async () => {
      const event = sampleEvent({ startedAt: '2026-11-24T14:03:05.000Z' });
      const outcome = await deliver(sink({ timeZone: 'America/Chicago' }), event);
      expect(outcome.status, reasonOf(outcome)).to.equal('delivered');
      const call = callOf(event)!;
      expect(call.properties).to.include({
        hs_timestamp: '2026-11-24T14:03:05.000Z',
        hs_call_direction: 'INBOUND',
        hs_call_status: 'NO_ANSWER',
        hs_call_from_number: '+12125551212',
        hs_call_to_number: '+14155550100',
        hs_call_duration: '0',
        hs_call_title: 'Missed call from Jane Caller (+12125551212)',
      });
      expect(call.properties.hs_call_body).to.include('<li>Rang: 101, 102</li>');
      expect(call.properties.hs_call_body).to.include('<li>When: Tue 24 Nov 2026, 08:03 (America/Chicago)</li>');
      expect(call.properties).to.not.have.property('hs_call_recording_url');
    });

    it('records a completed call: COMPLETED, talk time in milliseconds, the https recording', async () => {
      const event = sampleEvent({ type: 'completed', outcome: 'answered', talkSeconds: 125, recordingUrl: 'https://pbx.example.com/rec/1.wav' });
      await deliver(sink(), event);
      expect(callOf(event)!.properties).to.include({ hs_call_status: 'COMPLETED', hs_call_duration: '125000', hs_call_recording_url: 'https://pbx.example.com/rec/1.wav', hs_call_title: 'Inbound call from Jane Caller (+12125551212)' });
    });

    it('leaves out a recording URL HubSpot would refuse (not https)', async () => {
      const event = sampleEvent({ type: 'completed', talkSeconds: 5, recordingUrl: 'http://pbx.example.com/rec/1.wav' });
      expect((await deliver(sink(), event)).status).to.equal('delivered');
      expect(callOf(event)!.properties).to.not.have.property('hs_call_recording_url');
    });

    it('assigns the owner a routing table row names, and no one when the template renders something else', async () => {
      const routed = sampleEvent({ route: { table: 'teams', matched: true, hubspotOwner: '31415926' } });
      expect((await deliver(sink({ owner: '{{ route.hubspotOwner }}' }), routed)).status).to.equal('delivered');
      expect(callOf(routed)!.properties.hubspot_owner_id).to.equal('31415926');
      // A value from the webhook (the caller's name) is not an owner id: logged unassigned, not refused.
      const forged = sampleEvent({ from: { raw: '+12125551212', name: '1 OR 1=1' } });
      expect((await deliver(sink({ owner: '{{ from.name }}' }), forged)).status).to.equal('delivered');
      expect(callOf(forged)!.properties).to.not.have.property('hubspot_owner_id');
    });

    it('renders configured title and notes templates', async () => {
      const event = sampleEvent({ type: 'completed', talkSeconds: 61, agent: { raw: '102', extension: '102', name: 'Front desk' } });
      await deliver(sink({ title: '{{ display.title }} via {{ platform }}', body: '<b>{{ display.agent | escape }}</b> {{ display.talkDuration }} {{ id }}' }), event);
      const call = emulator.calls.at(-1)!;
      expect(call.properties.hs_call_title).to.equal('Inbound call via 3cx');
      expect(call.properties.hs_call_body).to.equal(`<b>Front desk (102)</b> 1 min 01 s ${event.id}`);
    });

    it('maps each way a call can end to a HubSpot status', async () => {
      const target = sink();
      const cases: [Partial<CallEvent>, string][] = [
        [{ type: 'missed', outcome: 'busy' }, 'BUSY'],
        [{ type: 'ended', outcome: 'canceled' }, 'CANCELED'],
        [{ type: 'ended', outcome: 'failed' }, 'FAILED'],
        [{ type: 'ringing', outcome: undefined }, 'RINGING'],
        [{ type: 'completed', direction: 'outbound', from: { raw: '102', extension: '102' }, to: { raw: '+12125551212', e164: '+12125551212' } }, 'COMPLETED'],
      ];
      for (const [overrides, status] of cases) {
        const event = sampleEvent(overrides);
        expect((await deliver(target, event)).status).to.equal('delivered');
        expect(callOf(event)!.properties.hs_call_status, JSON.stringify(overrides)).to.equal(status);
      }
      expect(emulator.calls.at(-1)!.properties.hs_call_direction).to.equal('OUTBOUND');
    });
  });

  describe('contacts', () => {
    it("associates the call with the contact whose phone is the caller's E.164 number", async () => {
      const contact = emulator.seedContact({ firstname: 'Jane', phone: '+12125551212' });
      const event = sampleEvent();
      const outcome = await deliver(sink(), event);
      expect(outcome).to.deep.include({ status: 'delivered' });
      expect(callOf(event)!.contactIds).to.deep.equal([contact.id]);
    });

    it('finds a contact that stores the number as the platform sent it, in mobilephone, with one search', async () => {
      const contact = emulator.seedContact({ firstname: 'Jane', mobilephone: '(212) 555-1212' });
      emulator.seedContact({ firstname: 'Other', phone: '+13125550000' });
      const event = sampleEvent();
      await deliver(sink(), event);
      expect(callOf(event)!.contactIds).to.deep.equal([contact.id]);
      const searches = emulator.requests.filter((r) => r.path === '/crm/v3/objects/contacts/search');
      expect(searches).to.have.length(1);
      const groups = (searches[0]!.body as { filterGroups: { filters: { propertyName: string; value: string }[] }[] }).filterGroups;
      expect(groups.map((g) => `${g.filters[0]!.propertyName}=${g.filters[0]!.value}`)).to.deep.equal([
        'phone=+12125551212', 'phone=(212) 555-1212', 'mobilephone=+12125551212', 'mobilephone=(212) 555-1212',
      ]);
    });

    it('matches the called party of an outbound call', async () => {
      const contact = emulator.seedContact({ phone: '+442071838750' });
      const event = sampleEvent({ type: 'completed', direction: 'outbound', from: { raw: '102', extension: '102' }, to: { raw: '00442071838750', e164: '+442071838750' } });
      await deliver(sink(), event);
      expect(callOf(event)!.contactIds).to.deep.equal([contact.id]);
    });

    it('logs the call without a contact when none has the number and createContact is off', async () => {
      const event = sampleEvent();
      const outcome = await deliver(sink(), event);
      expect(outcome.status === 'delivered' && outcome.detail).to.match(/no contact with this number$/);
      expect(callOf(event)!.contactIds).to.deep.equal([]);
      expect(emulator.contacts).to.have.length(0);
    });

    it('creates the contact (number, names from the caller ID) with createContact, once across retries', async () => {
      const target = sink({ createContact: true });
      const event = sampleEvent();
      const ctx = delivery();
      emulator.failNext(1, { status: 502 }, { match: 'POST /crm/v3/objects/calls' });
      const first = await deliver(target, event, ctx);
      expect(first.status, 'the call creation failed after the contact was created').to.equal('retry');
      expect((await deliver(target, event, { ...ctx, attempt: 2 })).status).to.equal('delivered');
      expect(emulator.contacts).to.have.length(1);
      expect(emulator.contacts[0]!.properties).to.include({ phone: '+12125551212', firstname: 'Jane', lastname: 'Caller' });
      expect(callOf(event)!.contactIds).to.deep.equal([emulator.contacts[0]!.id]);
    });

    it('does not create a contact for an internal call or an anonymous caller', async () => {
      const target = sink({ createContact: true });
      await deliver(target, sampleEvent({ direction: 'internal', from: { raw: '101', extension: '101' }, to: { raw: '102', extension: '102' } }));
      await deliver(target, sampleEvent({ from: { raw: 'anonymous' } }));
      expect(emulator.calls).to.have.length(2);
      expect(emulator.contacts).to.have.length(0);
    });
  });

  describe('redelivery', () => {
    it('does not log a second call when the same event is delivered again', async () => {
      const target = sink();
      const event = sampleEvent();
      expect((await deliver(target, event)).status).to.equal('delivered');
      const again = await deliver(target, event);
      expect(again.status === 'delivered' && again.detail).to.match(/^already logged as call \d+$/);
      expect(emulator.calls).to.have.length(1);
    });

    it('with idempotencyProperty, finds the call in HubSpot even when the sink state was lost', async () => {
      const event = sampleEvent();
      expect((await deliver(sink({ idempotencyProperty: 'callrelay_event_id' }), event)).status).to.equal('delivered');
      expect(emulator.calls[0]!.properties.callrelay_event_id).to.equal(event.id);
      const afresh = sink({ idempotencyProperty: 'callrelay_event_id' }, new MemoryKeyValueStore());
      const again = await deliver(afresh, event);
      expect(again.status === 'delivered' && again.detail).to.match(/found by callrelay_event_id/);
      expect(emulator.calls).to.have.length(1);
    });

    it('fails permanently, naming the property, when idempotencyProperty does not exist in the portal', async () => {
      const outcome = await deliver(sink({ idempotencyProperty: 'not_created_yet' }), sampleEvent());
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/^creating the HubSpot call: HubSpot answered 400 VALIDATION_ERROR: .*Property \\"not_created_yet\\" does not exist/);
    });
  });

  describe('errors', () => {
    it('fails permanently on 401, and succeeds on a replay once the token is valid', async () => {
      const token = 'pat-na1-rotated';
      const target = sink({ accessToken: token });
      const event = sampleEvent();
      const outcome = await deliver(target, event);
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/^searching HubSpot contacts by phone: HubSpot answered 401 INVALID_AUTHENTICATION: .* \(the access token is not valid: check accessToken\)$/);
      emulator.allowToken(token);
      try {
        expect((await deliver(target, event, delivery())).status).to.equal('delivered');
        expect(emulator.calls).to.have.length(1);
      } finally {
        emulator.revokeToken(token);
      }
    });

    it('fails permanently on 403, naming the missing scope', async () => {
      const token = 'pat-na1-read-only';
      emulator.allowToken(token, ['crm.objects.contacts.read']);
      try {
        const outcome = await deliver(sink({ accessToken: token }), sampleEvent());
        expect(outcome.status).to.equal('failed');
        expect(reasonOf(outcome)).to.match(/^creating the HubSpot call: HubSpot answered 403 MISSING_SCOPES: .*\(grant the private app the scope crm\.objects\.contacts\.write\)$/);
      } finally {
        emulator.revokeToken(token);
      }
    });

    it('waits the rolling interval on a TEN_SECONDLY_ROLLING 429, without spending an attempt', async () => {
      emulator.failNext(1, { status: 429, policy: 'TEN_SECONDLY_ROLLING' });
      const outcome = await deliver(sink(), sampleEvent());
      expect(outcome).to.deep.include({ status: 'retry', retryAfterMs: 10_000, countsAsAttempt: false });
      expect(reasonOf(outcome)).to.equal('searching HubSpot contacts by phone: HubSpot answered 429 RATE_LIMIT: You have reached your ten_secondly_rolling limit. (TEN_SECONDLY_ROLLING)');
    });

    it('waits a second on a SECONDLY 429, and what Retry-After asks when HubSpot sends it', async () => {
      emulator.failNext(1, { status: 429, policy: 'SECONDLY' });
      expect(await deliver(sink(), sampleEvent())).to.deep.include({ status: 'retry', retryAfterMs: 1000, countsAsAttempt: false });
      emulator.failNext(1, { status: 429, retryAfterSec: 7 });
      expect(await deliver(sink(), sampleEvent())).to.deep.include({ status: 'retry', retryAfterMs: 7000, countsAsAttempt: false });
    });

    it("retries when the portal's burst limit is used up, waiting the interval HubSpot names", async () => {
      const limited = new HubSpotEmulator({ rateLimit: { max: 3, intervalMs: 60_000 } });
      await limited.start();
      try {
        const target = hubspot.create(hubspotConfig.parse({ accessToken: TOKEN, baseUrl: limited.url }), testContext()) as HubSpotSink;
        expect((await settleDelivery(() => target.deliver(sampleEvent(), delivery()))).status).to.equal('delivered');
        const limitedOutcome = await settleDelivery(() => target.deliver(sampleEvent(), delivery()));
        expect(limitedOutcome).to.deep.include({ status: 'retry', retryAfterMs: 60_000, countsAsAttempt: false });
        expect(limited.calls).to.have.length(1);
      } finally {
        await limited.stop();
      }
    });

    it('retries a 5xx, honouring Retry-After', async () => {
      emulator.failNext(1, { status: 503, retryAfterSec: 2 }, { match: 'POST /crm/v3/objects/calls' });
      const outcome = await deliver(sink(), sampleEvent());
      expect(outcome).to.deep.include({ status: 'retry', retryAfterMs: 2000 });
      expect(reasonOf(outcome)).to.match(/^creating the HubSpot call: HubSpot answered 503 INTERNAL_ERROR/);
      expect(emulator.calls).to.have.length(0);
    });

    it('retries when HubSpot cannot be reached', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const outcome = await deliver(sink({ baseUrl: `http://127.0.0.1:${port}` }), sampleEvent());
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.match(/^searching HubSpot contacts by phone: .*ECONNREFUSED/);
    });

    it('fails permanently when a template cannot render', async () => {
      const outcome = await deliver(sink({ title: '{% include "no-such-partial" %}' }), sampleEvent());
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/^rendering the title template: /);
      expect(emulator.requests).to.have.length(0);
    });
  });
});
