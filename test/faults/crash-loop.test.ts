import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';
import { TestReceiver } from '../support/receiver.js';
import { sourcesConfig, streamPlan, PLATFORM_SOURCES } from '../support/fault-scenarios.js';
import {
  csvRows, duplicateCount, faultSeed, missedCallCount, missingFrom, outcomeProblems, postStream, receivedEvents, seededRandom,
} from '../support/fault-stream.js';

/**
 * Issue 12 item 13: a node SIGKILLed again and again under a stream of webhooks from the four
 * platforms. What it proves (docs/guarantees.md): every acknowledged webhook's events reach every
 * sink, repeats stay within what was in flight at the kills, and every call gets exactly one
 * outcome event id.
 */
const KILLS = 5;
const COPIES = 8;
const SETTLE_MS = 500;
// Longer than a restart, so a kill between an agent's no-answer and the caller's next status
// cannot fire the quiet rule early.
const QUIET_MS = 8000;
const CSV_DELIVERY = { concurrency: 2, batchSize: 50 };
const WEBHOOK_DELIVERY = { concurrency: 4, batchSize: 10 };

describe('faults: crash loop (SIGKILL under a stream from four platforms, SQLite)', function () {
  this.timeout(150_000);

  it(`loses no acknowledged webhook and gives one outcome per call across ${KILLS} SIGKILLs at seeded random points`, async () => {
    const seed = faultSeed();
    const random = seededRandom(seed);
    const plan = await streamPlan(COPIES, { settleMs: SETTLE_MS, quietMs: QUIET_MS });
    // The order of calls in the stream is seeded too: platforms interleave.
    const scenarios = plan.scenarios.map((s) => ({ s, k: random() })).sort((a, b) => a.k - b.k).map(({ s }) => s);
    const requests = scenarios.reduce((n, s) => n + s.requests.length, 0);
    for (const platform of Object.keys(PLATFORM_SOURCES)) {
      expect(scenarios.some((s) => s.platform === platform), `the stream has ${platform} calls`).to.equal(true);
    }
    // Kill after this many more acknowledged webhooks since the node came up.
    const gaps = Array.from({ length: KILLS }, () => 20 + Math.floor(random() * Math.min(180, requests / (KILLS + 1) - 20)));
    console.log(`      crash loop: seed ${seed} (FAULT_SEED=${seed} repeats it); ${scenarios.length} calls, ${requests} webhooks; ` +
      `kills after ${gaps.join(', ')} more acknowledged webhooks`);
    for (const skipped of plan.skipped) console.log(`      left out: ${skipped.fixture}: ${skipped.reason}`);

    const receiver = new TestReceiver();
    await receiver.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-fault-crash-'));
    const csv = path.join(dir, 'events.csv');
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0 }',
      'store: { type: sqlite, path: store.db }',
      `tracker: { settleMs: ${SETTLE_MS}, quietMs: ${QUIET_MS} }`,
      ...sourcesConfig(),
      'sinks:',
      `  log: { type: csv, path: events.csv, columns: [id, type, source, callId, legId], delivery: { concurrency: ${CSV_DELIVERY.concurrency}, batchSize: ${CSV_DELIVERY.batchSize} } }`,
      `  hook: { type: webhook, url: "${receiver.url}", delivery: { concurrency: ${WEBHOOK_DELIVERY.concurrency}, batchSize: ${WEBHOOK_DELIVERY.batchSize}, initialBackoffMs: 200, maxBackoffMs: 1000 } }`,
      'pipelines:',
      `  all: { from: [${Object.values(PLATFORM_SOURCES).join(', ')}], to: [log, hook] }`,
      '',
    ].join('\n'));

    let node: CallrelayProcess = await startCallrelay(config, { LOG_LEVEL: 'error' });
    let url = node.url;
    let kills = 0;
    let ackedAtStart = 0;
    let restarting: Promise<void> = Promise.resolve();
    const killAndRestart = () => {
      kills += 1;
      url = '';
      const dying = node;
      dying.child.kill('SIGKILL');
      restarting = (async () => {
        await dying.exited;
        node = await startCallrelay(config, { LOG_LEVEL: 'error' });
        url = node.url;
      })();
    };
    try {
      const stats = await postStream(scenarios, {
        target: () => url,
        concurrency: 12,
        deadline: Date.now() + 90_000,
        onAcknowledged: (s) => {
          if (kills < KILLS && url && s.acknowledged - ackedAtStart >= gaps[kills]!) {
            killAndRestart();
            void restarting.then(() => { ackedAtStart = s.acknowledged; });
          }
        },
      });
      await restarting;
      expect(kills, 'every planned kill happened mid-stream').to.equal(KILLS);

      const complete = () => {
        const rows = { csv: csvRows([csv]), hook: receivedEvents(receiver.received) };
        const done = missingFrom(rows.csv, stats.ackedEventIds).length === 0 && missingFrom(rows.hook, stats.ackedEventIds).length === 0
          && outcomeProblems(rows.csv, scenarios).length === 0 && outcomeProblems(rows.hook, scenarios).length === 0;
        return done ? rows : undefined;
      };
      // Work leased by a killed node comes back when its lease ends (10 s), so this may take a while.
      const streamEnded = Date.now();
      await eventually(complete, 60_000, 'every acknowledged event and every outcome in both sinks').catch(() => undefined);
      const caughtUpMs = Date.now() - streamEnded;
      // A second outcome, if the tracker could give one, would come within the settle window.
      await new Promise((r) => setTimeout(r, SETTLE_MS + 2500));
      const rows = { csv: csvRows([csv]), hook: receivedEvents(receiver.received) };
      const lost = { csv: missingFrom(rows.csv, stats.ackedEventIds), hook: missingFrom(rows.hook, stats.ackedEventIds) };
      const duplicates = { csv: duplicateCount(rows.csv), hook: duplicateCount(rows.hook) };
      const bound = { csv: KILLS * CSV_DELIVERY.concurrency * CSV_DELIVERY.batchSize, hook: KILLS * WEBHOOK_DELIVERY.concurrency * WEBHOOK_DELIVERY.batchSize };
      const missedIds = new Set(rows.csv.filter((r) => r.type === 'missed').map((r) => r.id));
      console.log(`      crash loop: ${KILLS} SIGKILLs; ${stats.acknowledged} webhooks acknowledged (${stats.refused} tries refused or reset and retried), ` +
        `${stats.ackedEventIds.size} events; lost: csv ${lost.csv.length}, webhook ${lost.hook.length}; ` +
        `duplicates: csv ${duplicates.csv} of ${rows.csv.length} rows (bound ${bound.csv}), webhook ${duplicates.hook} of ${rows.hook.length} (bound ${bound.hook}); ` +
        `${missedCallCount(scenarios)} missed calls, ${missedIds.size} distinct missed event ids; sinks complete ${caughtUpMs} ms after the last webhook`);
      expect(lost.csv, 'acknowledged events missing from the CSV sink').to.deep.equal([]);
      expect(lost.hook, 'acknowledged events missing from the webhook sink').to.deep.equal([]);
      expect(outcomeProblems(rows.csv, scenarios), 'outcomes in the CSV sink').to.deep.equal([]);
      expect(outcomeProblems(rows.hook, scenarios), 'outcomes in the webhook sink').to.deep.equal([]);
      expect(missedIds.size).to.equal(missedCallCount(scenarios));
      // At-least-once: only what was in flight at a kill repeats, at most a batch per delivery slot
      // (sinks that take batches get up to batchSize items per attempt; others one).
      expect(duplicates.csv).to.be.at.most(bound.csv);
      expect(duplicates.hook).to.be.at.most(bound.hook);
    } finally {
      await restarting.catch(() => undefined);
      await node.kill('SIGTERM');
      await receiver.stop();
    }
  });
});
