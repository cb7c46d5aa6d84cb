/**
 * Benchmark (a harness, not a test): loads (a) a bare koa server that parses the same JSON and
 * answers 200, (b) callrelay running the quickstart pipeline with durable acknowledgement (SQLite,
 * synchronous=full, group commit), then measures (c) end to end: N webhooks in as fast as 50
 * connections send them, and the time until the last one is a row in the CSV file (fsynced), and
 * (d) the node's peak RSS over the whole run. Prints throughput, p50/p99 and the ratio b/a.
 *
 *   npm run bench                       # both, 50 connections, 10 s each
 *   BENCH_STORE=nats npm run bench      # (b) on NATS JetStream instead of SQLite
 *   BENCH_DURATION=20 BENCH_CONNECTIONS=100 npm run bench
 *   BENCH_EVENTS=100000 npm run bench   # (c) with 100k webhooks (default 30k)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const storeType = process.env.BENCH_STORE ?? 'sqlite';
const auth = `Basic ${Buffer.from('jambonz:quickstart').toString('base64')}`;
const sample = {
  call_sid: '', call_id: 'bench', application_sid: '72c5c38f-9bba-40ce-aa83-aaa6be55e1b5', account_sid: 'bad98250-b34d-459d-9e90-f97dfb9bc519',
  direction: 'inbound', from: '+12125551212', to: '+14155551234', caller_name: 'John Doe', sip_status: 100, sip_reason: 'Trying', call_status: 'trying',
};

function start(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

async function load(name: string, url: string) {
  // Warm-up, then the measured run. Every request is a distinct call, so nothing is deduplicated.
  const run = (seconds: number) => autocannon({
    url, connections, duration: seconds, method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ ...sample, call_sid: randomUUID() }) }) }],
  });
  await run(2);
  const result = await run(duration);
  const ok = result['2xx'];
  const summary = {
    name, requestsPerSec: Math.round(result.requests.average), p50ms: result.latency.p50, p99ms: result.latency.p99,
    ok2xx: ok, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
  };
  console.log(JSON.stringify(summary));
  return summary;
}

const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-bench-'));
const bare = await start(['--import', 'tsx', 'bench/bare-koa.ts'], {});
const a = await load('bare koa (parse JSON, 200)', `${bare.url}/hooks/jambonz`);
bare.child.kill('SIGTERM');

let config = path.join(root, 'examples', 'quickstart', 'callrelay.yaml');
const natsPrefix = `bench${Date.now()}`;
if (storeType === 'nats') {
  config = path.join(dir, 'callrelay-nats.yaml');
  writeFileSync(config, [
    'server: { port: 0 }',
    `store: { type: nats, servers: ["${process.env.NATS_URL ?? 'nats://127.0.0.1:4222'}"], prefix: "${natsPrefix}" }`,
    'sources:', '  jambonz: { type: jambonz, auth: { basic: { username: jambonz, password: quickstart } } }',
    'sinks:', `  calls-csv: { type: csv, path: "${path.join(dir, 'calls.csv')}" }`,
    'pipelines:', '  all: { from: [jambonz], to: [calls-csv] }', '',
  ].join('\n'));
}
const relay = await start([path.join(root, 'packages/cli/dist/bin.js'), 'run', config], {
  PORT: '0', CALLRELAY_DB: path.join(dir, 'bench.db'), CSV_PATH: path.join(dir, 'calls.csv'), LOG_LEVEL: 'warn',
});
const b = await load(`callrelay quickstart (${storeType}, durable ack)`, `${relay.url}/hooks/jambonz`);
relay.child.kill('SIGTERM');
await new Promise((r) => relay.child.once('exit', r));

// (c) end to end on a fresh node: N webhooks in, time until the N-th CSV row is on disk; (d) peak RSS.
const events = Number(process.env.BENCH_EVENTS ?? 30_000);
const e2eDir = mkdtempSync(path.join(tmpdir(), 'callrelay-bench-e2e-'));
const e2eCsv = path.join(e2eDir, 'calls.csv');
const e2eConfig = path.join(e2eDir, 'callrelay.yaml');
writeFileSync(e2eConfig, [
  'server: { port: 0 }',
  storeType === 'nats'
    ? `store: { type: nats, servers: ["${process.env.NATS_URL ?? 'nats://127.0.0.1:4222'}"], prefix: "${natsPrefix}e2e" }`
    : `store: { type: sqlite, path: "${path.join(e2eDir, 'bench.db')}" }`,
  'sources:', '  jambonz: { type: jambonz, auth: { basic: { username: jambonz, password: quickstart } } }',
  'sinks:', `  calls-csv: { type: csv, path: "${e2eCsv}", columns: [id, type, callId] }`,
  'tracker: { settleMs: 1000 }',
  'pipelines:', '  all: { from: [jambonz], to: [calls-csv] }', '',
].join('\n'));
const e2e = await start([path.join(root, 'packages/cli/dist/bin.js'), 'run', e2eConfig], { LOG_LEVEL: 'warn' });
const peakRss = () => {
  const status = readFileSync(`/proc/${e2e.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};
const rowsIn = () => (existsSync(e2eCsv) ? countLines(e2eCsv) - 1 : 0);
const t0 = Date.now();
const sent = await autocannon({
  url: `${e2e.url}/hooks/jambonz`, connections, amount: events, method: 'POST',
  headers: { 'content-type': 'application/json', authorization: auth },
  requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ ...sample, call_sid: randomUUID() }) }) }],
});
const ingestSeconds = (Date.now() - t0) / 1000;
const accepted = sent['2xx'];
let last = -1;
let lastChange = Date.now();
for (;;) {
  const rows = rowsIn();
  if (rows >= accepted) break;
  if (rows !== last) { last = rows; lastChange = Date.now(); }
  if (Date.now() - lastChange > 30_000) { console.log(`(c) stalled at ${rows} of ${accepted} rows`); break; }
  await new Promise((r) => setTimeout(r, 50));
}
const e2eSeconds = (Date.now() - t0) / 1000;
const rss = peakRss();
const c = { accepted, ingestPerSec: Math.round(accepted / ingestSeconds), endToEndPerSec: Math.round(rowsIn() / e2eSeconds), ingestSeconds, e2eSeconds, backlogSeconds: e2eSeconds - ingestSeconds, peakRssMb: Math.round(rss), csvBytes: statSync(e2eCsv).size };
console.log(JSON.stringify({ name: `end to end (${storeType})`, ...c }));
e2e.child.kill('SIGTERM');
await new Promise((r) => e2e.child.once('exit', r));

function countLines(file: string): number {
  const data = readFileSync(file);
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n += 1;
  return n;
}
if (storeType === 'nats') {
  // Leave the NATS server as we found it: delete this run's streams (and their consumers and buckets).
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) if (name.toLowerCase().includes(natsPrefix)) await jsm.streams.delete(name);
  await nc.close();
}

console.log(`\nconnections ${connections}, ${duration} s per run, node ${process.version}`);
console.log(`(a) ${a.name}: ${a.requestsPerSec} req/s, p50 ${a.p50ms} ms, p99 ${a.p99ms} ms`);
console.log(`(b) ${b.name}: ${b.requestsPerSec} req/s, p50 ${b.p50ms} ms, p99 ${b.p99ms} ms, non-2xx ${b.non2xx}`);
console.log(`ratio b/a: ${(b.requestsPerSec / a.requestsPerSec).toFixed(2)}`);
console.log(`(c) end to end: ${c.accepted} webhooks in ${c.ingestSeconds.toFixed(1)} s (${c.ingestPerSec}/s), last CSV row after ${c.e2eSeconds.toFixed(1)} s: ${c.endToEndPerSec} events/s end to end, backlog ${c.backlogSeconds.toFixed(1)} s`);
console.log(`(d) peak RSS of the node: ${c.peakRssMb} MB`);
