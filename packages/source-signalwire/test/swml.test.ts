import { describe, it } from 'mocha';
import { expect } from 'chai';
import { makeWebhook } from '@callrelay/testkit';
import { mapSwmlEvent } from '@callrelay/source-signalwire';
import { documentedSignature, eventsOf, hexSignature, sourceFor, trackerOutcomes } from './signer.js';

const NONE = { auth: 'none' };
const KEY = 'PSK_swml_0123456789';
const URL_ = 'https://hooks.example.com/hooks/sw';

/** A `calling.call.state` event as SWML `connect` posts it to `call_state_url`. */
const state = (callState: string, params: Record<string, unknown> = {}) => ({
  event_type: 'calling.call.state', event_channel: 'swml:5d3f1c2e-7a8b-4c9d-8e0f-1a2b3c4d5e6f', timestamp: 1740000000.123,
  project_id: 'P1', space_id: 'S1',
  params: { call_id: 'leg-a', node_id: 'node-1@us-west', segment_id: 'seg-a', call_state: callState, direction: 'inbound', device: { type: 'phone', params: { from_number: '+12125550147', to_number: '+14155550123' } }, ...params },
});
const agent = (callState: string, extra: Record<string, unknown> = {}) => state(callState, {
  call_id: 'leg-b', direction: 'outbound', device: { type: 'phone', params: { from_number: '+14155550123', to_number: '+14155550188' } },
  parent: { call_id: 'leg-a', node_id: 'node-1@us-west', device_type: 'phone' }, ...extra,
});
const json = (body: object) => makeWebhook({ body: JSON.stringify(body), contentType: 'application/json' });

