import { describe, it } from 'mocha';
import { expect } from 'chai';
import { finalizeEvents } from '@callrelay/core/host';
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

  it('names the dialed agent on every status of an agent leg, and never lets its end end the call', () => {
    // jambonz sends ringing on a child leg only on a 180/183: a busy (486/600), unregistered or
    // unreachable (404/480) or cancelled (487) agent often has only trying, then the end.
    const ends: Record<string, string> = { failed: 'failed', busy: 'busy', 'no-answer': 'no-answer', completed: 'answered' };
    for (const status of ['queued', 'trying', 'ringing', 'early-media', 'in-progress', ...Object.keys(ends)]) {
      const draft = mapJambonzBody({ call_sid: 'c', parent_call_sid: 'p', call_status: status, to: 'alice@sip.example.com', from: '+12125550166', direction: 'outbound' });
      expect(draft.agent, status).to.deep.equal({ raw: 'alice@sip.example.com' });
      expect(draft.callId, status).to.equal('p');
      expect(draft.from, `${status}: the caller comes from the parent leg`).to.equal(undefined);
      if (ends[status]) expect(draft, status).to.include({ type: 'ended', outcome: ends[status], endsCall: false });
      else expect(draft.endsCall, status).to.equal(undefined);
    }
    expect(mapJambonzBody({ call_sid: 'c', parent_call_sid: 'p', call_status: 'trying' }).type).to.equal('started');
  });

  it('does not call a 487 caller-canceled on an agent leg or an outbound REST call (jambonz cancelled its own INVITE there)', () => {
    expect(mapJambonzBody({ call_sid: 'p', direction: 'inbound', call_status: 'no-answer', sip_status: 487 }).hangupCause).to.equal('caller-canceled');
    expect(mapJambonzBody({ call_sid: 'c', parent_call_sid: 'p', direction: 'outbound', call_status: 'no-answer', sip_status: 487 }).hangupCause, 'agent leg').to.equal(undefined);
    expect(mapJambonzBody({ call_sid: 'r', direction: 'outbound', call_status: 'no-answer', sip_status: 487 }).hangupCause, 'REST call').to.equal(undefined);
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

describe('jambonz queue event webhook', () => {
  const call = {
    call_sid: 'q1', direction: 'inbound', from: '+12125550166', to: '+14155550100', sip_status: 200, sip_reason: 'OK', call_status: 'in-progress',
  };

  it('maps a join to the queue being offered the call, not to an answer', () => {
    const draft = mapJambonzBody({ event: 'join', queue: 'support', length: 3, join_time: 1764000000000, ...call });
    expect(draft).to.include({ type: 'ringing', callId: 'q1', status: 'queue-join', direction: 'inbound' });
    expect(draft.agent).to.deep.equal({ raw: 'support', kind: 'queue' });
    expect(draft.flags, 'the in-progress of the spread call fields is not an answer by the app').to.equal(undefined);
    expect(draft.outcome).to.equal(undefined);
    expect(draft.dedupeKey).to.not.equal(mapJambonzBody(call).dedupeKey);
    const retry = mapJambonzBody({ event: 'join', queue: 'support', length: 4, join_time: 1764000000000, ...call });
    const rejoin = mapJambonzBody({ event: 'join', queue: 'support', length: 1, join_time: 1764000090000, ...call });
    expect(retry.dedupeKey, 'a retry of the same join').to.equal(draft.dedupeKey);
    expect(rejoin.dedupeKey, 'joining the queue again later').to.not.equal(draft.dedupeKey);
  });

  it('maps an abandoned leave to the end of the queue\'s offer only, whatever call status it carries', () => {
    const draft = mapJambonzBody({ event: 'leave', queue: 'support', length: 0, leave_reason: 'abandoned', ...call, call_status: 'completed', duration: 47 });
    expect(draft).to.include({ type: 'ended', outcome: 'no-answer', endsCall: false, status: 'queue-leave-abandoned' });
    expect(draft.talkSeconds).to.equal(undefined);
    expect(draft.agent).to.deep.equal({ raw: 'support', kind: 'queue' });
    const unknownReason = mapJambonzBody({ event: 'leave', queue: 'support', leave_reason: 'teleported', ...call });
    expect(unknownReason, 'an unknown reason is not an answer').to.include({ type: 'ended', endsCall: false, outcome: 'no-answer' });
  });

  it('maps a dequeue to an agent answering: the caller of an inbound agent call, the callee of an outbound one', () => {
    const inbound = mapJambonzBody({ event: 'leave', queue: 'support', leave_reason: 'dequeued', dequeuer: { call_sid: 'a1', direction: 'inbound', from: '1001', to: '+14155550199' }, ...call });
    expect(inbound).to.include({ type: 'answered', status: 'queue-leave-dequeued' });
    expect(inbound.agent).to.deep.equal({ raw: '1001' });
    expect(inbound.flags).to.equal(undefined);
    const outbound = mapJambonzBody({ event: 'leave', queue: 'support', leave_reason: 'dequeued', dequeuer: { call_sid: 'a2', direction: 'outbound', from: '+14155550100', to: 'alice@sip.example.com' }, ...call });
    expect(outbound.agent).to.deep.equal({ raw: 'alice@sip.example.com' });
    const anonymous = mapJambonzBody({ event: 'leave', queue: 'support', leave_reason: 'dequeued', ...call });
    expect(anonymous.agent).to.deep.equal({ raw: 'support', kind: 'queue' });
  });

  it('reads an event field without a queue as a plain status hook', () => {
    expect(mapJambonzBody({ event: 'join', ...call })).to.include({ type: 'answered', status: 'in-progress' });
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
