import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, REPO_ROOT, eventually, runCli, startNode } from '../support/callrelay-process.js';
import { HangingReceiver } from '../support/hanging-receiver.js';

/**
 * Issue 12 item 10: a destination that accepts the connection and never answers. Each attempt must
 * end after `timeoutMs` however often the garbage collector runs. The node runs with `--expose-gc`
 * and a preload that forces a full collection every 25 ms: with the old timeout
 * (`AbortSignal.any([AbortSignal.timeout(t), shutdown])`, nodejs/node#57736) the collector takes
 * the timeout signal, no attempt ever ends, and the delivery holds its slot until its lease runs
 * out, to be handed out again and hang again, never dead-lettered.
 */
const TIMEOUT_MS = 1000;
const MAX_ATTEMPTS = 3;
const LEASE_MS = TIMEOUT_MS + 5000; // SinkWorker: a lease lasts timeoutMs plus a 5 s margin
const GC_EVERY_MS = 25;

describe('faults: a sink that never answers (forced garbage collection)', function () {
  this.timeout(60_000);

  it(`bug: an attempt to a hanging receiver must time out after timeoutMs even when GC runs every ${GC_EVERY_MS} ms`, async () => {
    const receiver = new HangingReceiver();
    await receiver.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-fault-hang-'));
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0, shutdownGraceMs: 500 }',
      'store: { type: sqlite, path: store.db }',
      'tracker: { enabled: false }',
      'sources:',
      '  pbx: { type: jambonz, auth: none }',
      'sinks:',
      '  stuck:',
      '    type: webhook',
      `    url: "${receiver.url}"`,
      `    delivery: { timeoutMs: ${TIMEOUT_MS}, maxAttempts: ${MAX_ATTEMPTS}, initialBackoffMs: 100, maxBackoffMs: 200, concurrency: 1, batchSize: 1 }`,
      'pipelines:',
      '  all: { from: [pbx], to: [stuck] }',
      '',
    ].join('\n'));
    const node = await startNode(
      ['--expose-gc', '--import', path.join(REPO_ROOT, 'test', 'support', 'periodic-gc.mjs'), CLI, 'run', config],
      { LOG_LEVEL: 'warn', CALLRELAY_TEST_GC_MS: String(GC_EVERY_MS) },
    );
    try {
      expect(node.stderr(), 'the node runs with the periodic collection').to.include(`periodic-gc: global.gc() every ${GC_EVERY_MS} ms`);
      const res = await fetch(`${node.url}/hooks/pbx`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ call_sid: 'hang-1', call_status: 'ringing', direction: 'inbound', from: '+12125551212', to: '+14155551234' }),
      });
      expect(res.status).to.equal(200);
      const started = Date.now();
      // Every attempt times out, so the attempts are spent and the delivery is dead-lettered in
      // about MAX_ATTEMPTS × TIMEOUT_MS; without working timeouts it never is.
      const listed = await eventually(async () => {
        const r = await runCli(['dlq', 'list', config]);
        return /1 dead letter/.test(r.stdout) ? r.stdout : undefined;
      }, 25_000, 'the delivery to be dead-lettered after its attempts timed out');
      const elapsed = Date.now() - started;
      expect(listed).to.match(new RegExp(`timed out after ${TIMEOUT_MS} ms`));
      expect(listed).to.match(new RegExp(`gave up after ${MAX_ATTEMPTS} attempts`));
      expect(receiver.requests, 'one request per attempt').to.have.length(MAX_ATTEMPTS);
      expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size, 'one delivery id across attempts').to.equal(1);
      const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at);
      // A retry after a timeout comes after timeoutMs plus a short backoff; a hung attempt would only
      // be handed out again when its lease ran out.
      for (const gap of gaps) expect(gap, 'time between two attempts').to.be.at.least(TIMEOUT_MS).and.below(LEASE_MS);
      const exit = await node.kill('SIGTERM');
      expect(exit).to.equal(0);
      const collections = Number(/periodic-gc: (\d+) collections/.exec(node.stderr())?.[1] ?? 0);
      console.log(`      hanging sink: ${MAX_ATTEMPTS} attempts, gaps ${gaps.join(', ')} ms (timeout ${TIMEOUT_MS} ms, lease ${LEASE_MS} ms), ` +
        `dead-lettered ${elapsed} ms after the webhook, ${collections} forced collections meanwhile`);
      expect(collections, 'garbage collections forced while the attempts hung').to.be.greaterThan(MAX_ATTEMPTS * TIMEOUT_MS / GC_EVERY_MS / 4);
    } finally {
      await node.kill('SIGKILL');
      await receiver.stop();
    }
  });
});
