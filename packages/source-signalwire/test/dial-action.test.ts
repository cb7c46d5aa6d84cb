import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { ingestWebhook, RuntimeMetrics } from '@callrelay/core/host';
import { makeWebhook, MemoryStore } from '@callrelay/testkit';
import { DIAL_CALL_STATUS, mapDialAction } from '@callrelay/source-signalwire';
import { eventsOf, sourceFor, trackerOutcomes } from './signer.js';

const NONE = { auth: 'none' };
const form = (params: Record<string, string>) => makeWebhook({ body: new URLSearchParams(params).toString(), contentType: 'application/x-www-form-urlencoded' });

/** The `<Dial action>` request: the caller's leg's standard parameters plus the Dial* ones. */
const action = (extra: Record<string, string>) => ({
  AccountSid: 'AC1', ApiVersion: '2010-04-01', CallSid: 'CA-parent', CallStatus: 'in-progress', Direction: 'inbound',
  From: '+12125550147', To: '+14155550123', DialCallSid: 'CA-agent', DialCallStatus: 'no-answer', DialCallDuration: '0', ...extra,
});

describe('signalwire <Dial> action callback', () => {
  it('an unanswered dial is an agent leg of the caller\'s call that ended without an answer', async () => {
    const events = await eventsOf(NONE, form(action({})));
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ callId: 'CA-parent', legId: 'CA-agent', type: 'ended', outcome: 'no-answer', endsCall: false, talkSeconds: 0, direction: 'inbound', status: 'no-answer' });
    expect(events[0]!.flags, 'not an answer by the application').to.equal(undefined);
    expect(events[0]!.details).to.include({ DialCallSid: 'CA-agent', DialCallStatus: 'no-answer' });
  });

  it('maps every documented DialCallStatus', () => {
    const expected: Record<string, string> = { completed: 'answered', answered: 'answered', busy: 'busy', 'no-answer': 'no-answer', failed: 'failed', canceled: 'canceled' };
    for (const [status, outcome] of Object.entries(expected)) {
      const [attempt] = mapDialAction(action({ DialCallStatus: status }));
      expect([attempt!.type, attempt!.outcome, attempt!.endsCall], status).to.deep.equal(['ended', outcome, false]);
      expect(DIAL_CALL_STATUS[status], status).to.not.equal(undefined);
    }
  });

  it('completed is a person answering (not answered-by-app), with the dialed call\'s duration as talk time', () => {
    const [attempt] = mapDialAction(action({ DialCallStatus: 'completed', DialCallDuration: '128' }));
    expect(attempt).to.include({ outcome: 'answered', talkSeconds: 128, endsCall: false });
    expect(attempt!.flags).to.equal(undefined);
  });

  it('when CallStatus says the caller hung up, the caller\'s leg end follows (answered by the app for an inbound call)', () => {
    const [attempt, callerEnd] = mapDialAction(action({ CallStatus: 'completed', DialCallStatus: 'canceled' }));
    expect(attempt).to.include({ legId: 'CA-agent', outcome: 'canceled', endsCall: false });
    expect(callerEnd).to.include({ callId: 'CA-parent', legId: 'CA-parent', type: 'ended', outcome: 'answered', direction: 'inbound' });
    expect(callerEnd!.endsCall).to.equal(undefined);
    expect(callerEnd!.flags).to.deep.equal(['answered-by-app']);
    expect(mapDialAction(action({ CallStatus: 'in-progress' })), 'the caller is still on the line').to.have.length(1);
  });

  it('bug: a <Dial> action was read as the caller\'s leg answered and deduplicated against its status callback', async () => {
    const [attempt] = await eventsOf(NONE, form(action({})));
    // The status callback of the same CallSid with the same CallStatus (no SequenceNumber either).
    const [status] = await eventsOf(NONE, form({ CallSid: 'CA-parent', CallStatus: 'in-progress', Direction: 'inbound' }));
    expect(attempt!.type).to.equal('ended');
    expect(attempt!.id).to.not.equal(status!.id);
    // Nor against the dialed leg's own status callback.
    const [child] = await eventsOf(NONE, form({ CallSid: 'CA-agent', ParentCallSid: 'CA-parent', CallStatus: 'no-answer', Direction: 'outbound-dial' }));
    expect(attempt!.id).to.not.equal(child!.id);
  });

  it('without DialCallSid the attempt gets a stable derived leg id, and a retry the same event id', async () => {
    const params = action({ DialCallStatus: 'no-answer' });
    delete (params as Record<string, string>).DialCallSid;
    const [first] = await eventsOf(NONE, form(params));
    const [again] = await eventsOf(NONE, makeWebhook({ body: JSON.stringify(params), contentType: 'application/json' }));
    expect(first!.legId).to.equal('CA-parent/dial');
    expect(again!.id).to.equal(first!.id);
  });

  it('keeps an undocumented DialCallStatus as an unclassified event', () => {
    const [attempt] = mapDialAction(action({ DialCallStatus: 'teleported' }));
    expect(attempt).to.include({ type: 'unknown', status: 'teleported' });
    expect(attempt!.flags).to.deep.equal(['unclassified']);
  });

  it('with only the action callback configured, an inbound call whose agent did not answer is missed (quiet rule)', async () => {
    const events = await eventsOf(NONE, form(action({ DialCallStatus: 'busy' })));
    expect(await trackerOutcomes(events)).to.deep.equal({ missed: 1, completed: 0 });
    const answered = await eventsOf(NONE, form(action({ DialCallStatus: 'completed', DialCallDuration: '40', CallStatus: 'completed' })));
    expect(await trackerOutcomes(answered)).to.deep.equal({ missed: 0, completed: 1 });
  });

  it('answers an action request with an empty cXML document (SignalWire runs the answer), a status callback with JSON', async () => {
    const source = await sourceFor(NONE);
    const mounted = { id: 'sw', route: '/hooks/sw', platform: 'signalwire', source };
    const deps = { store: new MemoryStore(), metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) };
    const dial = await ingestWebhook(mounted, form(action({})), deps);
    expect(dial).to.deep.include({ status: 200, contentType: 'text/xml' });
    expect(dial.body).to.match(/^<\?xml[^>]*\?><Response><\/Response>$/);
    const queue = await ingestWebhook(mounted, form({ CallSid: 'CA-q', CallStatus: 'in-progress', QueueResult: 'leave' }), deps);
    expect(queue.contentType).to.equal('text/xml');
    const status = await ingestWebhook(mounted, form({ CallSid: 'CA-s', CallStatus: 'ringing', Direction: 'inbound' }), deps);
    expect(status.contentType).to.equal(undefined);
    expect(status.body).to.deep.include({ ok: true });
  });
});
