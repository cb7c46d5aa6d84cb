import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';
import { PrivateNats, uniquePrefix } from '../support/nats.js';
import { TestReceiver } from '../support/receiver.js';
import { sourcesConfig, streamPlan, PLATFORM_SOURCES } from '../support/fault-scenarios.js';
import {
  csvRows, duplicateCount, faultSeed, missedCallCount, missingFrom, outcomeProblems, postStream, receivedEvents, seededRandom,
} from '../support/fault-stream.js';

/**
 * Issue 12 item 14, on NATS JetStream with two nodes: the NATS server is restarted mid-stream
 * (webhooks get 503 with Retry-After while it is away, and the platforms retry), and one node is
 * SIGKILLed mid-stream and restarted. Every acknowledged webhook's events must reach the sinks and
 * every call must get exactly one outcome event id. test/e2e/nats-scale.test.ts has the parts
 * this does not repeat: a node killed without a NATS restart, calls split across nodes, and the
 * 503 of a single webhook while NATS is down.
 */
const COPIES = 3;
const SETTLE_MS = 500;
const QUIET_MS = 8000;
const NATS_DOWN_MS = 3000;
const CSV_DELIVERY = { concurrency: 2, batchSize: 50 };
const WEBHOOK_DELIVERY = { concurrency: 4, batchSize: 10 };

