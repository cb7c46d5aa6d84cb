import { describe, it } from 'mocha';
import { expect } from 'chai';
import { loadFixtures } from '@callrelay/testkit';
import { counts, fixture, fixtureEvents, fold, shuffled } from './helpers.js';

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
      expect(outcomes[0]!.call).to.deep.include({ transfers: 1, answeredBy: '204' });
      expect(outcomes[0]!.call!.legs).to.have.members(['230307142318_40-0', '230307142318_40-1', '230307142318_40-2']);
      expect(outcomes[0]!.call!.recordingUrls).to.have.length(2);
    }
  });

  it('bug: Accomp (Creomate\'s attended transfer) counted as a plain answer: now one transfer, answered by the target, in any order and twice', async () => {
    for (const [name, target] of [['json-attended-transfer-accomp', '107'], ['form-attended-transfer-accomp', '105']] as const) {
      const events = (await fixtureEvents(fixture(name))).flat();
      const transfer = events.find((e) => e.type === 'transferred');
      expect(transfer, `${name}: the Accomp pickup is a transfer`).to.deep.include({ transfer: 'attended' });
      expect(transfer!.agent!.extension).to.equal(target);
      for (const seed of SEEDS) {
        for (const order of [shuffled(events, seed), shuffled([...events, ...events], seed)]) {
          const { outcomes } = fold(order, true);
          expect(outcomes.map((o) => o.type), `${name} seed ${seed}`).to.deep.equal(['completed']);
          expect(outcomes[0]!.call, `${name} seed ${seed}`).to.deep.include({ transfers: 1, answeredBy: target });
        }
      }
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
