import { after } from 'mocha';
import { it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadFixtures, type WebhookFixture } from '@callrelay/testkit';
import { eventually, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';
import { NATS_URL, PrivateNats, describeWithNats, destroyPrefix, uniquePrefix } from '../support/nats.js';

/** A config for one node of a NATS deployment; each node writes its own CSV file (CSV_PATH). */
function natsConfig(dir: string, prefix: string, url: string, extra: string[] = []): string {
  const file = path.join(dir, 'callrelay.yaml');
  writeFileSync(file, [
    'server: { port: 0 }',
    `store: { type: nats, servers: ["${url}"], prefix: ${prefix}, ackWaitMs: 3000, requestTimeoutMs: 2000 }`,
    'tracker: { settleMs: 1500 }',
    'sources:',
    '  pbx: { type: jambonz, auth: none }',
    ...(extra.length ? extra : []),
    'sinks:',
    '  log: { type: csv, path: "${CSV_PATH}", columns: [legId, type, callId, source], delivery: { concurrency: 8 } }',
    'pipelines:',
    `  all: { from: [${extra.length ? 'pbx, cx' : 'pbx'}], to: [log] }`,
    '',
  ].join('\n'));
  return file;
}

const rowsOf = (files: string[]) => files.flatMap((f) => (existsSync(f) ? parse(readFileSync(f), { columns: true, relax_column_count: true }) as Record<string, string>[] : []));

describeWithNats('scale-out on NATS JetStream (two nodes)', function () {
  this.timeout(180_000);
  const nodes: CallrelayProcess[] = [];
  const prefixes: string[] = [];
  const start = async (config: string, env: Record<string, string>, url?: string) => {
    const node = await startCallrelay(config, { LOG_LEVEL: 'warn', ...env }, url ? [] : []);
    nodes.push(node);
    return node;
  };
  after(async () => {
    for (const node of nodes) await node.kill('SIGTERM').catch(() => undefined);
    for (const prefix of prefixes) await destroyPrefix(prefix).catch(() => undefined);
  });

  it('delivers every acknowledged webhook when one of two nodes is SIGKILLed mid-stream and restarted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-nats-kill-'));
    const prefix = uniquePrefix('kill');
    prefixes.push(prefix);
    const config = natsConfig(dir, prefix, NATS_URL);
    const csv = [path.join(dir, 'a.csv'), path.join(dir, 'b.csv')];
    const a = await start(config, { CSV_PATH: csv[0]! });
    let b = await start(config, { CSV_PATH: csv[1]! });
    const total = 600;
    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const sid = `nk-${i}`;
        const node = i % 2 === 0 ? a : b;
        try {
          const res = await fetch(`${node.url}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_sid: sid, call_status: 'ringing', direction: 'inbound' }) });
          if (res.ok) acked.add(sid);
          await res.arrayBuffer();
        } catch { /* the killed node: not acknowledged */ }
        if (!killed && acked.size >= 200) { killed = true; b.child.kill('SIGKILL'); }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await b.exited;
    b = await start(config, { CSV_PATH: csv[1]! });
    const rows = await eventually(() => {
      const all = rowsOf(csv);
      const seen = new Set(all.map((r) => r.legId));
      return [...acked].every((sid) => seen.has(sid)) ? all : undefined;
    }, 90_000, 'every acknowledged webhook in the CSV files of the two nodes');
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.legId!, (counts.get(r.legId!) ?? 0) + 1);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    console.log(`      nats kill test: ${acked.size} acknowledged, ${rows.length} rows on 2 nodes, 0 missing, ${twice} delivered twice`);
    expect([...acked].filter((sid) => !counts.has(sid))).to.deep.equal([]);
  });

  it('yields exactly one missed event for a call whose events land on different nodes, and none for an answered one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-nats-split-'));
    const prefix = uniquePrefix('split');
    prefixes.push(prefix);
    const cx = loadFixtures('3cx').length > 0;
    const config = natsConfig(dir, prefix, NATS_URL, cx ? ['  cx: { type: 3cx, auth: none }'] : []);
    const csv = [path.join(dir, 'a.csv'), path.join(dir, 'b.csv')];
    const a = await start(config, { CSV_PATH: csv[0]! });
    const b = await start(config, { CSV_PATH: csv[1]! });
    const scenarios: { fixture: WebhookFixture; route: string }[] = [
      ...loadFixtures('jambonz').filter((f) => f.expectOutcomes && f.requests.length > 2).map((fixture) => ({ fixture, route: '/hooks/pbx' })),
      ...(cx ? loadFixtures('3cx').filter((f) => f.expectOutcomes && f.requests.length > 1).map((fixture) => ({ fixture, route: '/hooks/cx' })) : []),
    ];
    expect(scenarios.length).to.be.greaterThan(0);
    let expectedMissed = 0;
    let expectedCompleted = 0;
    for (const { fixture, route } of scenarios) {
      expectedMissed += fixture.expectOutcomes!.missed;
      expectedCompleted += fixture.expectOutcomes!.completed;
      // Alternate nodes request by request, in parallel pairs, so one call's events meet on both nodes.
      await Promise.all(fixture.requests.map((request, i) => {
        const node = i % 2 === 0 ? a : b;
        const url = `${node.url}${route}${request.query ? `?${request.query}` : ''}`;
        const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
        return fetch(url, { method, headers: request.contentType ? { 'content-type': request.contentType } : {}, body: method === 'GET' ? undefined : request.body })
          .then((r) => expect(r.status, `${fixture.name} step ${i + 1}`).to.equal(200));
      }));
    }
    const outcomes = await eventually(() => {
      const rows = rowsOf(csv).filter((r) => r.type === 'missed' || r.type === 'completed');
      return rows.filter((r) => r.type === 'missed').length >= expectedMissed && rows.filter((r) => r.type === 'completed').length >= expectedCompleted ? rows : undefined;
    }, 30_000, 'the outcomes of every scenario');
    await new Promise((r) => setTimeout(r, 3000)); // a second outcome, if any, would arrive within the settle window
    const final = rowsOf(csv).filter((r) => r.type === 'missed' || r.type === 'completed');
    const perCall = new Map<string, string[]>();
    for (const r of final) perCall.set(`${r.source}:${r.callId}`, [...(perCall.get(`${r.source}:${r.callId}`) ?? []), r.type!]);
    for (const [call, types] of perCall) expect(types, `outcomes of ${call}`).to.have.length(1);
    expect(final.filter((r) => r.type === 'missed')).to.have.length(expectedMissed);
    expect(final.filter((r) => r.type === 'completed')).to.have.length(expectedCompleted);
    expect(outcomes.length).to.be.at.least(1);
  });

  it('answers 503 while NATS is down, acknowledges nothing it did not store, and resumes without a restart', async function () {
    if (!PrivateNats.available) {
      if (process.env.CI === 'true') throw new Error('nats-server is not installed; CI must run this test');
      return this.skip();
    }
    const nats = new PrivateNats();
    await nats.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-nats-down-'));
    const config = natsConfig(dir, uniquePrefix('down'), nats.url);
    const csv = path.join(dir, 'a.csv');
    const node = await start(config, { CSV_PATH: csv });
    const post = (sid: string) => fetch(`${node.url}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_sid: sid, call_status: 'ringing' }) });
    expect((await post('before-outage')).status).to.equal(200);
    await nats.stop();
    const during = await post('during-outage');
    expect(during.status).to.equal(503);
    expect(during.headers.get('retry-after')).to.equal('5');
    await nats.start();
    const after = await eventually(async () => {
      const res = await post('after-outage');
      return res.status === 200 ? res : undefined;
    }, 30_000, 'ingestion to resume after NATS returned');
    expect(after.status).to.equal(200);
    await eventually(() => {
      const legs = rowsOf([csv]).map((r) => r.legId);
      return legs.includes('before-outage') && legs.includes('after-outage') ? true : undefined;
    }, 30_000, 'both stored webhooks delivered');
    expect(rowsOf([csv]).map((r) => r.legId), 'the refused webhook was not acknowledged, so nothing of it exists').to.not.include('during-outage');
    await node.kill('SIGTERM');
    await nats.stop();
  });
});
