import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { type CallEvent, type SourceDefinition } from '@callrelay/core';
import { RuntimeMetrics, ingestWebhook } from '@callrelay/core/host';
import {
  MemoryStore, expectFixtureOutcomes, loadFixtures, shuffled, testContext, trackCalls, truthTableCells,
  webhookFromFixture, expectedOutcomeText, type WebhookFixture,
} from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';
import signalwire from '@callrelay/source-signalwire';
import impactpbx from '@callrelay/source-impactpbx';
import threeCx from '@callrelay/source-3cx';

/**
 * Issue 10: the truth table of docs/calls.md, one cell per platform configuration and scenario.
 * Every cell's recorded webhooks go through the platform's real source (parse, finalize, as the
 * ingest path does) and the real call tracker, in order, shuffled (three seeds) and duplicated,
 * and must yield exactly the cell's outcome: one `missed` or one `completed` per call, or none.
 */
const SOURCES: Record<string, SourceDefinition> = { jambonz, signalwire, impactpbx, '3cx': threeCx };

async function eventsOf(fixture: WebhookFixture): Promise<CallEvent[]> {
  const definition = SOURCES[fixture.platform];
  if (!definition) throw new Error(`${fixture.name}: no source for platform ${fixture.platform}`);
  const source = await definition.create(definition.config.parse({ auth: 'none', ...fixture.sourceConfig }) as never, testContext({ id: 'truth' }));
  const store = new MemoryStore();
  const context = { store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) };
  for (const request of fixture.requests) {
    const answer = await ingestWebhook({ id: 'truth', route: '/hooks/truth', platform: fixture.platform, source }, webhookFromFixture(request), context);
    expect(answer.status, `${fixture.name}: ${request.step ?? 'request'} answered ${answer.status} ${JSON.stringify(answer.body)}`).to.be.within(200, 299);
  }
  return [...store.events.values()];
}

describe('truth table: every platform configuration × scenario gives exactly its outcome', function () {
  this.timeout(60_000);
  const fixtures = loadFixtures().filter((f) => f.truthTable);
  const cells = truthTableCells(fixtures);
  const tally = { cells: 0, runs: 0, missed: 0, completed: 0, none: 0, notApplicable: 0 };

  it('has a fixture (or a stated reason why not) for every cell, each citing the vendor material it follows', () => {
    expect(cells.flatMap((c) => c.problems)).to.deep.equal([]);
  });

  for (const cell of cells) {
    if (!cell.fixture) {
      tally.notApplicable += 1;
      continue;
    }
    const fixture = cell.fixture;
    it(`${cell.row} × ${cell.scenario} → ${expectedOutcomeText(fixture)}`, async () => {
      const events = await eventsOf(fixture);
      expect(events.length, `${fixture.name}: its requests yield events`).to.be.greaterThan(0);
      const orders: [string, CallEvent[]][] = [
        ['in order', events],
        ...[1, 7, 42].map((seed): [string, CallEvent[]] => [`shuffled (seed ${seed}) and duplicated`, shuffled([...events, ...events], seed)]),
      ];
      for (const [how, order] of orders) {
        expectFixtureOutcomes(fixture, await trackCalls(order), `${fixture.name} ${how}`);
        tally.runs += 1;
      }
      tally.cells += 1;
      const o = fixture.expectOutcomes!;
      if (o.missed) tally.missed += 1;
      else if (o.completed) tally.completed += 1;
      else tally.none += 1;
    });
  }

  after(() => {
    if (process.env.TRUTH_TABLE_SUMMARY) {
      console.log(`      truth table: ${tally.cells} cells run ${tally.runs} times (missed ${tally.missed}, completed ${tally.completed}, none ${tally.none}); ${tally.notApplicable} not applicable`);
    }
  });
});
