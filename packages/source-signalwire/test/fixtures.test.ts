import { describe, it } from 'mocha';
import { expect } from 'chai';
import { loadFixtures, TRUTH_TABLE_SCENARIOS, webhookFromFixture, type WebhookFixture } from '@callrelay/testkit';
import type { CallEvent } from '@callrelay/core';
import { documentedSignature, eventsOf, hexSignature, sourceFor, trackerOutcomes } from './signer.js';

const KEY = 'PSKfixture000000000000000000000000';
const CONFIG = { auth: { signingKey: KEY } };
const all = loadFixtures('signalwire');
/** The fixtures of the seed document; the truth-table cells are checked below and by the contract suite. */
const fixtures = all.filter((f) => !f.truthTable);
const truthTable = all.filter((f) => f.truthTable);
const byName = (name: string): WebhookFixture => fixtures.find((f) => f.name === `signalwire/${name}`)!;

/** Every request of a fixture, signed as SignalWire signs it, verified and parsed. */
async function run(fixture: WebhookFixture): Promise<CallEvent[][]> {
  const source = await sourceFor(CONFIG);
  const out: CallEvent[][] = [];
  for (const request of fixture.requests) {
    const hook = webhookFromFixture(request, { url: 'https://callrelay.example.net/hooks/signalwire' });
    const body = hook.rawBody.toString('utf8');
    hook.headers['x-signalwire-signature'] = hook.contentType === 'application/json' ? hexSignature(KEY, hook.url, body) : documentedSignature(KEY, hook.url, body);
    expect(await source.verify(hook), `${fixture.name}: ${request.step}`).to.deep.equal({ ok: true });
    out.push(await eventsOf(CONFIG, hook));
  }
  return out;
}

describe('signalwire fixtures (seed 002)', () => {
  it('has one fixture per scenario, each with expected types and outcomes', () => {
    expect(fixtures.map((f) => f.name)).to.have.length(8);
    for (const fixture of fixtures) {
      expect(fixture.seed).to.equal('002_91a406d12cc38071.txt');
      expect(fixture.expectOutcomes, fixture.name).to.be.an('object');
      for (const request of fixture.requests) expect(request.expectTypes, `${fixture.name} ${request.step}`).to.be.an('array');
    }
  });

  for (const fixture of fixtures) {
    it(`verifies and maps ${fixture.name} with the documented types and call outcome`, async () => {
      const events = await run(fixture);
      fixture.requests.forEach((request, i) => expect(events[i]!.map((e) => e.type), `${request.step}`).to.deep.equal(request.expectTypes));
      expect(await trackerOutcomes(events.flat())).to.deep.equal(fixture.expectOutcomes);
    });
  }

  it('inbound answered: E.164 parties, caller name, talk time, recording, media quality in details', async () => {
    const events = (await run(byName('form-inbound-answered'))).flat();
    const end = events.at(-1)!;
    expect(end).to.include({ type: 'ended', outcome: 'answered', talkSeconds: 42, direction: 'inbound', status: 'completed', endedAt: '2025-02-04T10:15:51.000Z' });
    expect(end.from).to.deep.include({ raw: '+12125550147', e164: '+12125550147', name: 'Jane Roe' });
    expect(end.to!.e164).to.equal('+14155550123');
    expect(end.recordingUrl).to.match(/Recordings\/d1a2e3f4/);
    expect(end.details).to.include({ AudioInMos: 4.41, AudioInMediaPacketCount: 2096, AudioOutMediaPacketCount: 2100, AudioInJitterMaxVariance: 27, CallbackSource: 'call-progress-events', SequenceNumber: 3 });
    expect(end.sip).to.deep.equal({ status: 200 });
    expect(events[0]!.occurredAt).to.equal('2025-02-04T10:15:02.000Z');
  });

  it('inbound no-answer: ended with outcome no-answer, SIP 487, no talk time', async () => {
    const end = (await run(byName('form-inbound-no-answer'))).flat().at(-1)!;
    expect(end).to.include({ type: 'ended', outcome: 'no-answer', talkSeconds: 0 });
    expect(end.sip).to.deep.equal({ status: 487, reason: 'Request Terminated' });
  });

  it('dial to an agent: the agent leg folds into the parent call and its end does not end the call', async () => {
    const events = (await run(byName('form-inbound-dial-agent-no-answer'))).flat();
    const parentSid = '7c6b5a49-3829-4f1e-8d0c-b9a897867564';
    expect(new Set(events.map((e) => e.callId))).to.deep.equal(new Set([parentSid]));
    const agentEnd = events.find((e) => e.legId !== parentSid && e.type === 'ended')!;
    expect(agentEnd).to.include({ outcome: 'no-answer', endsCall: false, direction: 'unknown' });
    expect(agentEnd.agent!.e164).to.equal('+14155550188');
    expect(agentEnd.from).to.equal(undefined);
  });

  it('dial to an agent who answers: the agent leg carries the agent and the talk time of that leg', async () => {
    const events = (await run(byName('form-inbound-dial-agent-answered'))).flat();
    const agentAnswer = events.find((e) => e.type === 'answered' && e.agent)!;
    expect(agentAnswer.agent!.raw).to.equal('+14155550188');
    const agentEnd = events.find((e) => e.type === 'ended' && e.endsCall === false)!;
    expect(agentEnd).to.include({ outcome: 'answered', talkSeconds: 65 });
  });

  it('JSON (numbers as numbers), JSON (all strings) and GET bodies map alike', async () => {
    const busy = (await run(byName('json-outbound-api-busy'))).flat().at(-1)!;
    expect(busy).to.include({ outcome: 'busy', direction: 'outbound' });
    expect(busy.sip).to.deep.equal({ status: 486, reason: 'Busy Here' });
    const canceled = (await run(byName('json-outbound-api-canceled'))).flat().at(-1)!;
    expect(canceled).to.include({ outcome: 'canceled', direction: 'outbound' });
    expect(canceled.details!.SequenceNumber).to.equal(3);
    const completed = (await run(byName('get-outbound-api-answered'))).flat().at(-1)!;
    expect(completed).to.include({ outcome: 'answered', talkSeconds: 18, direction: 'outbound' });
    expect(completed.raw).to.include({ CallStatus: 'completed', CallDuration: '18' });
  });
});

