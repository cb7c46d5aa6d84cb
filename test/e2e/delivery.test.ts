import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, runCli, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';
import { TestReceiver } from '../support/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** Writes a config: jambonz (no auth) → webhook sinks pointed at the receivers. */
function configFile(sinks: Record<string, { url: string; delivery?: string }>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-delivery-'));
  const file = path.join(dir, 'callrelay.yaml');
  const lines = ['server: { port: 0 }', 'store: { type: sqlite, path: store.db }', 'tracker: { enabled: false }', 'sources:', '  pbx: { type: jambonz, auth: none }', 'sinks:'];
  for (const [id, sink] of Object.entries(sinks)) {
    lines.push(`  ${id}:`, '    type: webhook', `    url: "${sink.url}"`, `    secret: "${SECRET}"`, `    delivery: ${sink.delivery ?? '{ initialBackoffMs: 100, maxBackoffMs: 300, maxAttempts: 5 }'}`);
  }
  lines.push('pipelines:', `  all: { from: [pbx], to: [${Object.keys(sinks).join(', ')}] }`, '');
  writeFileSync(file, lines.join('\n'));
  return file;
}

const post = (node: CallrelayProcess, sid: string) => fetch(`${node.url}/hooks/pbx`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_sid: sid, call_status: 'ringing', from: '+12125551212' }),
});

describe('delivery end to end (retries, dead letters, slow sinks)', function () {
  this.timeout(90_000);
  const receivers: TestReceiver[] = [];
  const nodes: CallrelayProcess[] = [];
  const receiver = async () => { const r = new TestReceiver(); receivers.push(r); await r.start(); return r; };
  const start = async (config: string) => { const n = await startCallrelay(config, { LOG_LEVEL: 'warn' }); nodes.push(n); return n; };
  after(async () => {
    for (const n of nodes) await n.kill('SIGTERM');
    for (const r of receivers) await r.stop();
  });

  it('delivers to a sink that fails three times and then succeeds', async () => {
    const flaky = await receiver();
    flaky.respond = (n) => (n <= 3 ? 503 : 200);
    const node = await start(configFile({ flaky: { url: flaky.url } }));
    expect((await post(node, 'flaky-1')).status).to.equal(200);
    await eventually(() => (flaky.delivered === 1 ? true : undefined), 20_000, 'the fourth attempt to succeed');
    expect(flaky.received).to.have.length(4);
    expect(new Set(flaky.received.map((r) => r.headers['webhook-id'])).size, 'one delivery id across retries').to.equal(1);
  });

  it('dead-letters a sink that always fails, with its reason; dlq replay delivers it once the sink is fixed', async () => {
    const broken = await receiver();
    broken.respond = () => 500;
    const config = configFile({ broken: { url: broken.url, delivery: '{ initialBackoffMs: 50, maxBackoffMs: 100, maxAttempts: 3 }' } });
    const node = await start(config);
    expect((await post(node, 'doomed-1')).status).to.equal(200);
    const listed = await eventually(async () => {
      const r = await runCli(['dlq', 'list', config]);
      return /1 dead letter/.test(r.stdout) ? r.stdout : undefined;
    }, 30_000, 'a dead letter');
    expect(listed).to.match(/sink broken/);
    expect(listed).to.match(/reason: .*500.*gave up after 3 attempts/);
    expect(broken.received).to.have.length(3);

    broken.respond = () => 200; // the sink is fixed
    const replay = await runCli(['dlq', 'replay', config, '--all']);
    expect(replay.code, replay.stderr).to.equal(0);
    expect(replay.stdout).to.match(/1 dead letter\(s\) queued again/);
    await eventually(() => (broken.delivered === 1 ? true : undefined), 20_000, 'the replayed delivery');
    expect(JSON.parse(broken.received.at(-1)!.body).legId).to.equal('doomed-1');
    expect((await runCli(['dlq', 'list', config])).stdout).to.match(/no dead letters/);
  });

  it('a sink that answers slowly does not hold back ingestion or another sink', async () => {
    const slow = await receiver();
    slow.delayMs = 3000;
    const fast = await receiver();
    const node = await start(configFile({
      slow: { url: slow.url, delivery: '{ concurrency: 2, timeoutMs: 10000 }' },
      fast: { url: fast.url },
    }));
    const total = 40;
    const answers = await Promise.all(Array.from({ length: total }, (_, i) => post(node, `burst-${i}`).then((r) => r.status)));
    expect(answers.every((s) => s === 200), 'every webhook acknowledged').to.equal(true);
    // Every webhook is acknowledged and the fast sink gets all of them while the slow sink has
    // finished at most its first couple: a structural check, not a timing threshold.
    await eventually(() => (fast.delivered === total ? true : undefined), 20_000, 'the fast sink to receive everything');
    expect(slow.delivered, 'the slow sink is still working through its queue').to.be.below(total);
    expect(slow.received.length, 'the slow sink never has more in flight than its concurrency').to.be.at.most(slow.delivered + 2);
  });
});
