import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, runCli, startCallrelay } from '../support/callrelay-process.js';
import { OutageReceiver } from '../support/outage-receiver.js';
import { csvRows, metricValue } from '../support/fault-stream.js';

/**
 * A webhook destination that answers 503 for a while, then refuses connections for a while, then
 * comes back. With a retry schedule that outlasts the outage, deliveries resume by themselves once
 * it ends: none lost, none dead-lettered, and the other sink (CSV) is not held back meanwhile.
 * The schedule here is short so that the test fits in its time; the default one spans about a day
 * (docs/configuration.md).
 */
const PER_PHASE = 100;
const PHASE_MS = 4000;
// The attempt timeout (and the lease, derived from it) is generous: a 503 or a refused connection
// answers at once, while a 200 that a loaded machine takes over 2 s to deliver was retried and
// counted as a duplicate (at least once, correctly, but not what this test is about).
const DELIVERY = { initialBackoffMs: 250, maxBackoffMs: 1000, maxAttempts: 40, timeoutMs: 10_000, concurrency: 4, batchSize: 10 };
// The shortest the schedule can be: each wait may be shortened by jitter, by up to half (the old
// "equal jitter") or a fifth (the day-long schedule): take half to be safe.
const SCHEDULE_MIN_MS = Array.from({ length: DELIVERY.maxAttempts - 1 }, (_, i) => Math.min(DELIVERY.maxBackoffMs, DELIVERY.initialBackoffMs * 2 ** i) / 2)
  .reduce((a, b) => a + b, 0);

describe('faults: a sink outage (503, then connections refused, then back)', function () {
  this.timeout(90_000);

  it('delivers everything once the destination is back, dead-letters nothing, and keeps the other sink going', async () => {
    expect(SCHEDULE_MIN_MS, 'the retry schedule outlasts the outage').to.be.greaterThan(3 * PHASE_MS);
    const receiver = new OutageReceiver();
    await receiver.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-fault-outage-'));
    const csv = path.join(dir, 'events.csv');
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0 }',
      'admin: { port: 0 }',
      'store: { type: sqlite, path: store.db }',
      'tracker: { enabled: false }',
      'sources:',
      '  pbx: { type: jambonz, auth: none }',
      'sinks:',
      '  log: { type: csv, path: events.csv, columns: [id, type, source, callId, legId] }',
      `  hook: { type: webhook, url: "${receiver.url}", delivery: ${JSON.stringify(DELIVERY)} }`,
      'pipelines:',
      '  all: { from: [pbx], to: [log, hook] }',
      '',
    ].join('\n'));
    const node = await startCallrelay(config, { LOG_LEVEL: 'error' });
    const acked = new Set<string>();
    // 16 at a time, each retried on 503 as a platform would (the ingest server sheds load beyond
    // `server.concurrencyPerSource`).
    const postPhase = async (phase: string) => {
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < PER_PHASE) {
          const sid = `${phase}-${next++}`;
          const body = JSON.stringify({ call_sid: sid, call_status: 'ringing', direction: 'inbound', from: '+12125551212', to: '+14155551234' });
          await eventually(async () => {
            const res = await fetch(`${node.url}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            await res.arrayBuffer();
            if (res.status !== 503) expect(res.status, `webhook ${sid}`).to.equal(200);
            return res.ok ? true : undefined;
          }, 10_000, `webhook ${sid} acknowledged`);
          acked.add(sid);
        }
      }));
    };
    const csvHasAll = () => {
      const legs = new Set(csvRows([csv]).map((r) => (r as unknown as { legId: string }).legId));
      return [...acked].every((sid) => legs.has(sid)) ? true : undefined;
    };
    const deliveredLegs = () => new Set(receiver.delivered().map((r) => (JSON.parse(r.body) as { legId: string }).legId));
    try {
      await postPhase('before');
      await eventually(() => (deliveredLegs().size === PER_PHASE ? true : undefined), 20_000, 'the first webhooks delivered');

      receiver.mode = 'unavailable';
      const outageStart = Date.now();
      await postPhase('while-503');
      await eventually(csvHasAll, 20_000, 'the CSV sink to go on while the webhook sink gets 503');
      await eventually(() => (receiver.received.some((r) => r.status === 503) ? true : undefined), 20_000, 'a 503 answered');
      await new Promise((r) => setTimeout(r, Math.max(0, outageStart + PHASE_MS - Date.now())));

      await receiver.goDown();
      const refusedStart = Date.now();
      await postPhase('while-refused');
      await eventually(csvHasAll, 20_000, 'the CSV sink to go on while the webhook sink refuses connections');
      await new Promise((r) => setTimeout(r, Math.max(0, refusedStart + PHASE_MS - Date.now())));
      const retriesDuringOutage = await metricValue(node.adminUrl(), 'callrelay_deliveries_total', { sink: 'hook', outcome: 'retry' });
      const pendingAtRecovery = PER_PHASE * 3 - deliveredLegs().size;

      receiver.mode = 'up';
      await receiver.comeBack();
      const recovered = Date.now();
      await postPhase('after');
      await eventually(() => ([...acked].every((sid) => deliveredLegs().has(sid)) ? true : undefined), 30_000, 'every webhook delivered after the outage');
      const caughtUpMs = Date.now() - recovered;

      const deadLetters = await runCli(['dlq', 'list', config]);
      expect(deadLetters.stdout, 'nothing dead-lettered while the schedule allows').to.match(/no dead letters/);
      expect(await metricValue(node.adminUrl(), 'callrelay_deliveries_total', { sink: 'hook', outcome: 'dead_letter' })).to.equal(0);
      expect(retriesDuringOutage, 'the outage was felt: deliveries were retried').to.be.greaterThan(0);
      expect(pendingAtRecovery, 'deliveries were waiting when the destination came back').to.be.greaterThan(0);
      const answered503 = receiver.received.filter((r) => r.status === 503).length;
      const delivered = receiver.delivered();
      const duplicates = delivered.length - deliveredLegs().size;
      console.log(`      sink outage: ${acked.size} webhooks; ${PHASE_MS} ms of 503 (${answered503} answered) then ${PHASE_MS} ms refused; ` +
        `${retriesDuringOutage} retries, ${pendingAtRecovery} deliveries waiting at recovery, all delivered ${caughtUpMs} ms after it; ` +
        `0 lost, 0 dead letters, ${duplicates} duplicates; schedule: ${DELIVERY.maxAttempts} attempts, at least ${Math.round(SCHEDULE_MIN_MS / 1000)} s`);
      expect(duplicates, 'a 503 or a refused connection delivered nothing, so nothing repeats').to.equal(0);
    } finally {
      await node.kill('SIGTERM');
      await receiver.stop();
    }
  });
});
