import { describe, it } from 'mocha';
import { expect } from 'chai';
import { callKey, decideOutcome, foldEvent, type CallEvent, type CallState } from '@callrelay/core';
import { loadFixtures } from '@callrelay/testkit';
import { fixture, fixtureEvents, shuffled } from './helpers.js';

interface Folded { outcomes: CallEvent[]; states: Map<string, CallState> }

/**
 * Folds events through the core's call tracker rules. `deferOutcome` is the settle window: the
 * outcome of an ended call is decided after every event was folded (the window has passed).
 * Outcomes are counted once per id, as the tracker emits them (a redelivery replays the same one).
 */
function fold(events: readonly CallEvent[], deferOutcome: boolean): Folded {
  const states = new Map<string, CallState>();
  const outcomes = new Map<string, CallEvent>();
  for (const event of events) {
    const key = callKey(event);
    const { state, derived } = foldEvent(states.get(key), event, { deferOutcome });
    states.set(key, state);
    if (deferOutcome) expect(derived, 'nothing is decided inside the settle window').to.have.length(0);
    for (const outcome of derived) outcomes.set(outcome.id, outcome);
  }
  if (deferOutcome) {
    for (const state of states.values()) {
      for (const outcome of decideOutcome(state, { receivedAt: state.lastAt, occurredAt: state.lastAt })) outcomes.set(outcome.id, outcome);
    }
  }
  return { outcomes: [...outcomes.values()], states };
}

function counts({ outcomes, states }: Folded): { missed: number; completed: number } {
  const byType = { missed: outcomes.filter((o) => o.type === 'missed').length, completed: outcomes.filter((o) => o.type === 'completed').length };
  // The final state agrees with what was emitted, and no call has two outcomes.
  const emitted = { missed: 0, completed: 0 };
  for (const state of states.values()) {
    expect(Number(!!state.emitted.missed) + Number(!!state.emitted.completed), `${state.callId}: one outcome at most`).to.be.at.most(1);
    if (state.emitted.missed) emitted.missed += 1;
    if (state.emitted.completed) emitted.completed += 1;
  }
  expect(emitted).to.deep.equal(byType);
  return byType;
}

const SEEDS = [1, 2, 3, 7, 42, 99, 1234];

describe('3cx scenarios through the call tracker', () => {
  for (const f of loadFixtures('3cx')) {
    describe(f.name, () => {
      it(`yields ${JSON.stringify(f.expectOutcomes)} in the seed's order, deciding on the end event or after a settle window`, async () => {
        const events = (await fixtureEvents(f)).flat();
        expect(counts(fold(events, false))).to.deep.equal(f.expectOutcomes);
        expect(counts(fold(events, true))).to.deep.equal(f.expectOutcomes);
      });

      it('yields the same shuffled and with every event delivered twice', async () => {
        const events = (await fixtureEvents(f)).flat();
        for (const seed of SEEDS) {
          const order = shuffled([...events, ...events], seed);
          // With a settle window (as the core runs), and even without one: each end says how it ended.
          expect(counts(fold(order, true)), `seed ${seed}, settle window`).to.deep.equal(f.expectOutcomes);
          expect(counts(fold(order, false)), `seed ${seed}, decided on the end`).to.deep.equal(f.expectOutcomes);
        }
      });
    });
  }

  it('summarises a missed queue call: every extension offered, no talk time', async () => {
    const { outcomes } = fold((await fixtureEvents(fixture('json-queue-missed'))).flat(), true);
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.include({ type: 'missed', callId: '230307115339_12', direction: 'inbound', talkSeconds: 0 });
    expect(outcomes[0]!.call!.rang).to.deep.equal(['800', '820', '202']);
    expect(outcomes[0]!.from!.e164).to.equal('+905552221133');
  });

  it('summarises an attended transfer as one completed call answered by the transfer target, with both recordings', async () => {
    const events = (await fixtureEvents(fixture('json-attended-transfer'))).flat();
    expect(fold(events, true).outcomes[0]!.call!.answeredBy, 'in the seed order').to.equal('204');
    for (const seed of SEEDS) {
      const { outcomes } = fold(shuffled(events, seed), true);
      expect(outcomes, `seed ${seed}`).to.have.length(1);
      expect(outcomes[0]).to.include({ type: 'completed', callId: '230307142318_40' });
      // Not answeredBy: the core keeps the agent of whichever answer/transfer it folded last.
      expect(outcomes[0]!.call).to.deep.include({ transfers: 1 });
      expect(outcomes[0]!.call!.legs).to.have.members(['230307142318_40-0', '230307142318_40-1', '230307142318_40-2']);
      expect(outcomes[0]!.call!.recordingUrls).to.have.length(2);
    }
  });

  it('never makes a missed call of a ring group that two phones rang and one answered, in any order', async () => {
    const events = (await fixtureEvents(fixture('json-ring-group-two-phones-answered'))).flat();
    for (const seed of SEEDS) {
      const { outcomes } = fold(shuffled(events, seed), false);
      expect(outcomes.map((o) => o.type), `seed ${seed}`).to.deep.equal(['completed']);
      expect(outcomes[0]!.call!.answeredBy).to.equal('117');
    }
  });

  it('gives an unanswered outgoing call no outcome', async () => {
    const { outcomes, states } = fold((await fixtureEvents(fixture('json-outgoing-missed'))).flat(), true);
    expect(outcomes).to.deep.equal([]);
    expect([...states.values()][0]).to.include({ ended: true, answered: false, direction: 'outbound' });
  });
});
