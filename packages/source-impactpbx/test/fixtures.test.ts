import { describe, it } from 'mocha';
import { expect } from 'chai';
import { loadFixtures, webhookFromFixture, type WebhookFixture } from '@callrelay/testkit';
import type { CallEvent } from '@callrelay/core';
import { eventsOf, sourceFor, trackerOutcomes } from './helpers.js';

const CONFIG = { auth: { token: { value: 'fixture-token' } } };
const fixtures = loadFixtures('impactpbx');
const byName = (name: string): WebhookFixture => fixtures.find((f) => f.name === `impactpbx/${name}`)!;

async function run(fixture: WebhookFixture): Promise<CallEvent[][]> {
  const source = await sourceFor(CONFIG);
  const out: CallEvent[][] = [];
  for (const request of fixture.requests) {
    const hook = webhookFromFixture(request, { url: 'https://callrelay.example.net/hooks/impactpbx?token=fixture-token' });
    expect(await source.verify(hook), `${fixture.name}: ${request.step}`).to.deep.equal({ ok: true });
    out.push(await eventsOf(hook, CONFIG));
  }
  return out;
}

describe('impactpbx fixtures (seed 003)', () => {
  it('has one fixture per seed scenario, bodies as in the seed (the malformed failed example included)', () => {
    const seedScenarios = fixtures.filter((f) => !f.truthTable).map((f) => f.name);
    expect(seedScenarios).to.deep.equal(['impactpbx/failed-no-route', 'impactpbx/outbound-answered']);
    const failedBody = byName('failed-no-route').requests[0]!.body!;
    expect(() => JSON.parse(failedBody)).to.throw();
    expect(failedBody).to.contain('"reason_failed":"NO_ROUTE"\n"click_to_call":false');
  });

  it('fills the impactpbx truth table row where the seed\'s model can express the scenario', () => {
    const cells = fixtures.filter((f) => f.truthTable).map((f) => `${f.truthTable!.row}/${f.truthTable!.scenario}`);
    // voicemail, answered-after-transfer and app-answered-agents-no-answer: the seed shows no
    // voicemail, transfer or IVR, so what ImpactPBX sends for them is unknown (docs/connectors/impactpbx.md).
    expect(cells).to.have.members([
      'impactpbx/caller-hangs-up-ringing', 'impactpbx/nobody-answers', 'impactpbx/agent-busy', 'impactpbx/agents-unregistered',
      'impactpbx/queue-abandon', 'impactpbx/answered-directly', 'impactpbx/outbound-unanswered',
    ]);
    for (const fixture of fixtures.filter((f) => f.truthTable)) {
      expect(fixture.name).to.equal(`impactpbx/truth-table/${fixture.truthTable!.row}/${fixture.truthTable!.scenario}`);
      expect(fixture.description, fixture.name).to.match(/Confirmed by the seed/).and.match(/Extrapolated/);
      expect(fixture.cites, fixture.name).to.be.an('array').that.is.not.empty;
    }
  });

  for (const fixture of fixtures) {
    it(`verifies and maps ${fixture.name} with the documented types and call outcome`, async () => {
      const events = await run(fixture);
      fixture.requests.forEach((request, i) => expect(events[i]!.map((e) => e.type), `${request.step}`).to.deep.equal(request.expectTypes));
      expect(trackerOutcomes(events.flat())).to.deep.equal(fixture.expectOutcomes);
    });
  }

  it('outbound answered: parties, agent extension, times, talk and ring seconds, cause', async () => {
    const [originate, ring, answer, hangup] = (await run(byName('outbound-answered'))).flat();
    for (const event of [originate, ring, answer, hangup]) {
      expect(event).to.include({ callId: '460a36b6-09e7-466b-97d8-903c8cf4fc6c', legId: '8967dafb-f8b6-4d68-9eb7-f3cce82596c8', direction: 'outbound' });
      expect(event!.from).to.deep.equal({ raw: '+442035040000', e164: '+442035040000' });
      expect(event!.to).to.deep.equal({ raw: '0035799123456', e164: '+35799123456' });
      expect(event!.agent).to.deep.equal({ raw: '1002', extension: '1002' });
      expect(event!.startedAt).to.equal('2020-01-29T07:45:19.000Z');
    }
    expect(originate!.occurredAt).to.equal('2020-01-29T07:45:20.000Z');
    expect(answer).to.include({ answeredAt: '2020-01-29T07:45:35.000Z', ringSeconds: 16 });
    expect(hangup).to.include({ type: 'ended', outcome: 'answered', talkSeconds: 4, ringSeconds: 16, endedAt: '2020-01-29T07:45:39.000Z', hangupCause: 'NORMAL_CLEARING', status: 'hangup' });
    expect(hangup!.details).to.include({ recording: '460a36b6-09e7-466b-97d8-903c8cf4fc6c', domain_name: 'dev-pbx.impactpbx.com', click_to_call: false });
    expect(hangup!.recordingUrl, 'a file name, not a URL').to.equal(undefined);
    expect(hangup!.flags).to.equal(undefined);
  });

  it('failed: the malformed body is repaired and flagged, ended with outcome failed and the reason', async () => {
    const [failed] = (await run(byName('failed-no-route'))).flat();
    expect(failed).to.include({ type: 'ended', outcome: 'failed', hangupCause: 'NO_ROUTE', talkSeconds: 0, direction: 'outbound' });
    expect(failed!.flags).to.deep.equal(['repaired-body']);
    expect(failed!.details).to.include({ reason_failed: 'NO_ROUTE', cause: 'NORMAL_CLEARING' });
    expect(failed!.raw).to.include({ reason_failed: 'NO_ROUTE', click_to_call: false, action: 'failed' });
    // The seed pairs recipient +11111 with recipient_e164 +35799123456: that E.164 is not this number's.
    expect(failed!.to).to.deep.equal({ raw: '+11111' });
    expect(failed!.from).to.deep.equal({ raw: '1002', extension: '1002' });
  });
});
