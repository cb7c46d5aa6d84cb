import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { eventually, startCallrelay } from '../support/callrelay-process.js';

/**
 * Durability: webhooks stream in, the process is SIGKILLed mid-stream and restarted. Every webhook
 * that got a 2xx must reach the CSV sink; some may arrive twice (at-least-once), and we report how many.
 */
describe('crash recovery (SIGKILL mid-stream)', function () {
  this.timeout(120_000);

  it('delivers every acknowledged webhook after a restart and reports duplicates', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-crash-'));
    const csvFile = path.join(dir, 'calls.csv');
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0 }',
      'store: { type: sqlite, path: store.db }',
      'tracker: { enabled: false }',
      'sources:',
      '  pbx: { type: jambonz, auth: none }',
      'sinks:',
      '  log:',
      '    type: csv',
      '    path: calls.csv',
      '    columns: [legId, type]',
      '    delivery: { concurrency: 8 }',
      'pipelines:',
      '  all: { from: [pbx], to: [log] }',
      '',
    ].join('\n'));

    const total = 1500;
    const killAfter = 400;
    const acked = new Set<string>();
    let node = await startCallrelay(config, { LOG_LEVEL: 'warn' });
    const url = `${node.url}/hooks/pbx`;
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < total) {
        const sid = `crash-${next++}`;
        try {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_sid: sid, call_status: 'ringing', direction: 'inbound', from: '+12125551212', to: '+14155551234' }) });
          if (res.status >= 200 && res.status < 300) acked.add(sid);
          await res.arrayBuffer();
        } catch {
          // Connection refused or reset by the kill: not acknowledged, so the platform would retry.
        }
        if (!killed && acked.size >= killAfter) {
          killed = true;
          node.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await node.exited;
    expect(killed).to.equal(true);
    const rowsAtKill = existsSync(csvFile) ? (parse(readFileSync(csvFile), { columns: true }) as unknown[]).length : 0;

    node = await startCallrelay(config, { LOG_LEVEL: 'warn' });
    try {
      const rows = await eventually(() => {
        if (!existsSync(csvFile)) return undefined;
        const parsed = parse(readFileSync(csvFile), { columns: true, relax_column_count: true }) as { legId: string }[];
        const seen = new Set(parsed.map((r) => r.legId));
        return [...acked].every((sid) => seen.has(sid)) ? parsed : undefined;
      }, 60_000, 'every acknowledged webhook in the CSV');
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row.legId, (counts.get(row.legId) ?? 0) + 1);
      const duplicates = [...counts.values()].filter((n) => n > 1).length;
      const missing = [...acked].filter((sid) => !counts.has(sid));
      console.log(`      crash test: ${acked.size} webhooks acknowledged before/around the kill, ${rowsAtKill} rows written before it, ` +
        `${rows.length} rows after restart, ${missing.length} missing, ${duplicates} delivered twice`);
      expect(missing).to.deep.equal([]);
    } finally {
      await node.kill('SIGTERM');
    }
  });
});
