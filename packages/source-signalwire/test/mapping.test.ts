import { describe, it } from 'mocha';
import { expect } from 'chai';
import { makeWebhook } from '@callrelay/testkit';
import { mapSignalWireParams } from '@callrelay/source-signalwire';
import { eventsOf, sourceFor } from './signer.js';

const NONE = { auth: 'none' };
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function badRequestOf(request: ReturnType<typeof makeWebhook>): Promise<Error & { code?: string }> {
  const source = await sourceFor(NONE);
  try {
    await source.parse(request);
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('parse accepted a body it should refuse');
}

describe('signalwire mapping', () => {
  it('maps every CallStatus of the seed', () => {
    const expected: Record<string, [string, string | undefined]> = {
      queued: ['started', undefined], initiated: ['started', undefined], ringing: ['ringing', undefined], 'in-progress': ['answered', undefined],
      completed: ['ended', 'answered'], busy: ['ended', 'busy'], failed: ['ended', 'failed'], 'no-answer': ['ended', 'no-answer'], canceled: ['ended', 'canceled'],
    };
    for (const [status, [type, outcome]] of Object.entries(expected)) {
      const draft = mapSignalWireParams({ CallSid: 'CA1', CallStatus: status });
      expect([draft.type, draft.outcome], status).to.deep.equal([type, outcome]);
      expect(draft.status).to.equal(status);
    }
  });

  it('maps every Direction of the seed', () => {
    const expected = { inbound: 'inbound', 'outbound-api': 'outbound', 'outbound-dial': 'outbound' };
    for (const [direction, canonical] of Object.entries(expected)) {
      expect(mapSignalWireParams({ CallSid: 'CA1', CallStatus: 'ringing', Direction: direction }).direction, direction).to.equal(canonical);
    }
    expect(mapSignalWireParams({ CallSid: 'CA1', CallStatus: 'ringing', Direction: 'sideways' }).direction).to.equal(undefined);
  });

  it('reads the phone number\'s own status callback (no Direction) as the inbound caller\'s leg, answered by the app', () => {
    // The "incoming call status callback" sends only CallSid, AccountSid, From, To, Timestamp, CallStatus, CallDuration, AudioInMos.
    const end = mapSignalWireParams({ CallSid: 'CA1', AccountSid: 'AC1', From: '+12125550147', To: '+14155550123', Timestamp: 'Thu, 04 Apr 2024 18:32:15 +0000', CallStatus: 'completed', CallDuration: '142', AudioInMos: '4.5' });
    expect(end).to.include({ type: 'ended', outcome: 'answered', direction: 'inbound', talkSeconds: 142 });
    expect(end.flags).to.deep.equal(['answered-by-app']);
    expect(mapSignalWireParams({ CallSid: 'CA1', CallStatus: 'failed' }).direction).to.equal('inbound');
    expect(mapSignalWireParams({ CallSid: 'c', ParentCallSid: 'CA1', CallStatus: 'busy' }).direction, 'a dialed leg never sets it').to.equal(undefined);
    expect(mapSignalWireParams({ CallSid: 'CA1', RecordingUrl: 'https://x/r' }).direction, 'nor does a recording').to.equal(undefined);
    expect(mapSignalWireParams({ CallSid: 'CA1', CallStatus: 'completed', Direction: 'outbound-api' }).direction).to.equal('outbound');
  });

  it('keeps CallDuration as talk time of a completed call, and 0 for an end that was never answered', () => {
    expect(mapSignalWireParams({ CallSid: 'a', CallStatus: 'completed', CallDuration: '73' }).talkSeconds).to.equal(73);
    expect(mapSignalWireParams({ CallSid: 'a', CallStatus: 'completed' }).talkSeconds, 'no duration sent').to.equal(undefined);
    expect(mapSignalWireParams({ CallSid: 'a', CallStatus: 'busy' }).talkSeconds).to.equal(0);
  });

  it('folds an outbound-dial leg into its parent call; its end ends only the leg', () => {
    const end = mapSignalWireParams({ CallSid: 'child', ParentCallSid: 'parent', CallStatus: 'no-answer', Direction: 'outbound-dial', From: '+14155550123', To: '+14155550188' });
    expect(end).to.include({ callId: 'parent', legId: 'child', endsCall: false, outcome: 'no-answer' });
    expect(end.agent).to.deep.equal({ raw: '+14155550188' });
    expect(end.direction, 'the leg does not decide the call direction').to.equal(undefined);
    expect(end.from).to.equal(undefined);
    const parent = mapSignalWireParams({ CallSid: 'parent', CallStatus: 'completed', Direction: 'inbound' });
    expect(parent).to.include({ callId: 'parent', legId: 'parent' });
    expect(parent.endsCall).to.equal(undefined);
  });

  it('accepts real-world variants: other key casings, numbers as JSON numbers, ISO and epoch times', async () => {
    const snake = mapSignalWireParams({ call_sid: 'CA9', call_status: 'Completed', call_duration: 12, sequence_number: 4, timestamp: '2025-02-04T10:00:00Z', from: 12125550147, audio_in_mos: '3.9' });
    expect(snake).to.include({ callId: 'CA9', type: 'ended', outcome: 'answered', talkSeconds: 12, occurredAt: '2025-02-04T10:00:00.000Z' });
    expect(snake.from!.raw).to.equal('12125550147');
    expect(snake.details).to.include({ SequenceNumber: 4, AudioInMos: 3.9 });
    expect(mapSignalWireParams({ callSid: 'x', callStatus: 'IN_PROGRESS', Timestamp: 1738663200 }).occurredAt).to.equal('2025-02-04T10:00:00.000Z');
    expect(mapSignalWireParams({ CALLSID: 'x', CALLSTATUS: 'ringing', Timestamp: '1738663200000' }).occurredAt).to.equal('2025-02-04T10:00:00.000Z');
    const [event] = await eventsOf(NONE, makeWebhook({ body: JSON.stringify({ CallSid: 'CA7', CallStatus: 'ringing', From: '(212) 555-0147', To: 2000, SequenceNumber: 1 }), contentType: 'application/json' }));
    expect(event!.from!.e164, 'national number with defaultCountry US').to.equal('+12125550147');
    expect(event!.to, 'a short number is an extension').to.deep.include({ raw: '2000', extension: '2000' });
  });

  it('keeps an unknown status as an unclassified event', () => {
    const draft = mapSignalWireParams({ CallSid: 'a', CallStatus: 'teleported' });
    expect(draft).to.include({ type: 'unknown', status: 'teleported' });
    expect(draft.flags).to.deep.equal(['unclassified']);
    expect(mapSignalWireParams({ CallSid: 'a' }).type, 'no status at all').to.equal('unknown');
  });

  it('maps a recording status callback (no CallStatus, a RecordingUrl) to a recording event', () => {
    const draft = mapSignalWireParams({ CallSid: 'a', RecordingSid: 'RE1', RecordingUrl: 'https://example.signalwire.com/rec/RE1', RecordingDuration: '30' });
    expect(draft).to.include({ type: 'recording', recordingUrl: 'https://example.signalwire.com/rec/RE1', dedupeKey: 'a|recording|RE1' });
    expect(draft.details).to.include({ RecordingDuration: 30, RecordingSid: 'RE1' });
  });

  it('gives a resent callback the same id, and another status or sequence number another id', async () => {
    const body = { CallSid: 'CA1', CallStatus: 'ringing', SequenceNumber: '1' };
    const [first] = await eventsOf(NONE, makeWebhook({ body: form(body), contentType: 'application/x-www-form-urlencoded' }));
    const [again] = await eventsOf(NONE, makeWebhook({ body: JSON.stringify({ ...body, SequenceNumber: 1, AudioInMos: '4.1' }), contentType: 'application/json' }));
    const [next] = await eventsOf(NONE, makeWebhook({ body: form({ ...body, SequenceNumber: '2' }), contentType: 'application/x-www-form-urlencoded' }));
    const [answered] = await eventsOf(NONE, makeWebhook({ body: form({ ...body, CallStatus: 'in-progress' }), contentType: 'application/x-www-form-urlencoded' }));
    expect(again!.id).to.equal(first!.id);
    expect(next!.id).to.not.equal(first!.id);
    expect(answered!.id).to.not.equal(first!.id);
  });

  it('reads GET query strings and drops the auth token from the stored parameters', async () => {
    const config = { auth: { token: { value: 's3cret' } } };
    const source = await sourceFor(config);
    expect(source.methods).to.deep.equal(['GET', 'POST']);
    const request = makeWebhook({ method: 'GET', query: { CallSid: 'CA1', CallStatus: 'ringing', token: 's3cret' } });
    expect(await source.verify(request)).to.deep.equal({ ok: true });
    const [event] = await eventsOf(config, request);
    expect(event!.type).to.equal('ringing');
    expect(event!.raw).to.deep.equal({ CallSid: 'CA1', CallStatus: 'ringing' });
  });

  it('answers 400 with a reason for bodies it cannot understand', async () => {
    const cases = [
      makeWebhook({ body: '{"CallSid": ', contentType: 'application/json' }),
      makeWebhook({ body: '[1,2]', contentType: 'application/json' }),
      makeWebhook({ body: '', contentType: 'application/json' }),
      makeWebhook({ body: form({ hello: 'world' }), contentType: 'application/x-www-form-urlencoded' }),
    ];
    for (const request of cases) {
      const error = await badRequestOf(request);
      expect(error.code, request.rawBody.toString()).to.equal('WEBHOOK_BAD_REQUEST');
      expect(error.message).to.be.a('string').and.not.equal('');
    }
    expect((await badRequestOf(cases[3]!)).message).to.match(/CallSid/);
  });
});
