import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import { Client } from '@hubspot/api-client';
import { HubSpotEmulator } from '@callrelay/testkit';

type SdkError = { code: number; body: Record<string, unknown>; headers: Record<string, string> };

// The emulator the sink tests rely on must answer what HubSpot's own SDK sends, the way HubSpot
// does; otherwise the sink tests would prove agreement with a fiction.
describe('HubSpotEmulator, driven by @hubspot/api-client', () => {
  const emulator = new HubSpotEmulator();
  const client = (accessToken: string = HubSpotEmulator.DEFAULT_TOKEN) => new Client({ accessToken, basePath: emulator.url, numberOfApiCallRetries: 0 });

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => {
    emulator.reset();
    emulator.clearObjects();
  });

  it('creates and finds a contact by phone with the SDK search (EQ filters in filter groups)', async () => {
    const created = await client().crm.contacts.basicApi.create({ properties: { phone: '+12125551212', firstname: 'Jane' }, associations: [] });
    emulator.seedContact({ phone: '+13125550000' });
    const found = await client().crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'EQ' as never, value: '+12125551212' }] }, { filters: [{ propertyName: 'mobilephone', operator: 'EQ' as never, value: '+12125551212' }] }],
      properties: ['phone', 'firstname'], limit: 10, after: '0', sorts: ['createdate'],
    });
    expect(found.total).to.equal(1);
    expect(found.results[0]!.id).to.equal(created.id);
    expect(found.results[0]!.properties).to.include({ phone: '+12125551212', firstname: 'Jane' });
  });

  it('creates a call associated inline, associates it again through v4, and reads the associations back', async () => {
    const contact = emulator.seedContact({ phone: '+12125551212' });
    const other = emulator.seedContact({ phone: '+13125550000' });
    const call = await client().crm.objects.calls.basicApi.create({
      properties: { hs_timestamp: '2026-11-24T14:03:05Z', hs_call_direction: 'INBOUND', hs_call_status: 'NO_ANSWER', hs_call_duration: '0' },
      associations: [{ to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 194 }] }],
    });
    expect(call.properties).to.include({ hs_timestamp: '2026-11-24T14:03:05.000Z', hs_call_status: 'NO_ANSWER' });
    await client().crm.associations.v4.basicApi.createDefault('calls', call.id, 'contacts', other.id);
    const read = await client().crm.objects.calls.basicApi.getById(call.id, ['hs_call_status'], undefined, ['contacts']);
    expect(read.associations?.contacts?.results.map((r) => r.id).sort()).to.deep.equal([contact.id, other.id].sort());
    expect(emulator.calls[0]!.contactIds).to.have.members([contact.id, other.id]);
  });

  it('refuses an unknown token with 401 INVALID_AUTHENTICATION, and a missing scope with 403 MISSING_SCOPES', async () => {
    const unauthorized = await client('pat-na1-unknown').crm.contacts.basicApi.getPage().catch((err: SdkError) => err) as SdkError;
    expect(unauthorized.code).to.equal(401);
    expect(unauthorized.body).to.include({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(unauthorized.body.correlationId).to.be.a('string');
    emulator.allowToken('pat-na1-read', ['crm.objects.contacts.read']);
    const forbidden = await client('pat-na1-read').crm.contacts.basicApi.create({ properties: { phone: '1' }, associations: [] }).catch((err: SdkError) => err) as SdkError;
    expect(forbidden.code).to.equal(403);
    expect(forbidden.body).to.deep.include({ category: 'MISSING_SCOPES' });
    expect(JSON.stringify(forbidden.body.errors)).to.include('crm.objects.contacts.write');
  });

  it('answers 429 with the documented body and X-HubSpot-RateLimit headers', async () => {
    emulator.failNext(1, { status: 429, policy: 'TEN_SECONDLY_ROLLING' });
    const limited = await client().crm.contacts.basicApi.create({ properties: {}, associations: [] }).catch((err: SdkError) => err) as SdkError;
    expect(limited.code).to.equal(429);
    expect(limited.body).to.include({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(limited.headers).to.include({ 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' });
  });

  it('batch-creates calls: 201 with every result; with objectWriteTraceIds, 207 naming the refused input while the others are created', async () => {
    const contact = emulator.seedContact({ phone: '+12125551212' });
    const call = (title: string, extra: Record<string, string> = {}) => ({
      properties: { hs_timestamp: '2026-11-24T14:03:05Z', hs_call_status: 'NO_ANSWER', hs_call_title: title, ...extra },
      associations: [{ to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 194 }] }],
    });
    const all = await client().crm.objects.calls.batchApi.create({ inputs: [call('one'), call('two')] });
    expect(all.results.map((r) => r.properties.hs_call_title).sort()).to.deep.equal(['one', 'two']);
    expect(emulator.requests.at(-1)!.status).to.equal(201);

    const partial = await client().crm.objects.calls.batchApi.create({
      inputs: [{ ...call('three'), objectWriteTraceId: 't-3' }, { ...call('bad', { hs_call_status: 'MISSED' }), objectWriteTraceId: 't-4' }, { ...call('five'), objectWriteTraceId: 't-5' }],
    }) as { results: { objectWriteTraceId?: string; properties: Record<string, string> }[]; errors?: { category: string; context: Record<string, string[]> }[]; numErrors?: number };
    expect(emulator.requests.at(-1)!.status).to.equal(207);
    expect(partial.numErrors).to.equal(1);
    expect(partial.errors![0]).to.deep.include({ category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['t-4'] } });
    expect(partial.results.map((r) => r.objectWriteTraceId).sort()).to.deep.equal(['t-3', 't-5']);
    expect(emulator.calls.map((c) => c.properties.hs_call_title)).to.deep.equal(['one', 'two', 'three', 'five']);
    expect(emulator.calls.every((c) => c.contactIds[0] === contact.id)).to.equal(true);
  });

  it('refuses a whole batch without trace ids when one input is invalid, and a batch of more than 100 inputs', async () => {
    const input = (status: string) => ({ properties: { hs_timestamp: '1700000000000', hs_call_status: status }, associations: [] });
    const atomic = await client().crm.objects.calls.batchApi.create({ inputs: [input('COMPLETED'), input('MISSED')] }).catch((err: SdkError) => err) as SdkError;
    expect(atomic.code).to.equal(400);
    expect(atomic.body.category).to.equal('VALIDATION_ERROR');
    const tooMany = await client().crm.objects.calls.batchApi.create({ inputs: Array.from({ length: 101 }, () => input('COMPLETED')) }).catch((err: SdkError) => err) as SdkError;
    expect(tooMany.code).to.equal(400);
    expect(emulator.calls).to.have.length(0);
  });

  it('searches with IN (lowercase values only, as HubSpot documents), and refuses a body over 3,000 characters', async () => {
    const jane = emulator.seedContact({ phone: '+12125551212', email: 'Jane@Example.com' });
    const search = (values: string[]) => client().crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN' as never, values }] }], properties: ['email'], limit: 10, after: '0', sorts: [],
    });
    expect((await search(['jane@example.com', 'other@example.com'])).results.map((r) => r.id)).to.deep.equal([jane.id]);
    expect((await search(['Jane@Example.com'])).total).to.equal(0);
    const long = await search(Array.from({ length: 200 }, (_, i) => `person-${i}@example.com`)).catch((err: SdkError) => err) as SdkError;
    expect(long.code).to.equal(400);
    expect(String(long.body.message)).to.match(/maximum of 3000/);
  });

  it('refuses properties a portal does not have, and values outside an enumeration', async () => {
    const error = await client().crm.objects.calls.basicApi.create({ properties: { hs_timestamp: '1700000000000', hs_call_status: 'MISSED', custom_thing: 'x' }, associations: [] })
      .catch((err: SdkError) => err) as SdkError;
    expect(error.code).to.equal(400);
    expect(error.body.category).to.equal('VALIDATION_ERROR');
    expect(error.body.message).to.include('PROPERTY_DOESNT_EXIST').and.include('INVALID_OPTION');
  });
});