describe('signalwire truth-table fixtures', () => {
  const ROWS = ['signalwire-final-only', 'signalwire-all-events', 'signalwire-dial-action', 'signalwire-swml'];

  it('fill every cell of the SignalWire rows that the configuration can express, one file per cell', () => {
    const cells = truthTable.map((f) => `${f.truthTable!.row}/${f.truthTable!.scenario}`);
    expect(new Set(cells).size, 'one fixture per cell').to.equal(cells.length);
    // Queue abandon is invisible to status callbacks alone (no leg exists until an agent dequeues).
    const notExpressible = new Set(['signalwire-final-only/queue-abandon', 'signalwire-all-events/queue-abandon']);
    for (const row of ROWS) {
      for (const scenario of TRUTH_TABLE_SCENARIOS) {
        const cell = `${row}/${scenario}`;
        expect(cells.includes(cell), cell).to.equal(!notExpressible.has(cell));
      }
    }
  });

  for (const fixture of truthTable) {
    it(`${fixture.name}: named for its cell, cited, with expected types, outcomes and distinct call ids`, () => {
      expect(fixture.name).to.equal(`signalwire/truth-table/${fixture.truthTable!.row}/${fixture.truthTable!.scenario}`);
      expect(fixture.cites, 'cites').to.be.an('array').that.is.not.empty;
      expect(fixture.expectOutcomes).to.be.an('object');
      for (const request of fixture.requests) expect(request.expectTypes, request.step).to.be.an('array');
      if (fixture.truthTable!.scenario === 'voicemail') expect(fixture.expectOutcomeFlags).to.deep.equal(['voicemail']);
      if (fixture.truthTable!.scenario === 'outbound-unanswered') expect(fixture.expectOutcomes).to.deep.equal({ missed: 0, completed: 0 });
    });
  }

  it('no two cells share a call id', async () => {
    const owner = new Map<string, string>();
    for (const fixture of truthTable) {
      for (const event of (await run(fixture)).flat()) {
        const seen = owner.get(event.callId);
        expect(seen === undefined || seen === fixture.name, `${event.callId} in ${seen} and ${fixture.name}`).to.equal(true);
        owner.set(event.callId, fixture.name);
      }
    }
  });

  it('final-only, the key case: parent completed (answered by the app, no Direction) + agents no-answer/busy/failed, no ringing anywhere', async () => {
    const events = (await run(truthTable.find((f) => f.name.endsWith('signalwire-final-only/app-answered-agents-no-answer'))!)).flat();
    expect(events.map((e) => e.type)).to.not.include('ringing');
    const parent = events.at(-1)!;
    expect(parent).to.include({ type: 'ended', outcome: 'answered', direction: 'inbound' });
    expect(parent.flags).to.deep.equal(['answered-by-app']);
    expect(events.slice(0, -1).map((e) => [e.outcome, e.endsCall])).to.deep.equal([['no-answer', false], ['busy', false], ['failed', false]]);
  });
});