describe('faults: NATS restarted and a node killed mid-stream (two nodes)', function () {
  this.timeout(150_000);

  it('loses no acknowledged webhook, answers 503 while NATS is away, and gives one outcome per call', async function () {
    if (!PrivateNats.available) {
      if (process.env.CI === 'true') throw new Error('nats-server is not installed; CI must run this test');
      return this.skip();
    }
    const seed = faultSeed();
    const random = seededRandom(seed);
    const plan = await streamPlan(COPIES, { settleMs: SETTLE_MS, quietMs: QUIET_MS });
    const scenarios = plan.scenarios.map((s) => ({ s, k: random() })).sort((a, b) => a.k - b.k).map(({ s }) => s);
    const requests = scenarios.reduce((n, s) => n + s.requests.length, 0);
    // NATS goes away after this many acknowledged webhooks, node b is killed after that many.
    const natsAt = Math.floor(requests * (0.2 + 0.15 * random()));
    const killAt = Math.floor(requests * (0.55 + 0.15 * random()));
    console.log(`      nats faults: seed ${seed} (FAULT_SEED=${seed} repeats it); ${scenarios.length} calls, ${requests} webhooks; ` +
      `NATS restarted after ${natsAt} acknowledged webhooks (${NATS_DOWN_MS} ms away), node b SIGKILLed after ${killAt}`);

    const nats = new PrivateNats();
    await nats.start();
    const receiver = new TestReceiver();
    await receiver.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-fault-nats-'));
    const csv = { a: path.join(dir, 'a.csv'), b: path.join(dir, 'b.csv') };
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0 }',
      `store: { type: nats, servers: ["${nats.url}"], prefix: ${uniquePrefix('faults')}, ackWaitMs: 3000, requestTimeoutMs: 2000 }`,
      `tracker: { settleMs: ${SETTLE_MS}, quietMs: ${QUIET_MS} }`,
      ...sourcesConfig(),
      'sinks:',
      `  log: { type: csv, path: "\${CSV_PATH}", columns: [id, type, source, callId, legId], delivery: ${JSON.stringify(CSV_DELIVERY)} }`,
      `  hook: { type: webhook, url: "${receiver.url}", delivery: { concurrency: ${WEBHOOK_DELIVERY.concurrency}, batchSize: ${WEBHOOK_DELIVERY.batchSize}, initialBackoffMs: 200, maxBackoffMs: 1000 } }`,
      'pipelines:',
      `  all: { from: [${Object.values(PLATFORM_SOURCES).join(', ')}], to: [log, hook] }`,
      '',
    ].join('\n'));

    const nodes: Record<'a' | 'b', CallrelayProcess | undefined> = {
      a: await startCallrelay(config, { LOG_LEVEL: 'fatal', CSV_PATH: csv.a }),
      b: await startCallrelay(config, { LOG_LEVEL: 'fatal', CSV_PATH: csv.b }),
    };
    const up = { a: true, b: true };
    const faults: Promise<void>[] = [];
    let natsRestarted = false;
    let killed = false;
    try {
      const stats = await postStream(scenarios, {
        // A load balancer in front: requests alternate between the nodes, and go to the other while one is down.
        target: (_scenario, index) => {
          const first = index % 2 === 0 ? 'a' : 'b';
          const other = first === 'a' ? 'b' : 'a';
          return up[first] ? nodes[first]!.url : up[other] ? nodes[other]!.url : '';
        },
        concurrency: 8,
        deadline: Date.now() + 100_000,
        onAcknowledged: (s) => {
          if (!natsRestarted && s.acknowledged >= natsAt) {
            natsRestarted = true;
            faults.push((async () => {
              await nats.stop();
              await new Promise((r) => setTimeout(r, NATS_DOWN_MS));
              await nats.start();
            })());
          }
          if (!killed && s.acknowledged >= killAt) {
            killed = true;
            up.b = false;
            const dying = nodes.b!;
            dying.child.kill('SIGKILL');
            faults.push((async () => {
              await dying.exited;
              nodes.b = await startCallrelay(config, { LOG_LEVEL: 'fatal', CSV_PATH: csv.b });
              up.b = true;
            })());
          }
        },
      });
      await Promise.all(faults);
      expect(natsRestarted && killed, 'both faults happened mid-stream').to.equal(true);

      const read = () => ({ csv: csvRows([csv.a, csv.b]), hook: receivedEvents(receiver.received) });
      const streamEnded = Date.now();
      await eventually(() => {
        const rows = read();
        return missingFrom(rows.csv, stats.ackedEventIds).length === 0 && missingFrom(rows.hook, stats.ackedEventIds).length === 0
          && outcomeProblems(rows.csv, scenarios).length === 0 && outcomeProblems(rows.hook, scenarios).length === 0 ? true : undefined;
      }, 60_000, 'every acknowledged event and every outcome in both sinks').catch(() => undefined);
      const caughtUpMs = Date.now() - streamEnded;
      await new Promise((r) => setTimeout(r, SETTLE_MS + 2500));
      const rows = read();
      const lost = { csv: missingFrom(rows.csv, stats.ackedEventIds), hook: missingFrom(rows.hook, stats.ackedEventIds) };
      const duplicates = { csv: duplicateCount(rows.csv), hook: duplicateCount(rows.hook) };
      // What was in flight on both nodes at the NATS restart (acks lost) and on the killed node.
      const bound = { csv: 3 * 2 * CSV_DELIVERY.concurrency * CSV_DELIVERY.batchSize, hook: 3 * 2 * WEBHOOK_DELIVERY.concurrency * WEBHOOK_DELIVERY.batchSize };
      const missedIds = new Set(rows.csv.filter((r) => r.type === 'missed').map((r) => r.id));
      console.log(`      nats faults: ${stats.acknowledged} webhooks acknowledged, ${stats.unavailable} answers 503 while NATS was away ` +
        `(${stats.unavailableWithRetryAfter} with Retry-After), ${stats.refused} tries retried in all; lost: csv ${lost.csv.length}, webhook ${lost.hook.length}; ` +
        `duplicates: csv ${duplicates.csv} of ${rows.csv.length} rows (bound ${bound.csv}), webhook ${duplicates.hook} of ${rows.hook.length} (bound ${bound.hook}); ` +
        `${missedCallCount(scenarios)} missed calls, ${missedIds.size} distinct missed event ids; sinks complete ${caughtUpMs} ms after the last webhook`);
      expect(stats.unavailable, 'webhooks answered 503 while NATS was away').to.be.greaterThan(0);
      expect(stats.unavailableWithRetryAfter, 'every 503 carries Retry-After').to.equal(stats.unavailable);
      expect(lost.csv, 'acknowledged events missing from the CSV sinks').to.deep.equal([]);
      expect(lost.hook, 'acknowledged events missing from the webhook sink').to.deep.equal([]);
      expect(outcomeProblems(rows.csv, scenarios), 'outcomes in the CSV sinks').to.deep.equal([]);
      expect(outcomeProblems(rows.hook, scenarios), 'outcomes in the webhook sink').to.deep.equal([]);
      expect(missedIds.size).to.equal(missedCallCount(scenarios));
      expect(duplicates.csv).to.be.at.most(bound.csv);
      expect(duplicates.hook).to.be.at.most(bound.hook);
    } finally {
      await Promise.allSettled(faults);
      for (const node of Object.values(nodes)) await node?.kill('SIGTERM');
      await receiver.stop();
      await nats.stop();
    }
  });
});
