import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import { settleDelivery, type BatchDelivery, type CallEvent, type DeliveryOutcome, type KeyValueStore } from '@callrelay/core';
import { HubSpotEmulator, MemoryKeyValueStore, sampleEvent, testContext, type HubSpotRequestRecord } from '@callrelay/testkit';
import hubspot, { HubSpotSink, hubspotConfig, sameNumber, anyOf } from '../src/index.js';

const TOKEN = HubSpotEmulator.DEFAULT_TOKEN;
const SEARCH_CONTACTS = '/crm/v3/objects/contacts/search';
const SEARCH_CALLS = '/crm/v3/objects/calls/search';
const BATCH_CALLS = '/crm/v3/objects/calls/batch/create';
const BATCH_CONTACTS = '/crm/v3/objects/contacts/batch/create';
const CREATE_CALL = '/crm/v3/objects/calls';

let deliveries = 0;
const batchOf = (events: CallEvent[], attempt = 1): BatchDelivery[] =>
  events.map((event) => ({ event, deliveryId: `hubspot-batch/${++deliveries}`, attempt, pipeline: 'test' }));
const reasonOf = (outcome: DeliveryOutcome) => ('reason' in outcome ? outcome.reason : '');
const statuses = (outcomes: readonly DeliveryOutcome[]) => outcomes.map((o) => o.status);

/** A missed call from its own number: `+1212555` and four digits, sent by the platform as `(212) 555-xxxx`. */
const callFrom = (n: number, overrides: Partial<CallEvent> = {}): CallEvent => {
  const line = String(1000 + n);
  return sampleEvent({ from: { raw: `(212) 555-${line}`, e164: `+1212555${line}`, name: `Caller ${n}` }, ...overrides });
};

