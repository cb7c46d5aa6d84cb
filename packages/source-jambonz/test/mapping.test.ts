import { describe, it } from 'mocha';
import { expect } from 'chai';
import { finalizeEvents } from '@callrelay/core';
import { loadFixture, FIXTURES_DIR, makeWebhook, testContext } from '@callrelay/testkit';
import jambonz, { mapJambonzBody, signJambonzPayload, verifyJambonzSignature } from '@callrelay/source-jambonz';
import path from 'node:path';

const parse = async (body: unknown, config: Record<string, unknown> = { auth: 'none' }) => {
  const source = await jambonz.create(jambonz.config.parse(config) as never, testContext());
  const request = makeWebhook({ body: typeof body === 'string' ? body : JSON.stringify(body), contentType: 'application/json' });
  return finalizeEvents(await source.parse(request), { sourceId: 'jz', platform: 'jambonz', defaultCountry: 'US', rawBody: request.rawBody, receivedAt: new Date() });
};

describe('jambonz mapping', () => {
  it('maps the Graine seed call hook to a started inbound event with E.164 parties and the caller name', async () => {
    const fixture = loadFixture(path.join(FIXTURES_DIR, 'jambonz', 'graine-call-hook.json'));
    const [event] = await parse(fixture.requests[0]!.body!);
    expect(event).to.include({ type: 'started', direction: 'inbound', callId: 'd2515c3b-b79a-41a2-971a-445e769c823c', status: 'trying' });
    expect(event!.from).to.deep.include({ raw: '+12125551212', e164: '+12125551212', name: 'John Doe' });
    expect(event!.to!.e164).to.equal('+14155551234');
    expect(event!.sip).to.deep.equal({ status: 100, reason: 'Trying' });
  });

  it('maps every call_status', () => {
    const expected: Record<string, [string, string | undefined]> = {
      queued: ['started', undefined], trying: ['started', undefined], ringing: ['ringing', undefined], 'early-media': ['ringing', undefined],
      'in-progress': ['answered', undefined], completed: ['ended', 'answered'], failed: ['ended', 'failed'], busy: ['ended', 'busy'], 'no-answer': ['ended', 'no-answer'],
    };
    for (const [status, [type, outcome]] of Object.entries(expected)) {
      const draft = mapJambonzBody({ call_sid: 'a', call_status: status });
      expect([draft.type, draft.outcome], status).to.deep.equal([type, outcome]);
    }
  });

  it('keeps an unknown status as an unclassified event rather than dropping or guessing', () => {
    const draft = mapJambonzBody({ call_sid: 'a', call_status: 'teleported' });
    expect(draft.type).to.equal('unknown');
    expect(draft.flags).to.include('unclassified');
    expect(draft.outcome).to.equal(undefined);
  });

  it('marks a caller hang-up before answer (no-answer, SIP 487) and folds child legs into the parent call', () => {
    const hangup = mapJambonzBody({ call_sid: 'p', call_status: 'no-answer', sip_status: '487' });
    expect(hangup).to.include({ type: 'ended', outcome: 'no-answer', hangupCause: 'caller-canceled' });
    const child = mapJambonzBody({ call_sid: 'c', parent_call_sid: 'p', call_status: 'no-answer', to: 'sip:1001@pbx', direction: 'outbound' });
    expect(child).to.include({ callId: 'p', legId: 'c', endsCall: false });
    expect(child.agent!.raw).to.equal('sip:1001@pbx');
    expect(child.direction).to.equal(undefined);
  });

  it('accepts real-world variants: camelCase keys, numbers as strings, epoch timestamps, no duration', () => {
    const draft = mapJambonzBody({ callSid: 'x', callStatus: 'completed', sipStatus: '200', timestamp: 1764000000, from: 12125551212 });
    expect(draft).to.include({ callId: 'x', type: 'ended', outcome: 'answered' });
    expect(draft.sip!.status).to.equal(200);
    expect(draft.occurredAt).to.equal(new Date(1764000000 * 1000).toISOString());
    expect(draft.from!.raw).to.equal('12125551212');
  });

  it('refuses a body without call_sid with a reason', async () => {
    let error: unknown;
    try { await parse({ hello: 'world' }); } catch (err) { error = err; }
    expect((error as { code?: string }).code).to.equal('WEBHOOK_BAD_REQUEST');
    expect((error as Error).message).to.match(/call_sid/);
  });

  it('gives a platform retry of the same status the same event id', async () => {
    const body = { call_sid: 'a', call_status: 'ringing', sip_status: 180 };
    const [first] = await parse(body);
    const [second] = await parse({ ...body, extra: 'field order or extras do not matter' });
    expect(first!.id).to.equal(second!.id);
  });

  it('answers the call hook with the configured verbs (default: none)', async () => {
    const verbs = [{ verb: 'say', text: 'hello' }];
    const source = await jambonz.create(jambonz.config.parse({ auth: 'none', callHookVerbs: verbs }) as never, testContext());
    expect(source.reply!(makeWebhook({ body: {} }), []).body).to.deep.equal(verbs);
    const plain = await jambonz.create(jambonz.config.parse({ auth: 'none' }) as never, testContext());
    expect(plain.reply!(makeWebhook({ body: {} }), []).body).to.deep.equal([]);
  });
});

describe('Jambonz-Signature', () => {
  const body = Buffer.from('{"call_sid":"a"}');
  const now = 1_764_000_000_000;
  it('accepts a signature made with any configured secret within the tolerance', () => {
    const header = signJambonzPayload(body, 'second', now / 1000 - 60);
    expect(verifyJambonzSignature(header, body, { secrets: ['first', 'second'], toleranceSeconds: 300, nowMs: now }).ok).to.equal(true);
  });
  it('refuses stale, future, malformed and foreign signatures', () => {
    const opts = { secrets: ['first'], toleranceSeconds: 300, nowMs: now };
    expect(verifyJambonzSignature(signJambonzPayload(body, 'first', now / 1000 - 301), body, opts).ok).to.equal(false);
    expect(verifyJambonzSignature(signJambonzPayload(body, 'first', now / 1000 + 400), body, opts).ok).to.equal(false);
    expect(verifyJambonzSignature('v1=abc', body, opts).ok).to.equal(false);
    expect(verifyJambonzSignature(`t=${now / 1000}`, body, opts).ok).to.equal(false);
    expect(verifyJambonzSignature(signJambonzPayload(body, 'other', now / 1000), body, opts).ok).to.equal(false);
    expect(verifyJambonzSignature(undefined, body, opts).ok).to.equal(false);
  });
  it('accepts the unencoded "Basic user:pass" form the seed shows', async () => {
    const source = await jambonz.create(jambonz.config.parse({ auth: { basic: { username: 'u', password: 'p' } } }) as never, testContext());
    expect((await source.verify(makeWebhook({ body: {}, headers: { authorization: 'Basic u:p' } }))).ok).to.equal(true);
    expect((await source.verify(makeWebhook({ body: {}, headers: { authorization: 'Basic u:q' } }))).ok).to.equal(false);
  });
});