describe('signalwire SWML / Call Fabric events', () => {
  it('bug: a calling.call.state webhook got 400 "missing CallSid"; it is mapped', async () => {
    const [event] = await eventsOf(NONE, json(state('created')));
    expect(event).to.include({ callId: 'leg-a', legId: 'leg-a', type: 'started', direction: 'inbound', status: 'created', occurredAt: '2025-02-19T21:20:00.123Z' });
    expect(event!.from!.e164).to.equal('+12125550147');
    expect(event!.details).to.include({ node_id: 'node-1@us-west', segment_id: 'seg-a' });
  });

  it('maps every call_state; ending yields nothing (ended follows with the reason)', () => {
    const types = ['created', 'ringing', 'answered', 'ended'].map((s) => mapSwmlEvent(agent(s))[0]!.type);
    expect(types).to.deep.equal(['started', 'ringing', 'answered', 'ended']);
    expect(mapSwmlEvent(state('ending'))).to.deep.equal([]);
  });

  it('an agent leg (params.parent) folds into the caller\'s call: the agent, endsCall false, no direction', () => {
    const [ended] = mapSwmlEvent(agent('ended', { end_reason: 'no_answer' }));
    expect(ended).to.include({ callId: 'leg-a', legId: 'leg-b', outcome: 'no-answer', endsCall: false, hangupCause: 'no_answer', talkSeconds: 0 });
    expect(ended!.agent).to.deep.equal({ raw: '+14155550188' });
    expect(ended!.direction).to.equal(undefined);
    const [sip] = mapSwmlEvent(agent('ringing', { device: { type: 'sip', params: { from: 'sip:a@x', to: 'sip:agent-204@pbx.example.com' } } }));
    expect(sip!.agent).to.deep.equal({ raw: 'sip:agent-204@pbx.example.com' });
  });

  it('reads end_reason in the SWML and RELAY spellings', () => {
    const expected: Record<string, string> = {
      hangup: 'answered', busy: 'busy', no_answer: 'no-answer', noAnswer: 'no-answer', cancel: 'canceled', abandoned: 'canceled',
      declined: 'busy', decline: 'busy', error: 'failed', not_found: 'failed', max_duration: 'unknown', something_new: 'unknown',
    };
    for (const [reason, outcome] of Object.entries(expected)) expect(mapSwmlEvent(agent('ended', { end_reason: reason }))[0]!.outcome, reason).to.equal(outcome);
    expect(mapSwmlEvent(agent('ended', { end_reason: null }))[0]!.outcome, 'no reason').to.equal('unknown');
  });

  it('the inbound caller\'s leg is answered by the SWML script, not by a person', () => {
    expect(mapSwmlEvent(state('answered'))[0]!.flags).to.deep.equal(['answered-by-app']);
    expect(mapSwmlEvent(state('ended', { end_reason: 'hangup' }))[0]!.flags).to.deep.equal(['answered-by-app']);
    expect(mapSwmlEvent(agent('answered'))[0]!.flags, 'an agent answering is a person').to.equal(undefined);
    expect(mapSwmlEvent(state('answered', { direction: 'outbound' }))[0]!.flags).to.equal(undefined);
  });

  it('agents that do not answer make the inbound call missed; an agent answering completes it', async () => {
    const missed = [...await eventsOf(NONE, json(state('answered'))), ...await eventsOf(NONE, json(agent('ended', { end_reason: 'busy' }))), ...await eventsOf(NONE, json(state('ended', { end_reason: 'hangup' })))];
    expect(await trackerOutcomes(missed)).to.deep.equal({ missed: 1, completed: 0 });
    const answered = [...await eventsOf(NONE, json(agent('answered'))), ...await eventsOf(NONE, json(agent('ended', { end_reason: 'hangup' }))), ...await eventsOf(NONE, json(state('ended', { end_reason: 'hangup' })))];
    expect(await trackerOutcomes(answered)).to.deep.equal({ missed: 0, completed: 1 });
  });

  it('calling.call.record: finished is a recording with record.url; other states yield nothing', () => {
    const record = (s: string, extra = {}) => ({ event_type: 'calling.call.record', timestamp: 1740000050.5, params: { call_id: 'leg-a', control_id: 'rec-1', state: s, ...extra } });
    const [recording] = mapSwmlEvent(record('finished', { record: { url: 'https://x.signalwire.com/api/v1/recordings/r1/download', duration: 15.5, size: 1, format: 'wav' } }));
    expect(recording).to.include({ type: 'recording', callId: 'leg-a', recordingUrl: 'https://x.signalwire.com/api/v1/recordings/r1/download' });
    for (const s of ['recording', 'paused', 'no_input', 'error']) expect(mapSwmlEvent(record(s)), s).to.deep.equal([]);
  });

  it('calling.call.queue: enqueue offers the call to the queue, leave is an unanswered end, dequeue an answer', () => {
    const queue = (status: string) => mapSwmlEvent({ event_type: 'calling.call.queue', params: { call_id: 'leg-a', id: 'q-1', name: 'support', status } })[0]!;
    expect(queue('enqueue')).to.deep.include({ type: 'ringing', legId: 'leg-a/queue/q-1', agent: { raw: 'support', kind: 'queue' } });
    expect(queue('leave')).to.include({ type: 'ended', outcome: 'no-answer', endsCall: false });
    expect(queue('dequeue')).to.include({ type: 'answered' });
  });

  it('keeps other calling.* events as unclassified, and refuses one without params.call_id', async () => {
    const [connect] = mapSwmlEvent({ event_type: 'calling.call.connect', timestamp: 1, params: { call_id: 'leg-a', connect_state: 'connected' } });
    expect(connect).to.include({ type: 'unknown', status: 'calling.call.connect' });
    expect(connect!.flags).to.deep.equal(['unclassified']);
    const source = await sourceFor(NONE);
    let error: (Error & { code?: string }) | undefined;
    try { await source.parse(json({ event_type: 'calling.call.state', params: { call_state: 'ended' } })); } catch (err) { error = err as Error; }
    expect(error?.code).to.equal('WEBHOOK_BAD_REQUEST');
    expect(error?.message).to.match(/call_id/);
  });

  it('is verified like the other JSON webhooks: hex HMAC-SHA1 over URL + raw body, never the URL alone', async () => {
    const body = JSON.stringify(agent('ended', { end_reason: 'no_answer' }));
    const source = await sourceFor({ auth: { signingKey: KEY } });
    const request = (signature: string, b = body) => makeWebhook({ url: URL_, body: b, contentType: 'application/json', headers: { 'x-signalwire-signature': signature } });
    expect(await source.verify(request(hexSignature(KEY, URL_, body)))).to.deep.equal({ ok: true });
    expect((await source.verify(request(hexSignature(KEY, URL_, body), body.replace('no_answer', 'hangup')))).ok, 'body changed').to.equal(false);
    expect((await source.verify(request(documentedSignature(KEY, URL_)))).ok, 'URL alone').to.equal(false);
  });
});