describe('hubspot sink: batches (issue 11)', function () {
  this.timeout(20_000);
  const emulator = new HubSpotEmulator({ customCallProperties: ['callrelay_event_id'], rateLimit: false });
  let state: KeyValueStore;

  const sink = (config: Record<string, unknown> = {}, store: KeyValueStore = state, target = emulator) =>
    hubspot.create(hubspotConfig.parse({ accessToken: TOKEN, baseUrl: target.url, ...config }), testContext({ state: store })) as HubSpotSink;
  const deliverBatch = async (target: HubSpotSink, items: BatchDelivery[]): Promise<DeliveryOutcome[]> => {
    const outcomes = await target.deliverBatch(items, { signal: new AbortController().signal });
    expect(outcomes, 'one outcome per item').to.have.length(items.length);
    return outcomes;
  };
  const requestsTo = (path: string, records: HubSpotRequestRecord[] = emulator.requests) => records.filter((r) => r.method === 'POST' && r.path === path);
  const callOf = (event: CallEvent, target = emulator) => target.calls.find((c) => c.properties.hs_call_body?.includes(`event ${event.id}.`));

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => {
    emulator.reset();
    emulator.clearObjects();
    state = new MemoryKeyValueStore();
  });

  describe('requests', () => {
    it('logs a batch of calls with one batch create, each call with its own contact, whatever order HubSpot answers in', async () => {
      const events = Array.from({ length: 10 }, (_, n) => callFrom(n));
      const contacts = new Map(events.filter((_, n) => n % 2 === 0).map((e) => [e.id, emulator.seedContact({ phone: e.from!.e164! })]));
      const outcomes = await deliverBatch(sink(), batchOf(events));
      expect(statuses(outcomes)).to.deep.equal(events.map(() => 'delivered'));

      const creates = requestsTo(BATCH_CALLS);
      expect(creates, 'one batch create').to.have.length(1);
      expect((creates[0]!.body as { inputs: unknown[] }).inputs).to.have.length(10);
      expect(requestsTo(CREATE_CALL), 'no single creates').to.have.length(0);
      expect(emulator.calls).to.have.length(10);
      for (const [i, event] of events.entries()) {
        const contact = contacts.get(event.id);
        expect(callOf(event)!.contactIds, `event ${i}`).to.deep.equal(contact ? [contact.id] : []);
        const outcome = outcomes[i]!;
        expect(outcome.status === 'delivered' && outcome.detail).to.equal(`call ${callOf(event)!.id}${contact ? ` associated with contact ${contact.id}` : ', no contact with this number'}`);
      }
    });

    it('finds the contacts of all the numbers with one search (IN filters, lowercase), the oldest contact of a shared number winning', async () => {
      const events = Array.from({ length: 6 }, (_, n) => callFrom(n));
      const older = emulator.seedContact({ firstname: 'Older', mobilephone: '(212) 555-1003' });
      emulator.seedContact({ firstname: 'Newer', phone: '+12125551003' });
      const e164 = emulator.seedContact({ firstname: 'E164', phone: '+12125551005' });
      await deliverBatch(sink(), batchOf(events));

      const searches = requestsTo(SEARCH_CONTACTS);
      expect(searches, 'one contact search for six numbers').to.have.length(1);
      const groups = (searches[0]!.body as { filterGroups: { filters: { propertyName: string; operator: string; values?: string[] }[] }[] }).filterGroups;
      expect(groups.map((g) => `${g.filters[0]!.propertyName} ${g.filters[0]!.operator}`)).to.deep.equal(['phone IN', 'mobilephone IN']);
      expect(groups[0]!.filters[0]!.values).to.include.members(['+12125551000', '(212) 555-1000', '+12125551005']);
      expect(callOf(events[3]!)!.contactIds).to.deep.equal([older.id]);
      expect(callOf(events[5]!)!.contactIds).to.deep.equal([e164.id]);
      expect(callOf(events[0]!)!.contactIds).to.deep.equal([]);
    });

    it('measured: 100 events cost 200 requests one at a time, 4 as a batch (searches split to fit 3,000 characters)', async () => {
      const events = Array.from({ length: 100 }, (_, n) => callFrom(n));
      for (const event of events.filter((_, n) => n % 3 === 0)) emulator.seedContact({ phone: event.from!.e164! });

      const single = sink();
      for (const event of events) expect((await settleDelivery(() => single.deliver(event, { deliveryId: event.id, attempt: 1, pipeline: 'test', signal: new AbortController().signal }))).status).to.equal('delivered');
      const oneAtATime = emulator.requests.length;

      emulator.reset();
      emulator.clearObjects();
      for (const event of events.filter((_, n) => n % 3 === 0)) emulator.seedContact({ phone: event.from!.e164! });
      const outcomes = await deliverBatch(sink({}, new MemoryKeyValueStore()), batchOf(events));
      expect(statuses(outcomes).every((s) => s === 'delivered')).to.equal(true);
      const batched = emulator.requests.length;

      expect(oneAtATime).to.equal(200);
      expect(batched).to.be.at.most(5);
      expect(requestsTo(BATCH_CALLS)).to.have.length(1);
      for (const search of requestsTo(SEARCH_CONTACTS)) expect(JSON.stringify(search.body).length).to.be.at.most(3000);
      expect(emulator.requests.every((r) => r.status < 300), 'HubSpot refused none').to.equal(true);
      expect(emulator.calls.filter((c) => c.contactIds.length === 1)).to.have.length(34);
      console.log(`      100 events: ${oneAtATime} requests one at a time, ${batched} as a batch (${requestsTo(SEARCH_CONTACTS).length} searches, 1 batch create)`);
    });

    it('splits more than 100 calls into batch creates of 100', async () => {
      const events = Array.from({ length: 150 }, (_, n) => callFrom(n % 10));
      const outcomes = await deliverBatch(sink(), batchOf(events));
      expect(statuses(outcomes).every((s) => s === 'delivered')).to.equal(true);
      expect(requestsTo(BATCH_CALLS).map((r) => (r.body as { inputs: unknown[] }).inputs.length)).to.deep.equal([100, 50]);
      expect(emulator.calls).to.have.length(150);
    });

    it('pairs results with events by their properties when HubSpot does not echo objectWriteTraceId', async () => {
      const plain = new HubSpotEmulator({ echoObjectWriteTraceId: false, rateLimit: false });
      await plain.start();
      try {
        const events = Array.from({ length: 5 }, (_, n) => callFrom(n));
        const store = new MemoryKeyValueStore();
        const outcomes = await deliverBatch(sink({ createContact: true }, store, plain), batchOf(events));
        expect(statuses(outcomes)).to.deep.equal(events.map(() => 'delivered'));
        expect(plain.requests.filter((r) => r.path === BATCH_CONTACTS)).to.have.length(1);
        for (const [i, event] of events.entries()) {
          const call = callOf(event, plain)!;
          const contact = plain.contacts.find((c) => c.id === call.contactIds[0]);
          expect(contact?.properties.phone, `the contact of event ${i}`).to.equal(event.from!.e164);
          expect(outcomes[i]!.status === 'delivered' && outcomes[i]!.detail).to.match(new RegExp(`^call ${call.id} `));
        }
      } finally {
        await plain.stop();
      }
    });
  });

  describe('partial failure', () => {
    it('a batch that fails part way: the created calls are delivered, the others retried, and redelivering the whole batch creates each once', async () => {
      const target = sink();
      const events = Array.from({ length: 4 }, (_, n) => callFrom(n));
      emulator.acceptCallsThenFail(2);
      const first = await deliverBatch(target, batchOf(events));
      expect(statuses(first)).to.deep.equal(['delivered', 'delivered', 'retry', 'retry']);
      expect(reasonOf(first[2]!)).to.match(/^creating 4 HubSpot calls: HubSpot refused it: INTERNAL_ERROR/);
      expect(emulator.calls).to.have.length(2);

      emulator.clearFailures();
      const again = await deliverBatch(target, batchOf(events, 2));
      expect(statuses(again)).to.deep.equal(['delivered', 'delivered', 'delivered', 'delivered']);
      expect(again[0]!.status === 'delivered' && again[0]!.detail).to.match(/^already logged as call \d+$/);
      expect(emulator.calls, 'each event once').to.have.length(4);
      expect(events.every((e) => callOf(e) !== undefined)).to.equal(true);
    });

    it('fails only the call HubSpot refuses in a 207 (its remembered contact was deleted), and logs the rest', async () => {
      const events = Array.from({ length: 3 }, (_, n) => callFrom(n));
      // A contact the sink created on an earlier attempt, since deleted (merged) in HubSpot.
      await state.put(`event/${events[1]!.id}`, { createdContactId: '999999' });
      const outcomes = await deliverBatch(sink(), batchOf(events));
      expect(statuses(outcomes)).to.deep.equal(['delivered', 'failed', 'delivered']);
      expect(reasonOf(outcomes[1]!)).to.match(/^creating 3 HubSpot calls: HubSpot refused it: VALIDATION_ERROR: One or more associations are invalid/);
      expect(requestsTo(BATCH_CALLS)).to.have.length(1);
      expect(requestsTo(BATCH_CALLS)[0]!.status).to.equal(207);
      expect(emulator.calls).to.have.length(2);
    });

    it('sends a batch HubSpot refuses whole (400) again one call at a time, so that each call gets its own outcome', async () => {
      const events = Array.from({ length: 3 }, (_, n) => callFrom(n));
      emulator.failNext(1, { status: 400, message: 'Invalid input JSON' }, { match: `POST ${BATCH_CALLS}` });
      const outcomes = await deliverBatch(sink(), batchOf(events));
      expect(statuses(outcomes)).to.deep.equal(['delivered', 'delivered', 'delivered']);
      expect(requestsTo(BATCH_CALLS)).to.have.length(1);
      expect(requestsTo(CREATE_CALL)).to.have.length(3);
      expect(emulator.calls).to.have.length(3);
    });

    it('fails only the event whose template cannot render, and logs the rest', async () => {
      const events = [callFrom(0), callFrom(1, { from: { raw: 'trigger', name: 'X' } }), callFrom(2)];
      const target = sink({ title: '{% if from.raw == "trigger" %}{% include "no-such-partial" %}{% endif %}{{ display.headline }}' });
      const outcomes = await deliverBatch(target, batchOf(events));
      expect(statuses(outcomes)).to.deep.equal(['delivered', 'failed', 'delivered']);
      expect(reasonOf(outcomes[1]!)).to.match(/^rendering the title template: /);
      expect(emulator.calls).to.have.length(2);
    });

    it('retries the whole batch after a 429, waiting what HubSpot says, without spending an attempt', async () => {
      emulator.failNext(1, { status: 429, policy: 'TEN_SECONDLY_ROLLING' }, { match: `POST ${BATCH_CALLS}` });
      const outcomes = await deliverBatch(sink(), batchOf([callFrom(0), callFrom(1)]));
      for (const outcome of outcomes) expect(outcome).to.deep.include({ status: 'retry', retryAfterMs: 10_000, countsAsAttempt: false });
      expect(emulator.calls).to.have.length(0);
    });

    it('fails the whole batch permanently on 401, with the hint', async () => {
      const outcomes = await deliverBatch(sink({ accessToken: 'pat-na1-revoked' }), batchOf([callFrom(0), callFrom(1)]));
      for (const outcome of outcomes) {
        expect(outcome.status).to.equal('failed');
        expect(reasonOf(outcome)).to.match(/^searching HubSpot contacts by phone: HubSpot answered 401 .*\(the access token is not valid: check accessToken\)$/);
      }
    });
  });

  describe('logged once', () => {
    it('delivers two deliveries of one event in a batch (two pipelines) with one call', async () => {
      const event = callFrom(0);
      const outcomes = await deliverBatch(sink(), batchOf([event, event, callFrom(1)]));
      expect(statuses(outcomes)).to.deep.equal(['delivered', 'delivered', 'delivered']);
      expect(emulator.calls).to.have.length(2);
    });

    it('with idempotencyProperty and the sink state lost, finds a redelivered batch\'s calls with one search and creates none', async () => {
      const events = Array.from({ length: 8 }, (_, n) => callFrom(n));
      await deliverBatch(sink({ idempotencyProperty: 'callrelay_event_id' }), batchOf(events));
      expect(emulator.calls).to.have.length(8);
      emulator.reset();

      const afresh = sink({ idempotencyProperty: 'callrelay_event_id' }, new MemoryKeyValueStore());
      const outcomes = await deliverBatch(afresh, batchOf(events, 2));
      for (const outcome of outcomes) expect(outcome.status === 'delivered' && outcome.detail).to.match(/^already logged as call \d+ \(found by callrelay_event_id\)$/);
      const searches = requestsTo(SEARCH_CALLS);
      expect(searches).to.have.length(1);
      const filter = (searches[0]!.body as { filterGroups: { filters: { operator: string; values: string[] }[] }[] }).filterGroups[0]!.filters[0]!;
      expect(filter.operator).to.equal('IN');
      expect(filter.values).to.deep.equal(events.map((e) => e.id.toLowerCase()));
      expect(requestsTo(BATCH_CALLS)).to.have.length(0);
      expect(emulator.calls).to.have.length(8);
    });

    it('with createContact, creates one contact per unknown number in one batch create, remembered across a retry', async () => {
      const target = sink({ createContact: true });
      const events = [callFrom(0), callFrom(1), callFrom(0), callFrom(2)];
      emulator.failNext(1, { status: 503 }, { match: `POST ${BATCH_CALLS}` });
      const first = await deliverBatch(target, batchOf(events));
      expect(statuses(first)).to.deep.equal(['retry', 'retry', 'retry', 'retry']);
      expect(requestsTo(BATCH_CONTACTS)).to.have.length(1);
      expect(emulator.contacts.map((c) => c.properties.phone)).to.have.members(['+12125551000', '+12125551001', '+12125551002']);

      const again = await deliverBatch(target, batchOf(events, 2));
      expect(statuses(again)).to.deep.equal(['delivered', 'delivered', 'delivered', 'delivered']);
      expect(emulator.contacts, 'no second contact').to.have.length(3);
      expect(requestsTo(BATCH_CONTACTS)).to.have.length(1);
      for (const event of events) {
        const contact = emulator.contacts.find((c) => c.id === callOf(event)!.contactIds[0]);
        expect(contact?.properties.phone).to.equal(event.from!.e164);
      }
    });
  });

  describe('matching numbers', () => {
    it('takes the same number written differently, or without its country code, as the same number', () => {
      expect(sameNumber('+12125551212', '(212) 555-1212')).to.equal(true);
      expect(sameNumber('+1 212 555 1212', '12125551212')).to.equal(true);
      expect(sameNumber('+442071838750', '02071838750')).to.equal(false);
      expect(sameNumber('+442071838750', '2071838750')).to.equal(true);
      expect(sameNumber('+12125551212', '+12125551213')).to.equal(false);
      expect(sameNumber('5551212', '15551212')).to.equal(true);
      expect(sameNumber('101', '1101')).to.equal(false);
    });

    it('uses EQ groups while they fit in five, IN filters with lowercase values beyond', () => {
      expect(anyOf(['phone', 'mobilephone'], ['+1', 'Ab'])).to.deep.equal([
        { filters: [{ propertyName: 'phone', operator: 'EQ', value: '+1' }] }, { filters: [{ propertyName: 'phone', operator: 'EQ', value: 'Ab' }] },
        { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: '+1' }] }, { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: 'Ab' }] },
      ]);
      expect(anyOf(['p'], ['A', 'b', 'c', 'd', 'e', 'F'])).to.deep.equal([{ filters: [{ propertyName: 'p', operator: 'IN', values: ['a', 'b', 'c', 'd', 'e', 'f'] }] }]);
    });
  });
});
