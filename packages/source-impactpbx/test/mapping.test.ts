import { describe, it } from 'mocha';
import { expect } from 'chai';
import { makeWebhook } from '@callrelay/testkit';
import { answeredPerPayload, mapImpactBody, platformE164, repairJson } from '@callrelay/source-impactpbx';
import { eventsOf, jsonHook, sourceFor, trackerOutcomes } from './helpers.js';

const base = { ref: 'r1', direction: 'inbound', caller_id_number: '+35722000000', recipient: '+35725000000', channel_uuid: 'c1' };

async function parseError(body: string, contentType = 'application/json'): Promise<Error & { code?: string }> {
  const source = await sourceFor();
  try {
    await source.parse(makeWebhook({ body, contentType }));
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('impactpbx mapping', () => {
  it('maps each action', () => {
    const expected: Record<string, [string, string | undefined]> = {
      originate: ['started', undefined], ring: ['ringing', undefined], answer: ['answered', undefined], failed: ['ended', 'failed'],
    };
    for (const [action, [type, outcome]] of Object.entries(expected)) {
      const draft = mapImpactBody({ ...base, action });
      expect([draft.type, draft.outcome], action).to.deep.equal([type, outcome]);
      expect(draft.status).to.equal(action);
    }
    expect(mapImpactBody({ ...base, action: 'Hang-Up' }).type, 'action spelling variants').to.equal('ended');
  });

  it('takes the hang-up outcome from the payload only', () => {
    const hangup = { ...base, action: 'hangup' };
    expect(mapImpactBody({ ...hangup, answer_start: '2020-01-29T07:45:35.000+00:00' }).outcome).to.equal('answered');
    expect(mapImpactBody({ ...hangup, answer_start_uepoch: 1580283935169797 }).outcome).to.equal('answered');
    expect(mapImpactBody({ ...hangup, billsec: '12' })).to.include({ outcome: 'answered', talkSeconds: 12 });
    expect(mapImpactBody({ ...hangup, duration: 4 })).to.include({ outcome: 'answered', talkSeconds: 4 });
    expect(mapImpactBody({ ...hangup, answer_start: '', duration: 0 })).to.include({ outcome: 'no-answer', talkSeconds: 0 });
    expect(mapImpactBody({ ...hangup, answer_start_uepoch: 0 }).outcome).to.equal('no-answer');
    expect(mapImpactBody({ ...hangup, billsec: 0 }).outcome).to.equal('no-answer');
    expect(mapImpactBody({ ...hangup, cause: 'ORIGINATOR_CANCEL' })).to.include({ outcome: 'no-answer', hangupCause: 'ORIGINATOR_CANCEL' });
    expect(mapImpactBody({ ...hangup, cause: 'USER_BUSY' }).outcome).to.equal('busy');
    // NORMAL_CLEARING and nothing else: the payload does not say whether anyone answered.
    const silent = mapImpactBody({ ...hangup, cause: 'NORMAL_CLEARING' });
    expect(silent.outcome).to.equal(undefined);
    expect(silent.talkSeconds).to.equal(undefined);
    expect(answeredPerPayload({ answer_start: 'not a time' }), 'an unreadable time is no evidence').to.equal(undefined);
  });

  it('an inbound call that rings and hangs up unanswered, or fails, is one missed call; answered, one completed', async () => {
    const inbound = { ref: 'in1', direction: 'inbound', caller_id_number: '+35722000000', recipient: '+35725000000', dialed_user: '1001', channel_uuid: 'c9' };
    const rang = [...await eventsOf(jsonHook({ ...inbound, action: 'ring' })), ...await eventsOf(jsonHook({ ...inbound, action: 'hangup', cause: 'ORIGINATOR_CANCEL', duration: 0 }))];
    expect(trackerOutcomes(rang)).to.deep.equal({ missed: 1, completed: 0 });
    const failed = await eventsOf(jsonHook({ ...inbound, ref: 'in2', action: 'failed', reason_failed: 'USER_NOT_REGISTERED' }));
    expect(trackerOutcomes(failed)).to.deep.equal({ missed: 1, completed: 0 });
    const answered = [...await eventsOf(jsonHook({ ...inbound, ref: 'in3', action: 'answer' })), ...await eventsOf(jsonHook({ ...inbound, ref: 'in3', action: 'hangup', cause: 'NORMAL_CLEARING' }))];
    expect(trackerOutcomes(answered)).to.deep.equal({ missed: 0, completed: 1 });
  });

  it('names the agent: the placing extension (ani) outbound, the dialed user inbound', () => {
    expect(mapImpactBody({ ...base, direction: 'outbound', ani: '1002', dialed_user: '', action: 'ring' }).agent).to.deep.equal({ raw: '1002' });
    expect(mapImpactBody({ ...base, ani: '+35722000000', dialed_user: '1005', action: 'ring' }).agent).to.deep.equal({ raw: '1005' });
    expect(mapImpactBody({ ...base, dialed_user: '', action: 'ring' }).agent).to.equal(undefined);
    expect(mapImpactBody({ ...base, direction: 'Sideways', action: 'ring' }).direction).to.equal(undefined);
  });

  it('offers an inbound call to the dialed extension from its originate on (tracker rule 1: started or ringing with an agent)', () => {
    for (const action of ['originate', 'ring']) {
      const draft = mapImpactBody({ ...base, dialed_user: '1001', action });
      expect(draft.agent, action).to.deep.equal({ raw: '1001' });
      expect(draft.direction, action).to.equal('inbound');
    }
  });

  it('lets every hang-up end the call, on the caller\'s channel or another: the seed gives one hang-up per call, on the called channel', () => {
    // In the seed the only hang-up has channel_uuid != originating_leg_uuid; reading that as "one leg
    // ended" would leave every call open until the call timeout. A leg end cannot be told apart.
    const onCalledChannel = mapImpactBody({ ...base, channel_uuid: 'b-leg', originating_leg_uuid: 'r1', dialed_user: '1001', action: 'hangup', cause: 'NO_ANSWER', duration: 0 });
    const onCallerChannel = mapImpactBody({ ...base, channel_uuid: 'r1', originating_leg_uuid: 'r1', action: 'hangup', cause: 'ORIGINATOR_CANCEL' });
    for (const draft of [onCalledChannel, onCallerChannel]) {
      expect(draft.type).to.equal('ended');
      expect(draft.endsCall).to.equal(undefined);
      expect(draft.outcome).to.equal('no-answer');
    }
  });

  it("uses the platform's E.164 form only when it agrees with the raw number", () => {
    expect(platformE164('0035799123456', '+35799123456')).to.equal('+35799123456');
    expect(platformE164('99123456', '+35799123456'), 'national number, PBX knows the country').to.equal('+35799123456');
    expect(platformE164('+11111', '+35799123456')).to.equal(undefined);
    expect(platformE164('1002', '1002')).to.equal(undefined);
    expect(platformE164('123', '+35799123123'), 'too short to prove anything').to.equal(undefined);
  });

  it('accepts real-world variants: camelCase keys, numbers as numbers, epoch and zone-less times, no duration', async () => {
    const [event] = await eventsOf(jsonHook({ Ref: 'r9', Action: 'HANGUP', Direction: 'inbound', callerIdNumber: 35722123456, recipient: 99123456, callStart: 1580283919, callEndUepoch: '1580283939549758', timestamp: '2020-01-29 07:45:40' }));
    expect(event).to.include({ callId: 'r9', type: 'ended', direction: 'inbound', startedAt: '2020-01-29T07:45:19.000Z', endedAt: '2020-01-29T07:45:39.550Z', occurredAt: '2020-01-29T07:45:40.000Z' });
    expect(event!.outcome, 'no duration, no answer time: not said').to.equal(undefined);
    expect(event!.from!.raw).to.equal('35722123456');
    expect(event!.to!.e164, 'national number with defaultCountry CY').to.equal('+35799123456');
  });

  it('keeps an unknown action as an unclassified event', () => {
    const draft = mapImpactBody({ ...base, action: 'transfer_bridge' });
    expect(draft.type).to.equal('unknown');
    expect(draft.flags).to.deep.equal(['unclassified']);
    expect(mapImpactBody({ ref: 'r' }).type, 'no action at all').to.equal('unknown');
  });

  it('reads SIP codes when a relay adds them, and a recording given as a URL', () => {
    const draft = mapImpactBody({ ...base, action: 'failed', sip_hangup_cause: 'sip:404', reason_failed: 'USER_NOT_REGISTERED', recording: 'https://pbx.example.com/rec/1.wav' });
    expect(draft.sip).to.deep.equal({ status: 404 });
    expect(draft).to.include({ hangupCause: 'USER_NOT_REGISTERED', recordingUrl: 'https://pbx.example.com/rec/1.wav' });
  });

  it('gives a resent webhook the same id, and another action or channel another id', async () => {
    const body = { ...base, action: 'ring', timestamp: '2020-01-29T07:45:26.000+00:00' };
    const [first] = await eventsOf(jsonHook(body));
    const [again] = await eventsOf(jsonHook(JSON.stringify(body, null, 2)));
    const [otherChannel] = await eventsOf(jsonHook({ ...body, channel_uuid: 'c2' }));
    const [answer] = await eventsOf(jsonHook({ ...body, action: 'answer' }));
    expect(again!.id).to.equal(first!.id);
    expect(otherChannel!.id).to.not.equal(first!.id);
    expect(answer!.id).to.not.equal(first!.id);
  });

  it('accepts a form-encoded body from a relay', async () => {
    const [event] = await eventsOf(makeWebhook({ body: 'ref=r2&action=answer&direction=inbound&dialed_user=1001', contentType: 'application/x-www-form-urlencoded' }));
    expect(event).to.include({ callId: 'r2', type: 'answered', direction: 'inbound' });
    expect(event!.agent!.extension).to.equal('1001');
  });
});

describe('impactpbx malformed JSON', () => {
  it('repairs a missing comma (the seed\'s failed example) and flags the event', async () => {
    const [event] = await eventsOf(jsonHook('{"ref":"r3","action":"failed"\n"reason_failed":"NO_ROUTE"}'));
    expect(event).to.include({ type: 'ended', outcome: 'failed', hangupCause: 'NO_ROUTE' });
    expect(event!.flags).to.deep.equal(['repaired-body']);
  });

  it('repairs only what is unambiguous', () => {
    expect(repairJson('{"a":"x" "b":1}')).to.deep.equal({ a: 'x', b: 1 });
    expect(repairJson('{"a":1,}')).to.deep.equal({ a: 1 });
    expect(repairJson("{'a':'x'}")).to.deep.equal({ a: 'x' });
    expect(repairJson('{"ref":"r","action":"hang'), 'truncated').to.equal(undefined);
    expect(repairJson('{"ref": '), 'a value would be invented').to.equal(undefined);
    expect(repairJson('{"a":"b,"c":"d"}'), 'a missing quote: where the string ends is a guess').to.equal(undefined);
    expect(repairJson('{"a":True}'), 'a foreign literal').to.equal(undefined);
    expect(repairJson('garbage'), 'not an object').to.equal(undefined);
  });

  it('answers 400 with a reason for bodies it cannot understand', async () => {
    for (const [body, reason] of [
      ['{"ref":"r","action":"hang', /cannot be repaired/],
      ['', /empty body/],
      ['[1,2]', /array/],
      ['null', /null/],
      ['{"action":"ring"}', /missing ref/],
      ['\u0000\u0001', /not valid JSON/],
    ] as const) {
      const error = await parseError(body);
      expect(error.code, JSON.stringify(body)).to.equal('WEBHOOK_BAD_REQUEST');
      expect(error.message).to.match(reason);
    }
  });
});
